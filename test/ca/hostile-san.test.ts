/**
 * Identity claims that must never reach a certificate's SAN (issue 8), sent through POST
 * /api/v2/signingCert on a running server with a loopback IdP: a uri-type subject or a
 * Kubernetes namespace / service account holding a newline, a space, `\@host` or `#` is refused
 * with Fulcio's 400 for a bad identity token, quickly, nothing is issued (the CT log does not
 * grow), and the server goes on issuing for good claims. Unit checks of san-values.ts follow.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDnsLabel, isDnsSubdomain, sanUriProblem } from '../../src/oidc/san-values.js';
import { certificatesFromPem } from '../../src/core/pem.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestIdp } from '../oidc/loopback-idp.js';

const BAD_PARTS = ['a\nb', 'a b', 'x\\@evil.example', 'a#b'];

describe('hostile SAN claims through POST /api/v2/signingCert', () => {
  let idp: TestIdp;
  let server: TestServer;
  let uriIssuer: string;
  let k8sIssuer: string;
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-san-'));

  before(async () => {
    idp = await TestIdp.start();
    uriIssuer = await idp.issuer('/uri');
    k8sIssuer = await idp.issuer('/k8s');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      OIDCIssuers: {
        [uriIssuer]: { IssuerURL: uriIssuer, ClientID: 'sigstore', Type: 'uri', SubjectDomain: 'http://127.0.0.1' },
        [k8sIssuer]: { IssuerURL: k8sIssuer, ClientID: 'sigstore', Type: 'kubernetes' },
      },
    }));
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: config });
  });
  after(async () => {
    await server?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctSize = async (): Promise<number> => ((await (await fetch(`${server.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size;

  async function request(token: string, sub: string): Promise<{ status: number; body: { message?: string; signedCertificateEmbeddedSct?: { chain: { certificates: string[] } } }; ms: number }> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = {
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, proofOfPossession: sign('sha256', Buffer.from(sub), privateKey).toString('base64') },
    };
    const start = performance.now();
    const res = await fetch(`${server.url}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as never, ms: performance.now() - start };
  }

  async function refused(token: string, sub: string, message: RegExp): Promise<void> {
    const before = await ctSize();
    const r = await request(token, sub);
    assert.equal(r.status, 400, r.body.message);
    assert.match(r.body.message ?? '', /identity token/);
    assert.match(r.body.message ?? '', message);
    assert.ok(r.ms < 3000, `answered in ${r.ms.toFixed(0)} ms`);
    assert.equal(await ctSize(), before);
  }

  const k8sToken = (namespace: string, name: string): Promise<string> =>
    idp.token('/k8s', { sub: `system:serviceaccount:${namespace}:${name}`, 'kubernetes.io': { namespace, serviceaccount: { name, uid: 'u' } } });

  for (const bad of BAD_PARTS) {
    it(`refuses a uri subject with ${JSON.stringify(bad)}`, async () => {
      const sub = `http://127.0.0.1/${bad}`;
      await refused(await idp.token('/uri', { sub }), sub, /cannot be a certificate URI SAN/);
    });
    it(`refuses a kubernetes namespace and a service account with ${JSON.stringify(bad)}`, async () => {
      await refused(await k8sToken(bad, 'builder'), 'x', /namespace .* is not a DNS label/);
      await refused(await k8sToken('prod', bad), 'x', /serviceaccount\.name .* is not a DNS subdomain/);
    });
  }

  it('refuses the \\@host spoof whose WHATWG host would pass the SubjectDomain check', async () => {
    const sub = 'http://127.0.0.1\\@evil.example/x';
    await refused(await idp.token('/uri', { sub }), sub, /backslash/);
  });

  it('still issues for good uri and kubernetes identities, with the SAN Go can parse', async () => {
    const sub = 'http://127.0.0.1/workloads/builder';
    const before = await ctSize();
    const r = await request(await idp.token('/uri', { sub }), sub);
    assert.equal(r.status, 200, r.body.message);
    assert.equal(await ctSize(), before + 1, 'an issued certificate is in the CT log (so the refusals above really stored nothing)');
    const leaf = new X509Certificate(certificatesFromPem(r.body.signedCertificateEmbeddedSct?.chain.certificates[0] ?? '')[0] as Buffer);
    assert.equal(leaf.subjectAltName, `URI:${sub}`);
    const k = await request(await k8sToken('prod', 'builder.v2'), 'system:serviceaccount:prod:builder.v2');
    assert.equal(k.status, 200, k.body.message);
  });
});

describe('san-values', () => {
  it('accepts RFC 3986 URIs that identities use', () => {
    for (const ok of [
      'https://github.com/octo/repo/.github/workflows/release.yml@refs/heads/main',
      'https://gitlab.com/group/project//.gitlab-ci.yml@refs/tags/v1.0',
      'spiffe://example.org/ns/prod/sa/builder',
      'https://kubernetes.io/namespaces/prod/serviceaccounts/builder',
      'https://issuer.example:8443/tenants/a%20b?x=1',
      'https://[2001:db8::1]/x',
    ]) assert.equal(sanUriProblem(ok), undefined, ok);
  });
  it('refuses control characters, spaces, backslashes, fragments, userinfo, non-ASCII and bad hosts', () => {
    const cases: [string, RegExp][] = [
      ['https://a.example/x\ny', /control/],
      ['https://a.example/x\ty', /control/],
      ['https://a.example/x\x7f', /control/],
      ['https://a.example/x y', /space/],
      ['https://a.example\\@b.example/', /backslash/],
      ['https://a.example/x#y', /fragment/],
      ['https://a.example@b.example/', /userinfo/],
      ['https://ä.example/', /non-ASCII/],
      ['https://a..example/', /empty label/],
      ['https://a.example./', /empty label/],
      ['https://a.example:80x/', /port/],
      ['https:///x', /no host/],
      ['no-scheme/x', /absolute URI/],
      ['https://a.example/x"y', /path/],
      ['https://a.example/x?y<z', /query/],
    ];
    for (const [bad, why] of cases) assert.match(sanUriProblem(bad) ?? 'accepted', why, JSON.stringify(bad));
  });
  it('DNS labels and subdomains as Kubernetes names', () => {
    assert.ok(isDnsLabel('prod-1') && isDnsLabel('a') && isDnsLabel('x'.repeat(63)));
    for (const bad of ['', 'Prod', '-a', 'a-', 'a.b', 'a_b', 'x'.repeat(64), 'a b', 'a\n']) assert.ok(!isDnsLabel(bad), JSON.stringify(bad));
    assert.ok(isDnsSubdomain('builder.v2') && !isDnsSubdomain('a..b') && !isDnsSubdomain('a#b'));
  });
});
