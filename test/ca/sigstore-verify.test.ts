/**
 * The strongest check: a hand-built bundle around a certificate from our CA (with our embedded
 * SCT) passes sigstore-js' full `Verifier` with default thresholds, given only a trusted root
 * from our builder (reference §5.2). The tlog entry is a minimal Rekor v1 hashedrekord with a
 * SET and a one-leaf inclusion proof + checkpoint, built here by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { json as sigstoreJson } from '@sigstore/core';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { precertEntry } from '../../src/ct/ct-submission.js';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { toPem } from '../../src/core/pem.js';
import { CtLogSigner, serializeSctList } from '../../src/ct/sct.js';
import { sealhouseTrustedRoot, type TrustedRootJson } from '../../src/trust/trusted-root.js';
import { EMAIL_EXTENSIONS, keyPair, makeCa } from './fixtures.js';

const ca = makeCa();
const ct = new CtLogSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const rekorKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rekorSpki = rekorKey.publicKey.export({ type: 'spki', format: 'der' });
const requester = keyPair('P-256');
const artifact = Buffer.from('hello from sealhouse\n');
const b64 = (b: Buffer): string => b.toString('base64');

function issueLeaf(): Buffer {
  const draft = new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'email', value: 'alice@example.com' }, extensions: EMAIL_EXTENSIONS });
  const precert = draft.precertificate();
  return draft.finalCertificate(serializeSctList([ct.sign(precertEntry(precert, ca.material.certificate), Date.now())]));
}

/** A Rekor v1 hashedrekord entry for `leaf`'s signature over the artifact, at index 0 of a 1-leaf log. */
function tlogEntry(leaf: Buffer, signature: Buffer, logKey: KeyObject): object {
  const body = Buffer.from(
    sigstoreJson.canonicalize({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: { content: b64(signature), publicKey: { content: b64(Buffer.from(toPem(leaf))) } },
      },
    }),
  );
  const logId = createHash('sha256').update(rekorSpki).digest();
  const integratedTime = Math.floor(Date.now() / 1000);
  const set = sign('sha256', Buffer.from(sigstoreJson.canonicalize({ body: b64(body), integratedTime, logID: logId.toString('hex'), logIndex: 0 })), logKey);
  const root = createHash('sha256').update(Buffer.concat([Buffer.from([0]), body])).digest();
  const note = `rekor.example.test - 8050909264565447525\n1\n${b64(root)}\n`;
  const noteSig = Buffer.concat([logId.subarray(0, 4), sign('sha256', Buffer.from(note), logKey)]);
  return {
    logIndex: '0',
    logId: { keyId: b64(logId) },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: b64(set) },
    inclusionProof: { logIndex: '0', treeSize: '1', rootHash: b64(root), hashes: [], checkpoint: { envelope: `${note}\n\u2014 rekor.example.test ${b64(noteSig)}\n` } },
    canonicalizedBody: b64(body),
  };
}

function bundleJson(leaf: Buffer): object {
  const signature = sign('sha256', artifact, requester.privateKey);
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { certificate: { rawBytes: b64(leaf) }, tlogEntries: [tlogEntry(leaf, signature, rekorKey.privateKey)], timestampVerificationData: {} },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: b64(createHash('sha256').update(artifact).digest()) }, signature: b64(signature) },
  };
}

function ourRoot(overrides: Partial<{ ctLogPublicKey: Buffer; caChain: readonly Buffer[] }> = {}): TrustedRootJson {
  return sealhouseTrustedRoot({
    rekorUrl: 'https://rekor.example.test',
    rekorPublicKey: rekorSpki,
    fulcioUrl: 'https://fulcio.example.test',
    caChain: overrides.caChain ?? ca.material.chain,
    ctLogUrl: 'https://rekor.example.test/ct',
    ctLogPublicKey: overrides.ctLogPublicKey ?? ct.spki,
    validFrom: new Date(Date.now() - 3600_000),
  });
}

const verify = (root: TrustedRootJson, leaf: Buffer, policy = { subjectAlternativeName: 'alice@example.com', extensions: { issuer: 'https://idp.example.test' } }) =>
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root))).verify(toSignedEntity(bundleFromJSON(bundleJson(leaf)), artifact), policy);

describe('@sigstore/verify Verifier over a bundle with our certificate', () => {
  const leaf = issueLeaf();

  it('verifies with default thresholds (SCT, SET, inclusion proof) and the identity policy', () => {
    const signer = verify(ourRoot(), leaf);
    assert.equal(signer.identity?.subjectAlternativeName, 'alice@example.com');
    assert.equal(signer.identity?.extensions?.issuer, 'https://idp.example.test');
    assert.ok(signer.key.equals(requester.publicKey));
  });

  it('fails without our CT log in the trusted root', () => {
    assert.throws(() => verify(ourRoot({ ctLogPublicKey: keyPair('P-256').spki }), leaf), /SCT verification failed/);
  });

  it('fails when the trusted root lacks the self-signed root certificate', () => {
    assert.throws(() => verify(ourRoot({ caChain: ca.material.chain.slice(0, 1) }), leaf), /CERTIFICATE_ERROR|certificate chain/);
  });

  it('fails for the wrong identity', () => {
    assert.throws(() => verify(ourRoot(), leaf, { subjectAlternativeName: 'mallory@example.com', extensions: { issuer: 'https://idp.example.test' } }), /identity/);
  });
});
