/**
 * Token verification end to end against a real loopback IdP (discovery + JWKS over HTTP):
 * a good token per issuer type, mapped to SAN, challenge and extensions (reference §2.3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../src/oidc/verifier.js';
import { githubClaims, gitlabClaims } from './oidc-fixtures.js';
import { at, ext, NOW, type OidcFixture, person, startOidcFixture } from './oidc-setup.js';

let f: OidcFixture;
before(async () => {
  f = await startOidcFixture();
});
after(() => f.idp.close());

describe('good tokens, per issuer type', () => {
  it('email: rfc822 SAN, email challenge, .1/.8/.24', async () => {
    const p = await f.verifier.verify(await f.idp.token('/email', person, { now: NOW }));
    assert.deepEqual(p.san, { type: 'email', value: 'alice@example.com' });
    assert.equal(p.challenge, 'alice@example.com');
    assert.deepEqual(p.acceptedChallenges, ['alice@example.com']);
    assert.deepEqual(ext(p), { '1r': `${f.idp.base}/email`, 8: `${f.idp.base}/email`, 24: 'user-1234' });
    assert.equal(p.issuer, `${f.idp.base}/email`);
    assert.equal(p.subject, 'user-1234');
  });

  it('email: "True" string, IssuerClaim, SkipEmailVerification, ChallengeClaim and the legacy sub challenge', async () => {
    await f.verifier.verify(await f.idp.token('/email', { ...person, email_verified: 'True' }, { now: NOW }));
    const dex = await f.verifier.verify(await f.idp.token('/dex', { ...person, federated_claims: { connector_id: 'https://github.com/login/oauth' } }, { now: NOW }));
    assert.equal(ext(dex)['8'], 'https://github.com/login/oauth');
    assert.equal(ext(dex)['1r'], 'https://github.com/login/oauth');
    await f.verifier.verify(await f.idp.token('/skip', { ...person, email_verified: undefined }, { now: NOW }));
    assert.equal((await f.verifier.verify(await f.idp.token('/challenge', person, { now: NOW }))).challenge, 'user-1234');
    const legacy = await f.legacyVerifier.verify(await f.idp.token('/email', person, { now: NOW }));
    assert.deepEqual(legacy.acceptedChallenges, ['alice@example.com', 'user-1234']);
  });

  it('username: otherName "<sub>!<domain>"', async () => {
    const p = await f.verifier.verify(await f.idp.token('/username', { sub: 'alice', iat: at(0), exp: at(300) }, { now: NOW }));
    assert.deepEqual(p.san, { type: 'otherName', value: 'alice!127.0.0.1' });
    assert.equal(p.challenge, 'alice');
  });

  it('uri and spiffe: URI SAN = sub', async () => {
    const uri = await f.verifier.verify(await f.idp.token('/uri', { sub: 'http://127.0.0.1/users/alice', exp: at(300) }, { now: NOW }));
    assert.deepEqual(uri.san, { type: 'uri', value: 'http://127.0.0.1/users/alice' });
    const spiffe = await f.verifier.verify(await f.idp.token('/spiffe', { sub: 'spiffe://example.org/ns/prod/sa/builder', exp: at(300) }, { now: NOW }));
    assert.deepEqual(spiffe.san, { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/builder' });
    assert.equal(spiffe.challenge, 'spiffe://example.org/ns/prod/sa/builder');
  });

  it('kubernetes: service-account URI SAN, sub challenge', async () => {
    const claims = { sub: 'system:serviceaccount:prod:builder', 'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'builder', uid: 'x' } }, exp: at(300) };
    const p = await f.verifier.verify(await f.idp.token('/k8s', claims, { now: NOW }));
    assert.deepEqual(p.san, { type: 'uri', value: 'https://kubernetes.io/namespaces/prod/serviceaccounts/builder' });
    assert.equal(p.challenge, 'system:serviceaccount:prod:builder');
  });

  it('github-workflow and the GitHub ci-provider template give the same certificate values', async () => {
    const gh = await f.verifier.verify(await f.idp.token('/gh', { ...githubClaims, exp: at(300) }, { now: NOW }));
    const wf = 'https://github.com/octo/repo/.github/workflows/release.yml@refs/heads/main';
    assert.deepEqual(gh.san, { type: 'uri', value: wf });
    const e = ext(gh);
    assert.equal(e['2r'], 'push');
    assert.equal(e['6r'], 'refs/heads/main');
    assert.equal(e['9'], wf);
    assert.equal(e['12'], 'https://github.com/octo/repo');
    assert.equal(e['21'], 'https://github.com/octo/repo/actions/runs/42/attempts/1');
    assert.equal(e['24'], githubClaims.sub);
    const ci = await f.verifier.verify(await f.idp.token('/ci-gh', { ...githubClaims, exp: at(300) }, { now: NOW }));
    assert.deepEqual(ci.san, gh.san);
    assert.deepEqual(
      ci.extensions.map((x) => [x.oid, x.value, x.encoding]),
      gh.extensions.map((x) => [x.oid, x.value.replace(`${f.idp.base}/gh`, `${f.idp.base}/ci-gh`), x.encoding]),
    );
  });

  it('gitlab-pipeline and the GitLab ci-provider template agree too', async () => {
    const gl = await f.verifier.verify(await f.idp.token('/gl', { ...gitlabClaims, exp: at(300) }, { now: NOW }));
    assert.deepEqual(gl.san, { type: 'uri', value: 'https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main' });
    assert.equal(ext(gl)['14'], 'refs/heads/main');
    assert.equal(ext(gl)['21'], 'https://gitlab.com/group/project/-/jobs/9001');
    const ci = await f.verifier.verify(await f.idp.token('/ci-gl', { ...gitlabClaims, exp: at(300) }, { now: NOW }));
    assert.deepEqual(ci.san, gl.san);
    const values = (p: Principal): string[][] => p.extensions.filter((x) => !['1', '8'].includes(x.oid.split('.').pop() ?? '')).map((x) => [x.oid, x.value]);
    assert.deepEqual(values(ci), values(gl));
  });

  it('meta-issuer wildcard matches one path segment and gets its own discovery', async () => {
    const claims = { sub: 'system:serviceaccount:a:b', 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 'b' } }, exp: at(300) };
    const p = await f.verifier.verify(await f.idp.token('/tenants/acme', claims, { now: NOW }));
    assert.equal(p.issuer, `${f.idp.base}/tenants/acme`);
    assert.equal(f.idp.hitsFor('/tenants/acme/.well-known/openid-configuration'), 1);
  });
});
