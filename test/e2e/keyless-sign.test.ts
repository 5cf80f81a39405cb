/**
 * The compatibility contract (DESIGN §1) with the real client: sigstore-js 4.x keyless `sign()`
 * and `attest()` against a live Sealhouse (Fulcio + CT + Rekor), with ID tokens from a separate
 * OIDC issuer process, verified by @sigstore/verify given only our /trusted_root.json at default
 * thresholds (SCT, SET, inclusion proof + checkpoint, identity and issuer policy).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { attest, sign } from 'sigstore';
import { readCertificate as parseCertificate } from '../../src/core/x509-raw.js';
import { freePort, startOidcIssuer, type OidcIssuerProcess } from '../fixtures/oidc-issuer-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const artifact = Buffer.from('an artifact signed keylessly through Sealhouse\n');
const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://example.test/p', predicate: {} }));
const IDENTITY = '^alice@example\\.test$';

describe('sigstore-js keyless signing against Sealhouse', () => {
  let idp: OidcIssuerProcess;
  let server: TestServer;
  let verifier: Verifier;
  let options: { fulcioURL: string; rekorURL: string; identityToken: string; retry: number };
  const configDir = mkdtempSync(join(tmpdir(), 'sealhouse-oidc-'));

  before(async () => {
    idp = await startOidcIssuer();
    // A real port in SEALHOUSE_URL, so the served signing_config.json points at this server.
    const port = await freePort();
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(configDir), PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}` });
    const root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as object;
    verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)));
    options = { fulcioURL: server.url, rekorURL: server.url, identityToken: await idp.mint(), retry: 0 };
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const verify = (bundle: SerializedBundle, data?: Buffer, policy = { subjectAlternativeName: IDENTITY, extensions: { issuer: idp.issuer } }) =>
    verifier.verify(toSignedEntity(bundleFromJSON(bundle), data), policy);

  it('sign(): a v0.2 hashedrekord bundle that verifies with default thresholds', async () => {
    const bundle = await sign(artifact, options);
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.2');
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'hashedrekord');
    const signer = verify(bundle, artifact);
    assert.equal(signer.identity?.subjectAlternativeName, 'alice@example.test');
    assert.equal(signer.identity?.extensions?.issuer, idp.issuer);

    assert.throws(() => verify(bundle, Buffer.from('tampered')), /SIGNATURE_ERROR|signature/i);
    assert.throws(() => verify(bundle, artifact, { subjectAlternativeName: '^mallory@example\\.test$', extensions: { issuer: idp.issuer } }), /identity/);
    assert.throws(() => verify(bundle, artifact, { subjectAlternativeName: IDENTITY, extensions: { issuer: 'https://other.example.test' } }), /issuer/);
  });

  it('attest(): a v0.3 DSSE bundle that verifies', async () => {
    const bundle = await attest(statement, 'application/vnd.in-toto+json', options);
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'dsse');
    assert.equal(verify(bundle).identity?.subjectAlternativeName, 'alice@example.test');
  });

  it('attest() with legacyCompatibility: an intoto 0.0.2 bundle that verifies', async () => {
    const bundle = await attest(statement, 'application/vnd.in-toto+json', { ...options, legacyCompatibility: true });
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'intoto');
    assert.equal(verify(bundle).identity?.subjectAlternativeName, 'alice@example.test');
  });

  it('the certificate is Fulcio-shaped and its precertificate is in our CT log', async () => {
    const bundle = await sign(Buffer.from('second artifact'), options);
    const raw = bundle.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes ?? '';
    const leaf = new X509Certificate(Buffer.from(raw, 'base64'));
    assert.deepEqual(parseCertificate(leaf.raw).subject, Buffer.from([0x30, 0]), 'empty subject');
    assert.equal(leaf.subjectAltName, 'email:alice@example.test');
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 600_000);
    const sth = (await (await fetch(`${server.url}/ct/v1/get-sth`)).json()) as { tree_size: number };
    assert.ok(sth.tree_size >= 4, 'one precertificate per certificate issued so far');
  });

  it('signs through our signing_config.json (bundleBuilderFromSigningConfig), and the result verifies', async () => {
    const config = SigningConfig.fromJSON(await (await fetch(`${server.url}/signing_config.json`)).json());
    const token = options.identityToken;
    const builder = bundleBuilderFromSigningConfig({ signingConfig: config, identityProvider: { getToken: () => Promise.resolve(token) }, bundleType: 'messageSignature' });
    const bundle = bundleToJSON(await builder.create({ data: artifact }));
    assert.equal(verify(bundle, artifact).identity?.subjectAlternativeName, 'alice@example.test');
  });

  it('a token whose email is not verified is refused by sigstore-js before any request', async () => {
    const before = ((await (await fetch(`${server.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size;
    const token = await idp.mint({ claims: { email_verified: false } });
    await assert.rejects(sign(artifact, { ...options, identityToken: token }), (err: { code?: string; cause?: Error }) => {
      assert.equal(err.code, 'IDENTITY_TOKEN_PARSE_ERROR');
      assert.match(err.cause?.message ?? '', /email not verified/);
      return true;
    });
    const after = ((await (await fetch(`${server.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size;
    assert.equal(after, before);
  });
});
