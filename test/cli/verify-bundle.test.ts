/**
 * `sealhouse verify-bundle` as an auditor and the sigstore-conformance suite run it: real
 * production bundles (sigstore-python, sigstore-java, the conformance suite's own) verify with
 * their artifact, by path and by sha256: digest, by identity or by key; a wrong identity, a
 * wrong artifact or a wrong key is exit 1 naming the failed step; usage mistakes are exit 2 and
 * unreadable or malformed inputs one line and exit 1, never a stack trace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { vectorPath } from '../helpers/vectors.js';

const v = (rel: string): string => vectorPath(`bundles/${rel}`);
const PRODUCTION = v('trusted_root.production.json');
const ACTIONS = 'https://token.actions.githubusercontent.com';
const GOOGLE = 'https://accounts.google.com';
const WHEEL_IDENTITY = 'https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2';
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';

// No trusted root from the environment unless a test sets one.
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.SEALHOUSE_TRUSTED_ROOT;
  delete e.SEALHOUSE_STAGING_TRUSTED_ROOT;
  return { ...e, ...extra };
};
const cli = (args: string[], extra?: Record<string, string>): Promise<CliResult> => runCli(['verify-bundle', ...args], { env: env(extra) });

/** A user mistake: one line of explanation, no stack trace. */
function assertClean(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?/, `stack trace in stderr:\n${r.stderr}`);
}

