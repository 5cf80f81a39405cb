/**
 * An IdP behind TLS from a private CA (Fulcio's `CACert` issuer option): discovery and JWKS work
 * when the issuer config carries the CA certificate, and fail closed without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parseFulcioConfig } from '../../src/oidc/config.js';
import { FulcioOidcVerifier } from '../../src/oidc/verifier.js';
import { isSealhouseError } from '../../src/errors.js';
import { tempDir } from '../ca/fixtures.js';

let server: Server;
let issuer: string;
let certPem: string;
let token: string;

before(async () => {
  const dir = tempDir();
  try {
    // A self-signed server certificate for 127.0.0.1 plays the role of the enterprise CA.
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'];
    const out = ['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir.path, 'key.pem'), '-out', join(dir.path, 'cert.pem')];
    execFileSync('openssl', [...args, ...out], { stdio: 'ignore' });
    certPem = readFileSync(join(dir.path, 'cert.pem'), 'utf8');
    const keyPem = readFileSync(join(dir.path, 'key.pem'), 'utf8');
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    server = createServer({ key: keyPem, cert: certPem }, (req, res) => {
      const body = req.url?.endsWith('/jwks') ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const now = Math.floor(Date.now() / 1000);
    token = await new SignJWT({ iss: issuer, aud: 'sigstore', sub: 'u1', email: 'u1@example.com', email_verified: true, exp: now + 300 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
  } finally {
    dir.cleanup();
  }
});

after(() => server.close());

const verifierWith = async (caCert?: string): Promise<FulcioOidcVerifier> =>
  new FulcioOidcVerifier({ config: await parseFulcioConfig(JSON.stringify({ OIDCIssuers: { [issuer]: { IssuerURL: issuer, Type: 'email', ...(caCert ? { CACert: caCert } : {}) } } })) });

describe('issuer with a private TLS CA', () => {
  it('verifies when CACert is configured', async () => {
    const p = await (await verifierWith(certPem)).verify(token);
    assert.deepEqual(p.san, { type: 'email', value: 'u1@example.com' });
  });

  it('fails closed without it', async () => {
    await assert.rejects((await verifierWith()).verify(token), (err: unknown) => isSealhouseError(err, 'unauthenticated') && /OIDC discovery .* failed/.test(err.message));
  });
});
