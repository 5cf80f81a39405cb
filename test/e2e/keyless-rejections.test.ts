/**
 * Everything the CA must refuse (reference §1.1, §2.5): bad tokens, bad proofs of possession,
 * weak keys and malformed CSRs each get a 4xx with Fulcio's {code, message, details} and a message
 * that says what is wrong — and no certificate: the CT log does not grow and the issued counter
 * does not move. Tokens come from the separate OIDC issuer process, as in keyless-sign.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOidcIssuer, type OidcIssuerProcess } from '../fixtures/oidc-issuer-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const EMAIL = 'alice@example.test';

function keyRequest(opts: { key?: KeyObject; publicPem?: string; challenge?: string } = {}): object {
  const { privateKey, publicKey } = opts.key ? { privateKey: opts.key, publicKey: undefined } : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = opts.publicPem ?? (publicKey?.export({ type: 'spki', format: 'pem' }) as string);
  return { publicKey: { algorithm: 'ECDSA', content: pem }, proofOfPossession: sign('sha256', Buffer.from(opts.challenge ?? EMAIL), privateKey).toString('base64') };
}

/** A P-224 key pair (a curve Fulcio refuses) with its PEM. */
function weakEcKey(): { key: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp224r1' });
  return { key: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function tamperPayload(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.email = 'mallory@example.test';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

function unsigned(claims: Record<string, unknown>): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

describe('the CA refuses, with a clear 4xx and no certificate', () => {
  let idp: OidcIssuerProcess;
  let server: TestServer;
  const configDir = mkdtempSync(join(tmpdir(), 'sealhouse-oidc-'));

  before(async () => {
    idp = await startOidcIssuer();
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(configDir) });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const ctSize = async (): Promise<number> => ((await (await fetch(`${server.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  async function refused(body: object, message: RegExp, headers: Record<string, string> = {}): Promise<void> {
    const [size, issued] = [await ctSize(), await metric('sealhouse_ca_certificates_issued_total')];
    const res = await fetch(`${server.url}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = (await res.json()) as { code: number; message: string; details: unknown[] };
    assert.equal(res.status, 400, json.message);
    assert.equal(json.code, 3, 'gRPC InvalidArgument');
    assert.deepEqual(json.details, []);
    assert.match(json.message, message);
    assert.equal(await ctSize(), size, 'nothing was logged to the CT log');
    assert.equal(await metric('sealhouse_ca_certificates_issued_total'), issued, 'no certificate was issued');
  }
  const withToken = (token: string, key: object = keyRequest()): object => ({ credentials: { oidcIdentityToken: token }, publicKeyRequest: key });
  const tokenError = (why: RegExp): RegExp => new RegExp(`^There was an error processing the identity token: .*${why.source}`);

  it('a well-formed request is accepted (the baseline the refusals differ from)', async () => {
    const size = await ctSize();
    const res = await fetch(`${server.url}/api/v2/signingCert`, { method: 'POST', body: JSON.stringify(withToken(await idp.mint())) });
    assert.equal(res.status, 200);
    assert.equal(await ctSize(), size + 1);
  });

  it('an expired token', async () => refused(withToken(await idp.mint({ ttl: -120 })), tokenError(/token is expired/)));
  it('a token for another audience', async () => refused(withToken(await idp.mint({ claims: { aud: 'not-sigstore' } })), tokenError(/audience/)));
  it('a token from an issuer that is not configured', async () =>
    refused(withToken(await idp.mint({ claims: { iss: 'https://unknown-idp.example.test' } })), tokenError(/unsupported issuer: https:\/\/unknown-idp\.example\.test/)));
  it('a token whose signature does not match its payload', async () => refused(withToken(tamperPayload(await idp.mint())), tokenError(/failed to verify signature/)));
  it('an unsigned token (alg "none")', async () =>
    refused(withToken(unsigned({ iss: idp.issuer, aud: 'sigstore', sub: 'x', email: EMAIL, email_verified: true, exp: Math.floor(Date.now() / 1000) + 300 })), tokenError(/alg "none"/)));
  it('a token signed with a key the JWKS does not list (unknown kid)', async () => refused(withToken(await idp.mint({ key: 'unpublished' })), tokenError(/no key in the issuer JWKS/)));
  it('a token whose email is not verified', async () => refused(withToken(await idp.mint({ claims: { email_verified: false } })), tokenError(/email_verified claim was false/)));
  it('no token at all', async () => refused({ publicKeyRequest: keyRequest() }, tokenError(/no identity token supplied/)));

  it('a proof of possession over the wrong string', async () =>
    refused(withToken(await idp.mint(), keyRequest({ challenge: 'user-0001' })), /^The signature supplied in the request could not be verified: /));
  it('a weak EC key (P-224)', async () => {
    const weak = weakEcKey();
    await refused(withToken(await idp.mint(), keyRequest({ key: weak.key, publicPem: weak.pem })), /^The public key supplied in the request is insecure: .*curve secp224r1/);
  });
  it('a weak RSA key (1024 bits)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await refused(
      withToken(await idp.mint(), { publicKey: { content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(EMAIL), privateKey).toString('base64') }),
      /^The public key supplied in the request is insecure: RSA key size 1024/,
    );
  });
  it('a public key that is not a key', async () =>
    refused(withToken(await idp.mint(), { publicKey: { content: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, proofOfPossession: 'AAAA' }), /^The public key supplied in the request could not be parsed/));
  it('a malformed CSR', async () =>
    refused({ credentials: { oidcIdentityToken: await idp.mint() }, certificateSigningRequest: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIBADAA\n-----END CERTIFICATE REQUEST-----\n').toString('base64') }, /^The certificate signing request could not be parsed/));
  it('a request with both a public key and a CSR', async () =>
    refused({ credentials: { oidcIdentityToken: await idp.mint() }, publicKeyRequest: keyRequest(), certificateSigningRequest: 'AAAA' }, /either publicKeyRequest or certificateSigningRequest/));
  it('a body that does not match the API schema', async () => refused({ credentials: { oidcIdentityToken: 42 } }, /^validation failed: .*credentials\.oidcIdentityToken must be string/));

  it('counts refused tokens by reason', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const reason of ['time', 'audience', 'issuer', 'signature', 'claims', 'malformed']) {
      assert.match(text, new RegExp(`sealhouse_ca_oidc_failures_total\\{reason="${reason}"\\} [1-9]`), reason);
    }
  });
});
