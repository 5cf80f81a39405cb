/**
 * Bundles made by the real client (sigstore-js keyless sign() and attest()) against a live
 * Sealhouse — our Fulcio, CT log and Rekor, with an ID token from a separate OIDC issuer —
 * verified by our own core verifier given only the server's /trusted_root.json: so the two
 * halves of the house agree on every byte a client checks (SCT, SET, checkpoint, bodies).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attest, sign } from 'sigstore';
import { BundleVerificationError, verifyBundle, type IdentityPolicy } from '../../../src/core/bundle/verify-bundle.js';
import { nodeCrypto } from '../../../src/node-crypto.js';
import { freePort, startOidcIssuer, type OidcIssuerProcess } from '../../fixtures/oidc-issuer-process.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const artifact = Buffer.from('an artifact signed keylessly through Sealhouse, verified by its own core\n');
const subjectDigest = nodeCrypto.digest('sha256', artifact);
const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: Buffer.from(subjectDigest).toString('hex') } }], predicateType: 'https://example.test/p', predicate: {} }));

describe('bundles from sigstore-js against Sealhouse verify with the core verifier', () => {
  let idp: OidcIssuerProcess;
  let server: TestServer;
  let root: unknown;
  let options: { fulcioURL: string; rekorURL: string; identityToken: string; retry: number };
  let identity: IdentityPolicy;
  const configDir = mkdtempSync(join(tmpdir(), 'sealhouse-oidc-'));

  before(async () => {
    idp = await startOidcIssuer();
    const port = await freePort();
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(configDir), PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}` });
    root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as unknown;
    options = { fulcioURL: server.url, rekorURL: server.url, identityToken: await idp.mint(), retry: 0 };
    identity = { subject: 'alice@example.test', issuer: idp.issuer };
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const refusedWith = (code: string) => (err: unknown) => err instanceof BundleVerificationError && err.code === code;

  it('sign(): a v0.2 hashedrekord bundle verifies (SET, signed checkpoint, chain, SCT, identity)', async () => {
    const bundle = await sign(artifact, options);
    const r = verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: artifact }, identity });
    assert.equal(r.signer.kind === 'certificate' && r.signer.subject, 'alice@example.test');
    assert.deepEqual(r.timestamps.map((t) => t.kind), ['set']);
    for (const word of ['included in', 'embedded SCT', 'chains to']) assert.ok(r.checks.some((c) => c.includes(word)), word);
    assert.throws(() => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: Buffer.from('tampered') }, identity }), refusedWith('artifact-mismatch'));
    assert.throws(() => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: artifact }, identity: { ...identity, subject: 'mallory@example.test' } }), refusedWith('identity'));
    assert.throws(() => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: artifact }, identity: { ...identity, issuer: 'https://other.example.test' } }), refusedWith('issuer'));
  });

  it('attest(): a v0.3 DSSE bundle verifies for the statement\'s subject', async () => {
    const bundle = await attest(statement, 'application/vnd.in-toto+json', options);
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'dsse');
    const r = verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: artifact }, identity });
    assert.ok(r.checks.some((c) => c.includes('DSSE envelope signature')));
    assert.throws(() => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { bytes: Buffer.from('other') }, identity }), refusedWith('artifact-mismatch'));
  });

  it('attest() with legacyCompatibility: an intoto 0.0.2 bundle verifies', async () => {
    const bundle = await attest(statement, 'application/vnd.in-toto+json', { ...options, legacyCompatibility: true });
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'intoto');
    const r = verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: root, artifact: { digest: { algorithm: 'sha256', value: subjectDigest } }, identity });
    assert.equal(r.signer.kind, 'certificate');
  });

  it('our bundles do not verify against the public-good root', async () => {
    const bundle = await sign(artifact, options);
    const { readFileSync } = await import('node:fs');
    const { vectorPath } = await import('../../helpers/vectors.js');
    const production = JSON.parse(readFileSync(vectorPath('bundles/trusted_root.production.json'), 'utf8')) as unknown;
    assert.throws(() => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: production, artifact: { bytes: artifact }, identity }), refusedWith('tlog-key'));
  });
});