describe('sealhouse verify-bundle: production bundles', () => {
  it('a sigstore-python GitHub Actions release bundle (v0.3, production) verifies by path, and says what it proved', async () => {
    const r = await cli(['--bundle', v('python/bundle_v3_github.whl.sigstore'), '--certificate-identity', WHEEL_IDENTITY, '--certificate-oidc-issuer', ACTIONS, '--trusted-root', PRODUCTION, v('python/bundle_v3_github.whl')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^OK: .*bundle_v3_github\\.whl was signed by certificate for ${WHEEL_IDENTITY.replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&')} \\(issuer ${ACTIONS.replace(/\./g, '\\.')}\\)`, 'm'));
    assert.match(r.stdout, /time: \d{4}-\d\d-\d\dT.* \(set, /);
    assert.match(r.stdout, /trusted root: .*trusted_root\.production\.json \(from --trusted-root\)/);
  });

  it('the same bundle by sha256: digest, with the trusted root from SEALHOUSE_TRUSTED_ROOT; and by regexp', async () => {
    const digest = createHash('sha256').update(readFileSync(v('python/bundle_v3_github.whl'))).digest('hex');
    const r = await cli(['--bundle', v('python/bundle_v3_github.whl.sigstore'), '--certificate-identity-regexp', '^https://github\\.com/trailofbits/', '--certificate-oidc-issuer-regexp', '^https://token\\.actions\\.', `sha256:${digest}`], { SEALHOUSE_TRUSTED_ROOT: PRODUCTION });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`OK: digest sha256:${digest}`));
    assert.match(r.stdout, /from SEALHOUSE_TRUSTED_ROOT/);
  });

  it('--staging takes the default trusted root from SEALHOUSE_STAGING_TRUSTED_ROOT (a sigstore-python staging bundle)', async () => {
    const args = ['--bundle', v('python/bundle_v3.txt.sigstore'), '--certificate-identity', 'william@yossarian.net', '--certificate-oidc-issuer', 'https://github.com/login/oauth', v('python/bundle_v3.txt')];
    const roots = { SEALHOUSE_TRUSTED_ROOT: PRODUCTION, SEALHOUSE_STAGING_TRUSTED_ROOT: v('trusted_root.staging.json') };
    const staging = await cli(['--staging', ...args], roots);
    assert.equal(staging.status, 0, staging.stderr);
    assert.match(staging.stdout, /trusted root: .*trusted_root\.staging\.json \(from SEALHOUSE_STAGING_TRUSTED_ROOT\)/);
    const production = await cli(args, roots);
    assert.equal(production.status, 1, 'a staging bundle against the production root');
    assert.match(production.stderr, /from SEALHOUSE_TRUSTED_ROOT/);
  });

  it('a sigstore-java ECDSA P-384 bundle verifies', async () => {
    const r = await cli(['--bundle', v('java/PKIX_ECDSA_P384_SHA_384.sigstore.json'), '--certificate-identity', 'untrusted-sa@sigstore-conformance.iam.gserviceaccount.com', '--certificate-oidc-issuer', GOOGLE, '--trusted-root', PRODUCTION, v('java/artifact.txt')]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('a key-signed bundle verifies with --key (conformance managed-key-and-trusted-root), and not with another key', async () => {
    const dir = v('conformance/managed-key-and-trusted-root');
    const ok = await cli(['--bundle', join(dir, 'bundle.sigstore.json'), '--key', join(dir, 'key.pub'), '--trusted-root', join(dir, 'trusted_root.json'), v('conformance/a.txt')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /signed by the given public key/);
    const wrong = await cli(['--bundle', join(dir, 'bundle.sigstore.json'), '--key', v('conformance/managed-key-wrong-key_fail/key.pub'), '--trusted-root', join(dir, 'trusted_root.json'), v('conformance/a.txt')]);
    assert.equal(wrong.status, 1, wrong.stdout);
    assert.match(wrong.stderr, /NOT verified: (public-key|signature|body-mismatch): /);
  });
});

describe('sealhouse verify-bundle: what does not verify is exit 1 with the failed step', () => {
  const base = ['--bundle', v('python/bundle_v3_github.whl.sigstore'), '--trusted-root', PRODUCTION];
  it('another identity', async () => {
    const r = await cli([...base, '--certificate-identity', 'https://github.com/mallory/evil/.github/workflows/x.yml@refs/heads/main', '--certificate-oidc-issuer', ACTIONS, v('python/bundle_v3_github.whl')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^sealhouse verify-bundle: NOT verified: identity: /m);
    assert.equal(r.stdout, '');
    assertClean(r);
  });
  it('another issuer', async () => {
    const r = await cli([...base, '--certificate-identity', WHEEL_IDENTITY, '--certificate-oidc-issuer', GOOGLE, v('python/bundle_v3_github.whl')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /NOT verified: issuer: /);
  });
  it('another artifact (a file, then a digest)', async () => {
    const file = await cli([...base, '--certificate-identity', WHEEL_IDENTITY, '--certificate-oidc-issuer', ACTIONS, v('conformance/a.txt')]);
    assert.equal(file.status, 1);
    assert.match(file.stderr, /NOT verified: (artifact-mismatch|signature): /);
    const digest = await cli([...base, '--certificate-identity', WHEEL_IDENTITY, '--certificate-oidc-issuer', ACTIONS, `sha256:${'ab'.repeat(32)}`]);
    assert.equal(digest.status, 1);
    assert.match(digest.stderr, /NOT verified: (artifact-mismatch|signature): /);
  });
  it('the right bundle against a trusted root that does not vouch for it (staging)', async () => {
    const r = await cli([...base.slice(0, 2), '--trusted-root', v('trusted_root.staging.json'), '--certificate-identity', WHEEL_IDENTITY, '--certificate-oidc-issuer', ACTIONS, v('python/bundle_v3_github.whl')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /NOT verified: (certificate-chain|tlog-key|sct): /);
  });
});

describe('sealhouse verify-bundle: usage and input mistakes', () => {
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-verify-bundle-'));
  const broken = join(work, 'broken.json');
  writeFileSync(broken, '{"mediaType": ');
  const identity = ['--certificate-identity', BEACON, '--certificate-oidc-issuer', ACTIONS];

  it('--help prints the protocol and exits 0', async () => {
    const r = await runCli(['verify-bundle', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--certificate-identity ID/);
    assert.match(r.stdout, /SEALHOUSE_TRUSTED_ROOT/);
  });
  it('exit 2 with the usage: unknown flag, missing artifact, --key with an identity, no trusted root, bad regexp', async () => {
    const cases: [string[], RegExp][] = [
      [['--bundle', broken, ...identity, '--trusted-root', PRODUCTION, '--frobnicate', 'x'], /Unknown option '--frobnicate'/],
      [['--bundle', broken, ...identity, '--trusted-root', PRODUCTION], /needs the artifact/],
      [['--bundle', broken, ...identity, '--key', broken, '--trusted-root', PRODUCTION, 'a'], /--key and --certificate-\* are alternatives/],
      [['--bundle', broken, ...identity, 'a'], /no trusted root: pass --trusted-root FILE or set SEALHOUSE_TRUSTED_ROOT/],
      [['--bundle', broken, '--certificate-identity-regexp', '(', '--certificate-oidc-issuer', ACTIONS, '--trusted-root', PRODUCTION, 'a'], /not a regular expression/],
      [['--bundle', broken, '--certificate-oidc-issuer', ACTIONS, '--trusted-root', PRODUCTION, 'a'], /needs --certificate-identity/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: sealhouse verify-bundle/);
    }
  });
  it('exit 1 with one line: missing bundle, malformed bundle JSON, missing artifact, a trusted root that is not JSON', async () => {
    const cases: [string[], RegExp][] = [
      [['--bundle', join(work, 'nope.json'), ...identity, '--trusted-root', PRODUCTION, v('conformance/a.txt')], /^sealhouse: cannot read bundle .*nope\.json: no such file$/m],
      [['--bundle', broken, ...identity, '--trusted-root', PRODUCTION, v('conformance/a.txt')], /^sealhouse: bundle .*broken\.json is not valid JSON/m],
      [['--bundle', v('python/bundle_v3_github.whl.sigstore'), ...identity, '--trusted-root', PRODUCTION, join(work, 'missing.bin')], /^sealhouse: cannot read artifact .*missing\.bin: no such file$/m],
      [['--bundle', v('python/bundle_v3_github.whl.sigstore'), ...identity, '--trusted-root', broken, v('conformance/a.txt')], /^sealhouse: trusted root .*broken\.json is not valid JSON/m],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assertClean(r);
    }
  });
  it('a JSON value that is no bundle is "NOT verified: bundle-format", exit 1', async () => {
    writeFileSync(join(work, 'array.json'), '[1, 2]');
    const r = await cli(['--bundle', join(work, 'array.json'), ...identity, '--trusted-root', PRODUCTION, v('conformance/a.txt')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /NOT verified: bundle-format: /);
    assertClean(r);
    rmSync(work, { recursive: true, force: true });
  });
});
