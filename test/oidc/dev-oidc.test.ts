/**
 * The development OIDC issuer: one key in the data directory (0600) shared by every process that
 * loads it, discovery and JWKS as go-oidc / our verifier read them, tokens our verifier accepts as
 * a verified e-mail identity, and input checks on `dev-token`'s options.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEV_OIDC_KEY_FILE, DevOidcIssuer } from '../../src/oidc/dev-oidc.js';
import { parseFulcioConfig } from '../../src/oidc/config.js';
import { withIssuer } from '../../src/oidc/configuration.js';
import { FulcioOidcVerifier } from '../../src/oidc/verifier.js';
import { isSealhouseError } from '../../src/errors.js';

describe('development OIDC issuer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-dev-oidc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const url = new URL('https://sealhouse.example.test/');

  it('keeps its key in the data directory (0600) and every load agrees on it', async () => {
    const a = await DevOidcIssuer.load(dir, url);
    const b = await DevOidcIssuer.load(dir, url);
    assert.equal(statSync(join(dir, DEV_OIDC_KEY_FILE)).mode & 0o777, 0o600);
    assert.deepEqual(a.jwks(), b.jwks());
    assert.match(readFileSync(join(dir, DEV_OIDC_KEY_FILE), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(a.issuerUrl, 'https://sealhouse.example.test/dev-oidc');
  });

  it('publishes a discovery document and a public-only JWKS', async () => {
    const issuer = await DevOidcIssuer.load(dir, url);
    const doc = issuer.discovery();
    assert.equal(doc.issuer, issuer.issuerUrl);
    assert.equal(doc.jwks_uri, `${issuer.issuerUrl}/jwks`);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
    const [key] = issuer.jwks().keys;
    assert.deepEqual(Object.keys(key ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('mints tokens the CA verifier accepts as a verified e-mail identity (in-process discovery)', async () => {
    const issuer = await DevOidcIssuer.load(dir, url);
    const token = await issuer.mint({ email: 'dana@example.test', ttlSeconds: 120 });
    const claims = decodeJwt(token);
    assert.deepEqual([claims.iss, claims.sub, claims.aud, claims.email, claims.email_verified], [issuer.issuerUrl, 'dana@example.test', 'sigstore', 'dana@example.test', true]);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 120);
    assert.equal(decodeProtectedHeader(token).kid, issuer.jwks().keys[0]?.kid);

    const config = withIssuer(await parseFulcioConfig('{}'), issuer.issuerConfig());
    const unreachable = async (): Promise<never> => {
      throw new Error('no network in this test');
    };
    const verifier = new FulcioOidcVerifier({ config, get: issuer.localGet(unreachable) });
    const principal = await verifier.verify(token);
    assert.deepEqual(principal.san, { type: 'email', value: 'dana@example.test' });
    assert.equal(principal.challenge, 'dana@example.test');
  });

  it('refuses a malformed address or lifetime, and shadowing a configured issuer', async () => {
    const issuer = await DevOidcIssuer.load(dir, url);
    const invalid = (re: RegExp) => (err: unknown) => isSealhouseError(err, 'invalid_input') && re.test(err.message);
    await assert.rejects(issuer.mint({ email: 'nobody' }), invalid(/--email must be an e-mail address/));
    await assert.rejects(issuer.mint({ email: 'a@example.test', ttlSeconds: 0 }), invalid(/--ttl/));
    await assert.rejects(issuer.mint({ email: 'a@example.test', ttlSeconds: 1.5 }), invalid(/--ttl/));
    const config = await parseFulcioConfig(JSON.stringify({ OIDCIssuers: { [issuer.issuerUrl]: { IssuerURL: issuer.issuerUrl, Type: 'email' } } }));
    assert.throws(() => withIssuer(config, issuer.issuerConfig()), /already defines/);
  });
});
