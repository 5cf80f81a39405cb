/**
 * The timestamp authority's lifecycle: the database records the TSA in use, so a start with a
 * lost (regenerated) TSA directory is refused instead of silently disowning every earlier
 * timestamp; `sealhouse rotate tsa` puts a new one into use while the old one stays in
 * trusted_root.json with its validFor closed. A bundle timestamped before the rotation verifies
 * with the new trusted root through sigstore-js's verifier and ours; a token the retired TSA
 * makes after its window is refused by both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { PublicKey, TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { verifyTimestampToken } from '../../src/core/bundle/rfc3161.js';
import { parseTrustedRoot } from '../../src/core/bundle/trusted-root.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { parseJsonTimestampRequest } from '../../src/tsa/timestamp-request.js';
import { TimestampSigner } from '../../src/tsa/timestamp-signer.js';
import { loadOrCreateTsa } from '../../src/tsa/tsa-keys.js';
import { runCli } from '../helpers/cli.js';
import { openTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db.js';
import { startTestServer } from '../helpers/server.js';
import { nextSecond } from '../helpers/next-second.js';

const artifact = Buffer.from('timestamped before and after a TSA rotation\n');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const HINT = 'tsa-rotation-test-key';

interface TsaJson { validFor: { start: string; end?: string }; certChain: { certificates: { rawBytes: string }[] } }

async function timestampedBundle(baseUrl: string): Promise<SerializedBundle> {
  const builder = new MessageSignatureBundleBuilder({
    signer: { sign: async (data: Buffer) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string, hint: HINT } }) },
    witnesses: [new TSAWitness({ tsaBaseURL: baseUrl })],
  });
  return bundleToJSON(await builder.create({ data: artifact }));
}

/** sigstore-js's verifier with one timestamp required and our key as the bundle's signer. */
function sigstoreJsVerify(trustedRoot: unknown, bundle: SerializedBundle): void {
  const keys = { [HINT]: PublicKey.fromJSON({ rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } }) };
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle), artifact));
}

const tokenOf = (bundle: SerializedBundle): Buffer => Buffer.from(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0]?.signedTimestamp ?? '', 'base64');
const signatureOf = (bundle: SerializedBundle): Buffer => Buffer.from(bundle.messageSignature?.signature ?? '', 'base64');

describe('rotating the timestamp authority', { timeout: 180_000 }, () => {
  let dataDir: string;
  let db: TestDatabase;
  let env: Record<string, string>;
  let before1: SerializedBundle;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-tsa-rotation-'));
    db = await openTestDatabase();
    env = { SEALHOUSE_DATA_DIR: dataDir, ...(usingPostgres() ? db.env : {}) };
    const server = await startTestServer(env);
    try {
      before1 = await timestampedBundle(server.url);
    } finally {
      await server.stop();
    }
  });
  after(async () => {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a start whose TSA directory was lost and regenerated is refused, naming the way back and the deliberate rotation', async () => {
    const saved = join(dataDir, '..', `${join(dataDir).split('/').pop() ?? 'x'}-tsa-backup`);
    cpSync(join(dataDir, 'tsa'), saved, { recursive: true });
    rmSync(join(dataDir, 'tsa'), { recursive: true });
    await assert.rejects(startTestServer(env), /timestamp authority \(.*tsa\) is not the one this database has in use \(epoch 1, since .*\).*restore .*tsa from a backup, or put this one into use deliberately with `sealhouse rotate tsa`/);
    rmSync(join(dataDir, 'tsa'), { recursive: true });
    cpSync(saved, join(dataDir, 'tsa'), { recursive: true });
    rmSync(saved, { recursive: true });
    const server = await startTestServer(env);
    await server.stop();
  });

  it('`sealhouse rotate tsa` puts a new TSA into use; trusted_root.json lists both, the old one closed, and old and new bundles verify', async () => {
    await nextSecond(); // epoch 1 may have started in this very second
    const rotated = await runCli(['rotate', 'tsa', '--grace', '0s'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' } });
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /timestamp authority epoch 2 is in use from .*; epoch 1 stays valid until /);
    assert.ok(existsSync(join(dataDir, 'tsa.retired-1', 'tsa-key.pem')), 'the retired TSA is kept');

    const server = await startTestServer(env);
    try {
      const root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as { timestampAuthorities: TsaJson[] };
      const [old, current] = root.timestampAuthorities;
      assert.equal(root.timestampAuthorities.length, 2);
      assert.ok(old?.validFor.end, 'the retired TSA has an end');
      assert.equal(current?.validFor.end, undefined);
      // With no grace the windows meet, overlapping by under a second: genTime has whole seconds.
      const gap = Date.parse(old?.validFor.end ?? '') - Date.parse(current?.validFor.start ?? '');
      assert.ok(gap >= 0 && gap <= 1000, `old end ${old?.validFor.end}, new start ${current?.validFor.start}`);
      assert.notEqual(current?.certChain.certificates[0]?.rawBytes, old?.certChain.certificates[0]?.rawBytes);

      // Made before the rotation: sigstore-js and our verifier both accept it with the new root.
      sigstoreJsVerify(root, before1);
      assert.match(verifyTimestampToken(nodeCrypto, tokenOf(before1), signatureOf(before1), parseTrustedRoot(root)).by, /./);
      // Made after it, by the new TSA.
      const after1 = await timestampedBundle(server.url);
      sigstoreJsVerify(root, after1);
      assert.notDeepEqual(tokenOf(after1), tokenOf(before1));

      // The retired TSA signing after its window closed: refused by both.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(old?.validFor.end ?? '') - Date.now()) + 1100));
      const retired = new TimestampSigner(await loadOrCreateTsa(join(dataDir, 'tsa.retired-1')));
      const late = retired.issue(parseJsonTimestampRequest({ artifactHash: createHash('sha256').update(signatureOf(before1)).digest('base64'), hashAlgorithm: 'sha256' })).response;
      const forged = structuredClone(before1);
      (forged.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0] as { signedTimestamp: string }).signedTimestamp = late.toString('base64');
      assert.throws(() => sigstoreJsVerify(root, forged), (err: { code?: string }) => err.code === 'TIMESTAMP_ERROR');
      assert.throws(() => verifyTimestampToken(nodeCrypto, late, signatureOf(before1), parseTrustedRoot(root)), /does not verify against the trusted timestamp authorities/);
    } finally {
      await server.stop();
    }
  });

  it('the retired TSA is never put back into use, and rotating to the TSA in use is refused', async () => {
    const retiredDir = join(dataDir, 'tsa.retired-1');
    await assert.rejects(startTestServer({ ...env, SEALHOUSE_TSA_CHAIN: join(retiredDir, 'chain.pem'), SEALHOUSE_TSA_KEY: join(retiredDir, 'tsa-key.pem') }), /is epoch 1, retired at .*a retired authority is never used again/);
    const again = await runCli(['rotate', 'tsa'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent', SEALHOUSE_TSA_CHAIN: join(dataDir, 'tsa', 'chain.pem'), SEALHOUSE_TSA_KEY: join(dataDir, 'tsa', 'tsa-key.pem') } });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /this tsa authority is already epoch 2 in this database/);
  });
});
