/**
 * The Fulcio API over HTTP (reference §1) on a live server with a loopback IdP: v2 signingCert in
 * every request form (camelCase, snake_case, Bearer header, CSR, Ed25519), the issued chain and
 * its embedded SCT checked against the CT log, the legacy v1 endpoints, trustBundle and
 * configuration, and grpc-gateway-shaped errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type KeyObject, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferOf } from '../../src/buffer-view.js';
import { readOne, TAG } from '../../src/core/der.js';
import { OID } from '../../src/ca/extensions.js';
import { certificatesFromPem } from '../../src/core/pem.js';
import { parseSctList, sha256, verifySct } from '../../src/ct/sct.js';
import { readCertificate as parseCertificate, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { keyPair, openssl } from './fixtures.js';
import { TestIdp } from '../oidc/loopback-idp.js';

const EMAIL = 'carol@example.com';

describe('Fulcio API', () => {
  let idp: TestIdp;
  let server: TestServer;
  let issuer: string;
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-fulcio-'));

  before(async () => {
    idp = await TestIdp.start();
    issuer = await idp.issuer('/corp');
    const config = join(dir, 'config.yaml');
    // YAML, kebab-case, with a meta issuer: the shape of Fulcio's own config/identity/config.yaml.
    writeFileSync(config, `oidc-issuers:\n  ${issuer}:\n    issuer-url: ${issuer}\n    client-id: sigstore\n    type: email\nmeta-issuers:\n  https://oidc.example.test/*:\n    client-id: sigstore\n    type: kubernetes\n`);
    // With the sigstore-js 3.x compatibility setting on (keyless-rejections.test.ts covers it off).
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: config, SEALHOUSE_OIDC_SUB_CHALLENGE: '1' });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (claims: Record<string, unknown> = {}): Promise<string> => idp.token('/corp', { sub: 'u-42', email: EMAIL, email_verified: true, ...claims });
  const pop = (key: KeyObject, text = EMAIL): string => sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from(text), key).toString('base64');
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  async function chainOf(res: Response): Promise<string[]> {
    const body = (await res.json()) as { signedCertificateEmbeddedSct?: { chain: { certificates: string[] } }; message?: string };
    assert.equal(res.status, 200, body.message);
    assert.deepEqual(Object.keys(body), ['signedCertificateEmbeddedSct']);
    return body.signedCertificateEmbeddedSct?.chain.certificates ?? [];
  }

  it('issues for a camelCase request: chain [leaf, intermediate, root], leaf = precert minus poison plus a verifying SCT', async () => {
    const k = keyPair('P-256');
    const chain = await chainOf(await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: k.pem }, proofOfPossession: pop(k.privateKey) } }));
    const bundle = (await (await fetch(`${server.url}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    assert.deepEqual(chain.slice(1), bundle.chains[0]?.certificates, 'the rest of the chain is the trust bundle');
    const [leafDer] = certificatesFromPem(chain[0] ?? '');
    const leaf = new X509Certificate(leafDer as Buffer);
    assert.ok(leaf.verify(new X509Certificate(chain[1] ?? '').publicKey));
    assert.equal(leaf.subjectAltName, `email:${EMAIL}`);
    assert.ok(leaf.publicKey.equals(k.publicKey));

    const raw = parseCertificate(leafDer as Buffer);
    const ext = (oid: string) => { const v = raw.extensions.find((e) => e.oid === oid)?.value; return v && bufferOf(v).toString('utf8'); };
    assert.equal(ext('1.3.6.1.4.1.57264.1.1'), issuer);
    assert.match(ext('1.3.6.1.4.1.57264.1.8') ?? '', new RegExp(`${issuer}$`));
    assert.match(ext('1.3.6.1.4.1.57264.1.24') ?? '', /u-42$/);

    const sctExt = raw.extensions.find((e) => e.oid === OID.ctSctList);
    assert.ok(sctExt);
    const [sct] = parseSctList(bufferOf(readOne(sctExt.value, TAG.OCTET_STRING, 'SCT list').value));
    assert.ok(sct);
    const ct = server.running.ca.ct;
    const tbs = bufferOf(tbsWithoutExtension(raw.tbs, OID.ctSctList));
    const issuerKeyHash = sha256(bufferOf(parseCertificate(certificatesFromPem(chain[1] ?? '')[0] as Uint8Array).spki));
    assert.ok(verifySct(sct, { type: 'precert', issuerKeyHash, tbs }, ct.signer.publicKey));
    const logged = await ct.entries(0, (await ct.sth()).treeSize - 1);
    assert.ok(logged.some((e) => e.leafInput.includes(tbs)), 'the CT log holds the final TBS minus the SCT list, i.e. the precert TBS minus the poison');
  });

  it('accepts snake_case fields and the token from an Authorization: Bearer header', async () => {
    const k = keyPair('P-384');
    const sig = sign('sha384', Buffer.from(EMAIL), k.privateKey).toString('base64');
    const chain = await chainOf(await post('/api/v2/signingCert', { public_key_request: { public_key: { content: k.pem }, proof_of_possession: sig } }, { authorization: `Bearer ${await token()}` }));
    assert.ok(new X509Certificate(chain[0] ?? '').publicKey.equals(k.publicKey));
  });

  it('with SEALHOUSE_OIDC_SUB_CHALLENGE=1, also accepts a proof over sub for an e-mail issuer', async () => {
    const k = keyPair('P-256');
    const chain = await chainOf(await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { content: k.pem }, proofOfPossession: pop(k.privateKey, 'u-42') } }));
    assert.equal(new X509Certificate(chain[0] ?? '').subjectAltName, `email:${EMAIL}`, 'the certificate still names the e-mail');
    const wrong = await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { content: k.pem }, proofOfPossession: pop(k.privateKey, 'someone-else') } });
    assert.equal(wrong.status, 400);
  });

  it('accepts a CSR (base64 of the PEM) and an Ed25519 key', async () => {
    const k = keyPair('P-256');
    const csr = openssl((d) => ['req', '-new', '-key', `${d}/key.pem`, '-subj', '/CN=ignored', '-sha256'], { 'key.pem': k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
    const fromCsr = await chainOf(await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, certificateSigningRequest: Buffer.from(csr).toString('base64') }));
    assert.ok(new X509Certificate(fromCsr[0] ?? '').publicKey.equals(k.publicKey));
    const ed = keyPair('ed25519');
    const edChain = await chainOf(await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { algorithm: 'ED25519', content: ed.pem }, proofOfPossession: pop(ed.privateKey) } }));
    assert.ok(new X509Certificate(edChain[0] ?? '').publicKey.equals(ed.publicKey));
  });

  it('legacy POST /api/v1/signingCert: 201 and a PEM chain; token only from the Authorization header', async () => {
    const k = keyPair('P-256');
    const body = { publicKey: { algorithm: 'ecdsa', content: Buffer.from(k.pem).toString('base64') }, signedEmailAddress: pop(k.privateKey) };
    const res = await post('/api/v1/signingCert', body, { authorization: `Bearer ${await token()}` });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/pem-certificate-chain; charset=utf-8');
    const text = await res.text();
    assert.equal(certificatesFromPem(text).length, 3);
    assert.ok(!text.endsWith('\n'), 'trimmed like Fulcio');

    const noToken = await post('/api/v1/signingCert', body);
    assert.equal(noToken.status, 400);
    assert.match(((await noToken.json()) as { message: string }).message, /^There was an error processing the identity token: no identity token supplied/);
    const noKey = await post('/api/v1/signingCert', {}, { authorization: `Bearer ${await token()}` });
    assert.equal(noKey.status, 400);
    assert.deepEqual(await noKey.json(), { code: 3, message: 'The public key supplied in the request could not be parsed: public key not provided', details: [] });
  });

  it('legacy GET /api/v1/rootCert and v2 trustBundle carry the same intermediate and root', async () => {
    const res = await fetch(`${server.url}/api/v1/rootCert`);
    assert.equal(res.status, 200);
    const pems = certificatesFromPem(await res.text()).map(bufferOf);
    assert.deepEqual(pems, server.running.ca.keys.ca.chain);
    assert.equal((await fetch(`${server.url}/api/v2/trustBundle`, { method: 'HEAD' })).status, 200, 'HEAD is GET without a body');
  });

  it('GET /api/v2/configuration lists exact and meta issuers with their challenge claims', async () => {
    const body = await (await fetch(`${server.url}/api/v2/configuration`)).json();
    assert.deepEqual(body, {
      issuers: [
        { issuerUrl: issuer, audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' },
        { wildcardIssuerUrl: 'https://oidc.example.test/*', audience: 'sigstore', challengeClaim: 'sub', issuerType: 'kubernetes' },
      ],
    });
  });

  it('answers unknown paths, wrong methods and bad JSON types with gRPC-shaped errors', async () => {
    const missing = await fetch(`${server.url}/api/v2/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: number }).code, 5);
    const wrongMethod = await fetch(`${server.url}/api/v2/signingCert`);
    assert.equal(wrongMethod.status, 501);
    assert.equal(((await wrongMethod.json()) as { code: number }).code, 12);
    const badType = await post('/api/v2/signingCert', { publicKeyRequest: 'not an object' });
    assert.equal(badType.status, 400);
    const json = (await badType.json()) as { code: number; message: string; details: unknown[] };
    assert.equal(json.code, 3);
    assert.match(json.message, /publicKeyRequest must be object/);
  });
});
