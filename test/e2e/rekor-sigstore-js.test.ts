/**
 * sigstore-js 4.x against a live Sealhouse log (rekor-api.md §5.3, fulcio-and-clients.md §5–6):
 * @sigstore/sign's bundle builders and RekorWitness upload a message signature (hashedrekord),
 * a DSSE attestation (dsse) and a legacyCompatibility attestation (intoto 0.0.2) with a key-based
 * signer; @sigstore/verify then checks each bundle — SET, inclusion proof and signed checkpoint —
 * against a trusted root that lists only our log, and our own verifier accepts the server's copy.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { get, only, trustedLog, verifyAll } from '../http/rekor-client.js';

const HINT = 'sealhouse-e2e-key';
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingPem = signingKey.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const b64 = (b: Buffer): string => b.toString('base64');
const artifact = Buffer.from('a release tarball, more or less\n');
const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'pkg.tgz', digest: { sha256: createHash('sha256').update(artifact).digest('hex') } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} }));

let server: TestServer;
let log: Awaited<ReturnType<typeof trustedLog>>;

/** A key-based signer; `memo` returns the same signature for the same bytes (to provoke a 409). */
function keySigner(memo?: Map<string, Buffer>): Signer {
  return {
    sign: async (data) => {
      const key = data.toString('hex');
      const signature = memo?.get(key) ?? sign('sha256', data, signingKey.privateKey);
      memo?.set(key, signature);
      return { signature, key: { $case: 'publicKey', publicKey: signingPem, hint: HINT } };
    },
  };
}

const witness = (entryType?: 'dsse' | 'intoto', fetchOnConflict = false): RekorWitness =>
  new RekorWitness({ rekorBaseURL: server.url, retry: 0, timeout: 30_000, fetchOnConflict, ...(entryType ? { entryType } : {}) });

/** The trusted root a Sealhouse operator hands out (fulcio-and-clients.md §4.1), for our log only. */
function trustedRoot(overrides: { spki?: Buffer; baseUrl?: string } = {}): ReturnType<typeof TrustedRoot.fromJSON> {
  const spki = overrides.spki ?? log.spki;
  return TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: overrides.baseUrl ?? server.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(Date.now() - 3600_000).toISOString() } },
        logId: { keyId: b64(createHash('sha256').update(spki).digest()) },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}

/** @sigstore/verify's VerificationError carries its code apart from the message. */
function fails(fn: () => void, code: string, message: RegExp): void {
  assert.throws(fn, (err: { code?: unknown; message?: unknown }) => {
    assert.equal(err.code, code);
    assert.match(String(err.message), message);
    return true;
  });
}

const isProto = (b: object): b is Bundle => Buffer.isBuffer((b as Bundle).verificationMaterial?.tlogEntries?.[0]?.canonicalizedBody);

