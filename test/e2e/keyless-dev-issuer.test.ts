/**
 * The README's "Keyless signing in five commands", run as written: a server with the development
 * OIDC issuer, `sealhouse dev-token`, scripts/sign-keyless.js (sigstore-js) and
 * scripts/verify-bundle.js (@sigstore/verify against our trusted_root.json) — each a real child
 * process. And the dev issuer stays off unless SEALHOUSE_DEV_OIDC=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

/** Run `node <script> args` from the repository root with `env` added; never throws, returns the outcome. */
async function node(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('keyless signing in five commands (development OIDC issuer)', () => {
  let server: TestServer;
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-quickstart-'));
  const file = join(work, 'artifact.txt');
  writeFileSync(file, 'hello from the quick start\n');

  before(async () => {
    const port = await freePort();
    server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1', PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}` });
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the issuer discovery document and JWKS, and lists the issuer in the configuration', async () => {
    const issuer = `${server.url}/dev-oidc`;
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(discovery.issuer, issuer);
    assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['ES256']);
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: { kty: string; crv: string; d?: string }[] };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]?.crv, 'P-256');
    assert.equal(jwks.keys[0]?.d, undefined, 'no private part');
    const config = (await (await fetch(`${server.url}/api/v2/configuration`)).json()) as { issuers: unknown[] };
    assert.deepEqual(config.issuers, [{ issuerUrl: issuer, audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' }]);
    assert.equal(statSync(join(server.dataDir, 'dev-oidc-key.pem')).mode & 0o777, 0o600);
  });

  it('the quick-start scripts answer --help, and refuse an unknown flag with their usage (exit 2), never a stack trace', async () => {
    for (const script of ['scripts/sign-keyless.js', 'scripts/verify-bundle.js']) {
      const help = await node(script, ['--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^usage: node scripts\//);
      const bad = await node(script, ['--bogus']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Unknown option '--bogus'[\s\S]*usage: /);
      assert.doesNotMatch(bad.stderr, /at .*\(node:internal/);
    }
  });

  it('dev-token → sign-keyless.js → verify-bundle.js', async () => {
    const minted = await node('bin/sealhouse.js', ['dev-token', '--email', 'bob@example.test'], server.env);
    assert.equal(minted.code, 0, minted.stderr);
    const token = minted.stdout.trim();
    const claims = decodeJwt(token);
    assert.equal(claims.iss, `${server.url}/dev-oidc`);
    assert.equal(claims.email, 'bob@example.test');

    const signed = await node('scripts/sign-keyless.js', [file, '--url', server.url, '--token', token]);
    assert.equal(signed.code, 0, signed.stderr);
    const bundleFile = join(work, 'bundle.json');
    writeFileSync(bundleFile, signed.stdout);

    const args = ['--bundle', bundleFile, '--trusted-root', `${server.url}/trusted_root.json`, '--issuer', `${server.url}/dev-oidc`];
    const ok = await node('scripts/verify-bundle.js', [...args, '--identity', 'bob@example.test', file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Verified OK: signed by bob@example\.test/);

    const wrongIdentity = await node('scripts/verify-bundle.js', [...args, '--identity', 'bob@example.testx', file]);
    assert.equal(wrongIdentity.code, 1);
    assert.match(wrongIdentity.stderr, /FAILED: .*identity/);
    writeFileSync(join(work, 'other.txt'), 'not what was signed');
    const wrongFile = await node('scripts/verify-bundle.js', [...args, '--identity', 'bob@example.test', join(work, 'other.txt')]);
    assert.equal(wrongFile.code, 1);
  });

  it('dev-token refuses a malformed address', async () => {
    const r = await node('bin/sealhouse.js', ['dev-token', '--email', 'not-an-address'], server.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--email must be an e-mail address/);
  });

  it('without SEALHOUSE_DEV_OIDC the issuer is not served and its tokens are refused', async () => {
    const other = await startTestServer();
    try {
      assert.equal((await fetch(`${other.url}/dev-oidc/.well-known/openid-configuration`)).status, 404);
      const minted = await node('bin/sealhouse.js', ['dev-token', '--email', 'bob@example.test'], other.env);
      assert.match(minted.stderr, /only when it runs with SEALHOUSE_DEV_OIDC=1/);
      const res = await fetch(`${other.url}/api/v2/signingCert`, { method: 'POST', body: JSON.stringify({ credentials: { oidcIdentityToken: minted.stdout.trim() } }) });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { message: string }).message, /unsupported issuer/);
    } finally {
      await other.close();
    }
  });
});
