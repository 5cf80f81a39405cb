/**
 * `sealhouse sign-bundle` end to end against OUR server (Fulcio + CT + Rekor in one process,
 * the development OIDC issuer minting the token through `sealhouse dev-token`), and the bundle
 * it writes checked by `sealhouse verify-bundle` with the server's trusted_root.json: a
 * hashedrekord message signature and an in-toto DSSE envelope, by path and by digest, for the
 * right identity only. Then the refusals: a trusted root that does not vouch for the result
 * (nothing written), unreachable services, a token that is no JWT, signing configs without a
 * service valid now. And the service choice itself (src/cli/signing-services.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingServices, SIGNING_CONFIG_V02 } from '../../src/cli/signing-services.js';
import { SealhouseError } from '../../src/errors.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { vectorPath } from '../helpers/vectors.js';

const EMAIL = 'alice@example.test';

function cleanEnv(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  for (const k of ['SEALHOUSE_TRUSTED_ROOT', 'SEALHOUSE_STAGING_TRUSTED_ROOT', 'SEALHOUSE_SIGNING_CONFIG', 'SEALHOUSE_STAGING_SIGNING_CONFIG']) delete e[k];
  return e;
}

describe('sealhouse sign-bundle against a live Sealhouse, verified by sealhouse verify-bundle', () => {
  let server: TestServer;
  let token: string;
  let issuer: string;
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-sign-bundle-'));
  const at = (name: string): string => join(work, name);
  const artifact = at('artifact.txt');
  writeFileSync(artifact, 'signed by sealhouse sign-bundle\n');
  const sign = (args: string[]): Promise<CliResult> => runCli(['sign-bundle', ...args], { env: cleanEnv(), timeoutMs: 120_000 });
  const verify = (args: string[]): Promise<CliResult> => runCli(['verify-bundle', ...args], { env: cleanEnv() });

  before(async () => {
    const port = await freePort();
    server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1', PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}` });
    issuer = `${server.url}/dev-oidc`;
    const minted = await runCli(['dev-token', '--email', EMAIL], { env: { ...process.env, ...server.env } });
    assert.equal(minted.status, 0, minted.stderr);
    token = minted.stdout.trim();
    writeFileSync(at('trusted_root.json'), await (await fetch(`${server.url}/trusted_root.json`)).text());
    writeFileSync(at('signing_config.json'), await (await fetch(`${server.url}/signing_config.json`)).text());
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs a file (hashedrekord), checks it against --trusted-root, and verify-bundle accepts it by path and digest', async () => {
    const r = await sign(['--identity-token', token, '--bundle', at('a.sigstore.json'), '--trusted-root', at('trusted_root.json'), '--signing-config', at('signing_config.json'), artifact]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^signed .*artifact\\.txt as ${EMAIL.replace('.', '\\.')} .*log index \\d+, verified against the trusted root$`, 'm'));
    const bundle = JSON.parse(readFileSync(at('a.sigstore.json'), 'utf8')) as { mediaType: string; messageSignature?: unknown; verificationMaterial: { tlogEntries: { kindVersion: { kind: string } }[] } };
    assert.ok(bundle.messageSignature);
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion.kind, 'hashedrekord');

    const byPath = await verify(['--bundle', at('a.sigstore.json'), '--certificate-identity', EMAIL, '--certificate-oidc-issuer', issuer, '--trusted-root', at('trusted_root.json'), artifact]);
    assert.equal(byPath.status, 0, byPath.stderr);
    assert.match(byPath.stdout, new RegExp(`signed by certificate for ${EMAIL.replace('.', '\\.')}`));
    const digest = createHash('sha256').update(readFileSync(artifact)).digest('hex');
    const byDigest = await verify(['--bundle', at('a.sigstore.json'), '--certificate-identity', EMAIL, '--certificate-oidc-issuer', issuer, '--trusted-root', at('trusted_root.json'), `sha256:${digest}`]);
    assert.equal(byDigest.status, 0, byDigest.stderr);
    const mallory = await verify(['--bundle', at('a.sigstore.json'), '--certificate-identity', 'mallory@example.test', '--certificate-oidc-issuer', issuer, '--trusted-root', at('trusted_root.json'), artifact]);
    assert.equal(mallory.status, 1);
    assert.match(mallory.stderr, /NOT verified: identity: /);
  });

  it('--in-toto signs a statement as DSSE; verify-bundle accepts its subject', async () => {
    const digest = createHash('sha256').update(readFileSync(artifact)).digest('hex');
    writeFileSync(at('statement.json'), JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'artifact.txt', digest: { sha256: digest } }], predicateType: 'https://example.test/p', predicate: {} }));
    const r = await sign(['--in-toto', '--identity-token', token, '--bundle', at('s.sigstore.json'), '--trusted-root', at('trusted_root.json'), '--signing-config', at('signing_config.json'), at('statement.json')]);
    assert.equal(r.status, 0, r.stderr);
    const bundle = JSON.parse(readFileSync(at('s.sigstore.json'), 'utf8')) as { dsseEnvelope?: { payloadType: string } };
    assert.equal(bundle.dsseEnvelope?.payloadType, 'application/vnd.in-toto+json');
    const v = await verify(['--bundle', at('s.sigstore.json'), '--certificate-identity', EMAIL, '--certificate-oidc-issuer', issuer, '--trusted-root', at('trusted_root.json'), artifact]);
    assert.equal(v.status, 0, v.stderr);
    const other = await verify(['--bundle', at('s.sigstore.json'), '--certificate-identity', EMAIL, '--certificate-oidc-issuer', issuer, '--trusted-root', at('trusted_root.json'), vectorPath('bundles/conformance/a.txt')]);
    assert.equal(other.status, 1, 'a file that is not a subject of the statement');
  });

  it('with a trusted root that does not vouch for this server (public-good), nothing is written and it says why', async () => {
    const r = await sign(['--identity-token', token, '--bundle', at('x.sigstore.json'), '--trusted-root', vectorPath('bundles/trusted_root.production.json'), '--signing-config', at('signing_config.json'), artifact]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^sealhouse sign-bundle: the services' bundle does NOT verify against .*trusted_root\.production\.json \(--trusted-root\); not written: /m);
    assert.equal(existsSync(at('x.sigstore.json')), false);
  });

  it('the signing config can come from SEALHOUSE_SIGNING_CONFIG; without one, or with an unknown flag, it is a usage error (exit 2); --help', async () => {
    const r = await runCli(['sign-bundle', '--identity-token', token, '--bundle', at('e.sigstore.json'), artifact], { env: { ...cleanEnv(), SEALHOUSE_SIGNING_CONFIG: at('signing_config.json') } });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /verified against/, 'no trusted root was given');
    const none = await sign(['--identity-token', token, '--bundle', at('e.sigstore.json'), artifact]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no signing config: pass --signing-config FILE or set SEALHOUSE_SIGNING_CONFIG/);
    const unknown = await sign(['--identity-token', token, '--bundle', at('e.sigstore.json'), '--signing-config', at('signing_config.json'), '--fulcio-url', 'x', artifact]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--fulcio-url'[\s\S]*usage: sealhouse sign-bundle/);
    const help = await runCli(['sign-bundle', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--identity-token TOKEN --bundle OUT/);
  });

  it('refusals are one line, exit 1: a token that is no JWT, an unreachable Fulcio, a statement that is not JSON', async () => {
    const bad = await sign(['--identity-token', 'not-a-token', '--bundle', at('b.sigstore.json'), '--signing-config', at('signing_config.json'), artifact]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^sealhouse: --identity-token is not a JWT/m);

    const port = await freePort();
    const dead = JSON.parse(readFileSync(at('signing_config.json'), 'utf8')) as { caUrls: { url: string }[] };
    for (const s of dead.caUrls) s.url = `http://127.0.0.1:${port}`;
    writeFileSync(at('dead.json'), JSON.stringify(dead));
    const unreachable = await sign(['--identity-token', token, '--bundle', at('b.sigstore.json'), '--signing-config', at('dead.json'), artifact]);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /^sealhouse sign-bundle: signing failed \[CA_CREATE_SIGNING_CERTIFICATE_ERROR\]: /m);
    assert.match(unreachable.stderr, new RegExp(`Fulcio http://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(unreachable.stderr, /\n\s+at .+:\d+:\d+/);

    const notJson = await sign(['--in-toto', '--identity-token', token, '--bundle', at('b.sigstore.json'), '--signing-config', at('signing_config.json'), artifact]);
    assert.equal(notJson.status, 1);
    assert.match(notJson.stderr, /--in-toto: .*artifact\.txt is not JSON/);
    assert.equal(existsSync(at('b.sigstore.json')), false);
  });
});

describe('signing services from a v0.2 signing config', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const svc = (url: string, start: string, extra: Record<string, unknown> = {}) => ({ url, majorApiVersion: 1, validFor: { start }, ...extra });
  const config = (over: Record<string, unknown>) => ({ mediaType: SIGNING_CONFIG_V02, caUrls: [svc('https://ca', '2025-01-01T00:00:00Z')], rekorTlogUrls: [svc('https://rekor', '2025-01-01T00:00:00Z')], rekorTlogConfig: { selector: 'ANY' }, ...over });

  it('picks, of the services valid now that the client speaks, the one that started last', () => {
    const s = signingServices(config({
      caUrls: [svc('https://old-ca', '2024-01-01T00:00:00Z'), svc('https://new-ca/', '2026-01-01T00:00:00Z'), svc('https://future-ca', '2027-01-01T00:00:00Z'), svc('https://v2-ca', '2026-02-01T00:00:00Z', { majorApiVersion: 2 }), svc('https://ended-ca', '2026-03-01T00:00:00Z', { validFor: { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' } })],
      rekorTlogUrls: [svc('https://rekor-v1', '2025-01-01T00:00:00Z'), svc('https://rekor-v2', '2026-01-01T00:00:00Z', { majorApiVersion: 2 })],
      tsaUrls: [svc('https://tsa', '2025-01-01T00:00:00Z')],
      tsaConfig: { selector: 'ANY' },
    }), now);
    assert.deepEqual(s, { ca: { url: 'https://new-ca', majorApiVersion: 1 }, tlogs: [{ url: 'https://rekor-v2', majorApiVersion: 2 }], tsas: [{ url: 'https://tsa', majorApiVersion: 1 }] });
  });

  it('ALL and EXACT select that many Rekor logs; no TSA without tsaConfig', () => {
    const two = { rekorTlogUrls: [svc('https://r1', '2025-01-01T00:00:00Z'), svc('https://r2', '2025-02-01T00:00:00Z')], tsaUrls: [svc('https://tsa', '2025-01-01T00:00:00Z')] };
    assert.deepEqual(signingServices(config({ ...two, rekorTlogConfig: { selector: 'ALL' } }), now).tlogs.map((t) => t.url), ['https://r2', 'https://r1']);
    assert.deepEqual(signingServices(config({ ...two, rekorTlogConfig: { selector: 'EXACT', count: 1 } }), now).tlogs.map((t) => t.url), ['https://r2']);
    assert.deepEqual(signingServices(config(two), now).tsas, []);
    assert.throws(() => signingServices(config({ ...two, rekorTlogConfig: { selector: 'EXACT', count: 3 } }), now), /asks for exactly 3 services, 2 are valid now/);
  });

  it('refuses what it cannot use, saying what is wrong', () => {
    const refused: [unknown, RegExp][] = [
      [[], /not a JSON object/],
      [config({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' }), /media type .* is not application\/vnd\.dev\.sigstore\.signingconfig\.v0\.2\+json/],
      [config({ caUrls: [svc('https://future-ca', '2027-01-01T00:00:00Z')] }), /no Fulcio \(caUrls\) service .* is valid at 2026-06-01/],
      [config({ rekorTlogConfig: undefined }), /no Rekor/],
      [config({ caUrls: [{ url: 'https://ca' }] }), /caUrls\[0\] has no "validFor"/],
      [config({ caUrls: [svc('https://ca', 'yesterday')] }), /caUrls\[0\]\.validFor\.start is not an RFC 3339 time/],
      [config({ rekorTlogConfig: { selector: 'SOME' } }), /selector "SOME" is not ANY, ALL or EXACT/],
    ];
    for (const [doc, message] of refused) {
      assert.throws(() => signingServices(doc, now), (err: unknown) => err instanceof SealhouseError && err.code === 'invalid_input' && message.test(err.message), JSON.stringify(doc));
    }
  });
});