/** Verify as a client does: the bundle as stored JSON, the key found by its hint, SET required. */
function verify(bundle: Bundle | object, data?: Buffer, root = trustedRoot()): void {
  const parsed = bundleFromJSON(JSON.parse(JSON.stringify(isProto(bundle) ? bundleToJSON(bundle) : bundle)));
  const keys = { [HINT]: { rawBytes: signingKey.publicKey.export({ format: 'der', type: 'spki' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256 } };
  const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  verifier.verify(toSignedEntity(parsed, data));
}

before(async () => {
  server = await startTestServer();
  log = await trustedLog(server.url);
});
after(() => server.close());

describe('sigstore-js uploads to Sealhouse and verifies the bundles', () => {
  const bundles: Record<string, Bundle> = {};

  it('signs a message: hashedrekord 0.0.1, verified with SET, proof and checkpoint', async () => {
    bundles.message = await new MessageSignatureBundleBuilder({ signer: keySigner(), witnesses: [witness()] }).create({ data: artifact });
    assert.equal(bundles.message.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'hashedrekord');
    verify(bundles.message, artifact);
  });

  it('attests: dsse 0.0.1, verified', async () => {
    bundles.dsse = await new DSSEBundleBuilder({ signer: keySigner(), witnesses: [witness('dsse')] }).create({ data: statement, type: 'application/vnd.in-toto+json' });
    assert.equal(bundles.dsse.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'dsse');
    verify(bundles.dsse);
  });

  it('attests with legacyCompatibility: intoto 0.0.2, verified', async () => {
    bundles.intoto = await new DSSEBundleBuilder({ signer: keySigner(), witnesses: [witness('intoto')] }).create({ data: statement, type: 'application/vnd.in-toto+json' });
    const tlog = bundles.intoto.verificationMaterial.tlogEntries[0];
    assert.deepEqual([tlog?.kindVersion?.kind, tlog?.kindVersion?.version], ['intoto', '0.0.2']);
    verify(bundles.intoto);
  });

  it('the server’s copy of each entry passes our offline verifier', async () => {
    for (const bundle of Object.values(bundles)) {
      const tlog = bundle.verificationMaterial.tlogEntries[0];
      assert.ok(tlog !== undefined);
      const uuid = createHash('sha256').update(Buffer.concat([Buffer.from([0]), tlog.canonicalizedBody])).digest('hex');
      const [id, entry] = only((await get(server.url, `/api/v1/log/entries/${uuid}`)).json);
      assert.equal(entry.logIndex, Number(tlog.logIndex));
      verifyAll(id, entry, log);
    }
  });

  it('recovers from a 409 with fetchOnConflict (GET Location), and reports it without', async () => {
    const memo = new Map<string, Buffer>();
    const data = Buffer.from('signed twice with the same signature');
    const first = await new MessageSignatureBundleBuilder({ signer: keySigner(memo), witnesses: [witness()] }).create({ data });
    const again = await new MessageSignatureBundleBuilder({ signer: keySigner(memo), witnesses: [witness(undefined, true)] }).create({ data });
    assert.equal(again.verificationMaterial.tlogEntries[0]?.logIndex, first.verificationMaterial.tlogEntries[0]?.logIndex);
    verify(again, data);
    await assert.rejects(
      new MessageSignatureBundleBuilder({ signer: keySigner(memo), witnesses: [witness()] }).create({ data }),
      /\(409\) an equivalent entry already exists in the transparency log with UUID [0-9a-f]{80}/,
    );
  });

  it('fails with another log key, a baseUrl not naming our host, or a tampered proof, SET or artifact', () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    fails(() => verify(bundles.message as Bundle, artifact, trustedRoot({ spki: otherKey })), 'TLOG_INCLUSION_PROMISE_ERROR', /inclusion promise could not be verified/);
    fails(() => verify(bundles.message as Bundle, artifact, trustedRoot({ baseUrl: 'https://rekor.example.com' })), 'TLOG_INCLUSION_PROOF_ERROR', /invalid checkpoint signature/);
    const json = bundleToJSON(bundles.dsse as Bundle) as unknown as { verificationMaterial: { tlogEntries: Record<string, Record<string, unknown>>[] } };
    const tamper = (edit: (tlog: Record<string, Record<string, unknown>>) => void): object => {
      const copy = structuredClone(json);
      edit(copy.verificationMaterial.tlogEntries[0] as Record<string, Record<string, unknown>>);
      return copy;
    };
    const flip = (s: string): string => b64(Buffer.from(Buffer.from(s, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))));
    const proofTampered = tamper((t) => {
      const hashes = t.inclusionProof?.hashes as string[];
      hashes[0] = flip(hashes[0] as string);
    });
    fails(() => verify(proofTampered), 'TLOG_INCLUSION_PROOF_ERROR', /calculated root hash does not match/);
    const setTampered = tamper((t) => void (t.inclusionPromise = { signedEntryTimestamp: flip(t.inclusionPromise?.signedEntryTimestamp as string) }));
    fails(() => verify(setTampered), 'TLOG_INCLUSION_PROMISE_ERROR', /inclusion promise could not be verified/);
    fails(() => verify(bundles.message as Bundle, Buffer.from('another artifact')), 'SIGNATURE_ERROR', /signature verification failed/);
  });
});
