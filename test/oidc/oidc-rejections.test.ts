/**
 * Every token rejection rule of reference §2.5 (signature, alg, issuer, aud, exp/nbf, discovery)
 * and §2.3 (per-type claims), against a real loopback IdP. Each is an 'unauthenticated' error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unsignedToken } from './loopback-idp.js';
import { githubClaims, gitlabClaims } from './oidc-fixtures.js';
import { at, NOW, type OidcFixture, person, startOidcFixture } from './oidc-setup.js';

let f: OidcFixture;
before(async () => {
  f = await startOidcFixture();
});
after(() => f.idp.close());

describe('rejections', () => {
  it('expired: exp in the past by one second, with no leeway (exp == now still passes)', async () => {
    await f.rejected(f.idp.token('/email', { ...person, exp: at(-1) }, { now: NOW }), /expired/, 'time');
    await f.verifier.verify(await f.idp.token('/email', { ...person, exp: at(0) }, { now: NOW }));
    await f.rejected(f.idp.token('/email', { ...person, exp: undefined }, { now: NOW }), /exp/, 'time');
  });

  it('nbf: up to 60 s ahead is tolerated, 61 s is not', async () => {
    await f.verifier.verify(await f.idp.token('/email', { ...person, nbf: at(60) }, { now: NOW }));
    await f.rejected(f.idp.token('/email', { ...person, nbf: at(61) }, { now: NOW }), /not valid yet/, 'time');
  });

  it('audience must contain the client id', async () => {
    await f.rejected(f.idp.token('/email', { ...person, aud: 'other' }, { now: NOW }), /audience/, 'audience');
    await f.verifier.verify(await f.idp.token('/email', { ...person, aud: ['other', 'sigstore'] }, { now: NOW }));
  });

  it('unknown issuers and meta-issuer non-matches (a "." or "/" never matches "*")', async () => {
    const forged = async (iss: string): Promise<string> => f.idp.token('/email', { ...person, iss }, { now: NOW });
    await f.rejected(forged('https://unknown.example'), /unsupported issuer: https:\/\/unknown\.example/, 'issuer');
    await f.rejected(forged(`${f.idp.base}/tenants/acme.evil`), /unsupported issuer/);
    await f.rejected(forged(`${f.idp.base}/tenants/acme/evil`), /unsupported issuer/);
    await f.rejected(forged(`${f.idp.base}/tenants/`), /unsupported issuer/);
    await f.rejected(forged(`http://evil.example/?${f.idp.base}/tenants/acme`), /unsupported issuer/);
  });

  it('a token whose payload was altered fails its signature', async () => {
    const [h, , s] = (await f.idp.token('/email', person, { now: NOW })).split('.');
    const payload = Buffer.from(JSON.stringify({ ...person, iss: `${f.idp.base}/email`, aud: 'sigstore', email: 'mallory@example.com' })).toString('base64url');
    await f.rejected(`${h ?? ''}.${payload}.${s ?? ''}`, /signature/, 'signature');
  });

  it('alg "none", malformed and oversized tokens', async () => {
    await f.rejected(unsignedToken({ ...person, iss: `${f.idp.base}/email`, aud: 'sigstore' }), /alg "none"/, 'signature');
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    await f.rejected(`${b64({ alg: 7 })}.${b64({ ...person, iss: `${f.idp.base}/email` })}.AAAA`, /no alg/);
    await f.rejected('not-a-jwt', /malformed/, 'malformed');
    await f.rejected('a.b.c', /malformed/);
    await f.rejected('', /no identity token/, 'malformed');
    await f.rejected('x'.repeat(70_000), /too large/, 'malformed');
  });

  it('alg must be advertised by discovery (RS256 only when the list is absent)', async () => {
    const rsa = f.idp.state('/es-only').keys.find((k) => k.alg === 'RS256');
    await f.rejected(f.idp.token('/es-only', person, { now: NOW, key: rsa }), /RS256 is not among.*ES256/, 'signature');
    await f.rejected(f.idp.token('/no-algs', person, { now: NOW }), /ES256 is not among.*RS256/);
    const rsaOnly = f.idp.state('/no-algs').keys.find((k) => k.alg === 'RS256');
    await f.verifier.verify(await f.idp.token('/no-algs', person, { now: NOW, key: rsaOnly }));
  });

  it('unknown kid: the JWKS is refetched once, then the token fails; a rotated-in key is picked up', async () => {
    await f.verifier.verify(await f.idp.token('/skip', person, { now: NOW }));
    const before = f.idp.hitsFor('/skip/jwks');
    const stranger = await f.idp.addKey('/skip', 'ES256', 'never-published', false);
    await f.rejected(f.idp.token('/skip', person, { now: NOW, key: stranger }), /no key in the issuer JWKS/, 'signature');
    assert.equal(f.idp.hitsFor('/skip/jwks'), before + 1, 'one refetch for the unknown kid');
    const rotated = await f.idp.addKey('/skip', 'ES256', 'rotated-in');
    await f.verifier.verify(await f.idp.token('/skip', person, { now: NOW, key: rotated }));
  });

  it('discovery: issuer mismatch and cross-origin redirects are refused', async () => {
    await f.rejected(f.idp.token('/wrong-iss', person, { now: NOW }), /issuer did not match/, 'issuer');
    await f.rejected(f.idp.token('/redirect', person, { now: NOW }), /refusing redirect/);
  });

  it('email issuers: unverified, missing or invalid email', async () => {
    await f.rejected(f.idp.token('/email', { ...person, email_verified: false }, { now: NOW }), /email_verified claim was false/, 'claims');
    await f.rejected(f.idp.token('/email', { ...person, email_verified: undefined }, { now: NOW }), /email_verified claim was false/);
    await f.rejected(f.idp.token('/email', { ...person, email_verified: 'yes' }, { now: NOW }), /invalid value/);
    await f.rejected(f.idp.token('/email', { ...person, email: undefined }, { now: NOW }), /missing email/);
    await f.rejected(f.idp.token('/email', { ...person, email: 'not an email' }, { now: NOW }), /not valid/);
    await f.rejected(f.idp.token('/dex', person, { now: NOW }), /federated_claims.connector_id not found/);
  });

  it('type rules: username, uri, spiffe, kubernetes', async () => {
    await f.rejected(f.idp.token('/username', { sub: 'a!b', exp: at(300) }, { now: NOW }), /cannot contain !/);
    await f.rejected(f.idp.token('/username', { sub: 'a@b.example', exp: at(300) }, { now: NOW }), /email/);
    await f.rejected(f.idp.token('/uri', { sub: 'https://127.0.0.1/x', exp: at(300) }, { now: NOW }), /scheme/);
    await f.rejected(f.idp.token('/uri', { sub: 'http://other.example/x', exp: at(300) }, { now: NOW }), /hostname/);
    await f.rejected(f.idp.token('/spiffe', { sub: 'spiffe://other.org/x', exp: at(300) }, { now: NOW }), /trust domain/, 'claims');
    await f.rejected(f.idp.token('/spiffe', { sub: 'spiffe://example.org/../x', exp: at(300) }, { now: NOW }), /invalid spiffe ID/);
    await f.rejected(f.idp.token('/k8s', { sub: 'x', exp: at(300) }, { now: NOW }), /kubernetes\.io/);
  });

  it('missing CI claims', async () => {
    await f.rejected(f.idp.token('/gh', { ...githubClaims, run_attempt: undefined, exp: at(300) }, { now: NOW }), /missing run_attempt claim/, 'claims');
    await f.rejected(f.idp.token('/gl', { ...gitlabClaims, runner_id: undefined, exp: at(300) }, { now: NOW }), /missing runner_id claim/);
    await f.rejected(f.idp.token('/gl', { ...gitlabClaims, ref_type: 'merge', exp: at(300) }, { now: NOW }), /unexpected ref_type/);
    await f.rejected(f.idp.token('/ci-gh', { ...githubClaims, job_workflow_ref: undefined, exp: at(300) }, { now: NOW }), /no entry for key "job_workflow_ref"/, 'claims');
    await f.rejected(f.idp.token('/ci-gh', { ...githubClaims, workflow_sha: undefined, exp: at(300) }, { now: NOW }), /value <workflow_sha> not present/);
  });
});
