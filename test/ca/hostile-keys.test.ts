/**
 * Issue 8, hostile keys on the CA side, against a running server: the EC point at infinity (it
 * used to abort the whole Node 20 process inside `asymmetricKeyDetails`) as a Fulcio v2 proof of
 * possession key, inside a CSR, and in CT add-chain / add-pre-chain chains. Each must be a quick
 * 400 with a readable reason, and the server must keep serving.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { infinityCertificate, INFINITY_SPKI, pem, tlv } from '../helpers/hostile-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { EMAIL_EXTENSIONS, keyPair } from './fixtures.js';
import { TestIdp } from '../oidc/loopback-idp.js';

const EMAIL = 'mallory@example.com';

/** A PKCS#10 request around `spki`, self-signed by `signer` (the signature cannot match: it must not matter). */
function csrWith(spki: Buffer): string {
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const name = tlv(0x30, tlv(0x31, tlv(0x30, Buffer.from('0603550403', 'hex'), tlv(0x0c, Buffer.from('x')))));
  const info = tlv(0x30, Buffer.from('020100', 'hex'), name, spki, Buffer.from('a000', 'hex'));
  const alg = tlv(0x30, Buffer.from('06082a8648ce3d040302', 'hex'));
  return pem('CERTIFICATE REQUEST', tlv(0x30, info, alg, tlv(0x03, Buffer.from([0]), sign('sha256', info, signer))));
}

describe('hostile keys against a running CA', () => {
  let idp: TestIdp;
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-hostile-ca-'));

  before(async () => {
    idp = await TestIdp.start();
    const issuer = await idp.issuer('/corp');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ OIDCIssuers: { [issuer]: { IssuerURL: issuer, ClientID: 'sigstore', Type: 'email' } } }));
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: config, SEALHOUSE_CT_PREFIX: '/ctlog' });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (): Promise<string> => idp.token('/corp', { sub: 'u-1', email: EMAIL, email_verified: true });
  async function post(path: string, body: unknown): Promise<{ status: number; message: string; ms: number }> {
    const t = performance.now();
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // CT errors may be plain text
    }
    return { status: res.status, message, ms: performance.now() - t };
  }
  async function assertAlive(): Promise<void> {
    const k = keyPair('P-256');
    const pop = sign('sha256', Buffer.from(EMAIL), k.privateKey).toString('base64');
    const r = await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: k.pem }, proofOfPossession: pop } });
    assert.equal(r.status, 200, `the CA still issues: ${r.message}`);
  }

  it('refuses a proof-of-possession key that is the point at infinity with 400, and keeps issuing', async () => {
    for (const curve of ['P-256', 'P-521'] as const) {
      const r = await post('/api/v2/signingCert', {
        credentials: { oidcIdentityToken: await token() },
        publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: pem('PUBLIC KEY', INFINITY_SPKI[curve]) }, proofOfPossession: 'MAYCAQECAQE=' },
      });
      assert.equal(r.status, 400, r.message);
      assert.equal(r.message, 'The public key supplied in the request could not be parsed: the EC point is the point at infinity');
      assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
    }
    await assertAlive();
  });

  it('refuses a CSR whose key is the point at infinity with 400, and keeps issuing', async () => {
    const r = await post('/api/v2/signingCert', { credentials: { oidcIdentityToken: await token() }, certificateSigningRequest: Buffer.from(csrWith(INFINITY_SPKI['P-256'])).toString('base64') });
    assert.equal(r.status, 400, r.message);
    assert.match(r.message, /could not be parsed/);
    assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
    await assertAlive();
  });

  it('refuses CT add-chain / add-pre-chain chains holding such a certificate with 400, and keeps serving', async () => {
    const ca = server.running.ca.keys.ca;
    const b64 = (b: Buffer): string => b.toString('base64');
    const precert = new LeafDraft(ca, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: EMAIL }, extensions: EMAIL_EXTENSIONS }).precertificate();
    for (const [path, chain, reason] of [
      ['add-chain', [infinityCertificate(), ...ca.chain], /chain\[0\] has an unusable public key: the EC point is the point at infinity/],
      ['add-pre-chain', [precert, infinityCertificate('P-521'), ...ca.chain], /chain\[1\] has an unusable public key: the EC point is the point at infinity/],
    ] as const) {
      const r = await post(`/ctlog/ct/v1/${path}`, { chain: chain.map(b64) });
      assert.equal(r.status, 400, r.message);
      assert.match(r.message, reason);
      assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
    }
    const ok = await post('/ctlog/ct/v1/add-pre-chain', { chain: [precert, ...ca.chain].map(b64) });
    assert.equal(ok.status, 200, `CT still accepts a good chain: ${ok.message}`);
    await assertAlive();
  });
});
