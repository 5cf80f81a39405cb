/**
 * The sigstore-conformance client suite (github.com/sigstore/sigstore-conformance, installed by
 * scripts/install-conformance.sh) with `sealhouse` as the client under test: every offline
 * verification case of test_verify (each bundle directory under test/assets/bundle-verify, once
 * with the artifact's path and once with its sha256: digest) runs `sealhouse verify-bundle`
 * through a shim, exactly as the suite drives sigstore-python or cosign.
 *
 * Deselected, with the suite's own switch `--skip-signing`: the signing tests (test_simple,
 * test_sign_*), which sign against Sigstore's staging/production Fulcio and Rekor with a real
 * OIDC token downloaded from Google storage — network and a third-party identity, not something
 * an offline test may depend on (sign-bundle is tested end to end against our own server in
 * sign-bundle.test.ts). test_verify_cpython_release_bundles skips itself without GITHUB_WORKSPACE.
 *
 * Offline: the suite's `client` fixture downloads that testing token even for verify tests
 * (only to read its identity claims, which test_verify never uses). A small pytest plugin
 * answers that one download with a locally made unsigned token and refuses any other network
 * request, so a run never touches the network.
 *
 * Without --trusted-root the suite means "the Sigstore public-good production instance": the
 * shim names it with SEALHOUSE_TRUSTED_ROOT (test/vectors/bundles/trusted_root.production.json).
 *
 * The test fails if any case outside KNOWN_FAILURES fails; it prints the pass/fail/skip counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../helpers/cli.js';
import { vectorPath } from '../helpers/vectors.js';

const SUITE_DIR = process.env.SEALHOUSE_CONFORMANCE_DIR ?? join(homedir(), '.cache', 'sealhouse', 'conformance');
const PYTHON = join(SUITE_DIR, 'venv', 'bin', 'python');
const SUITE = join(SUITE_DIR, 'src');

/**
 * Cases that fail today, each with why; everything else must pass. A case that starts passing
 * is reported so it can be taken off the list.
 */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

const PLUGIN = `"""Keeps a sigstore-conformance verify run offline (loaded with -p before the suite's conftest)."""
import base64, json, time
import urllib3

TOKEN_URL = "https://storage.googleapis.com/sigstore-conformance-testing-token/untrusted-testing-token.txt"

def _b64(claims):
    return base64.b64encode(json.dumps(claims).encode()).decode().rstrip("=")

class _Response:
    def __init__(self, data):
        self.data = data

def request(method, url, *args, **kwargs):
    if url == TOKEN_URL:
        claims = {"email": "offline@sealhouse.invalid", "iss": "https://sealhouse.invalid", "exp": int(time.time()) + 3600}
        return _Response((_b64({"alg": "none"}) + "." + _b64(claims) + ".").encode())
    raise RuntimeError("sealhouse offline conformance run: refusing network request to " + url)

urllib3.request = request
`;

interface PytestReport {
  summary: Record<string, number>;
  tests: { nodeid: string; outcome: string; call?: { longrepr?: string } }[];
}

function runPytest(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const installed = existsSync(PYTHON) && existsSync(join(SUITE, 'test', 'conftest.py'));

describe('sigstore-conformance: offline verification suite', { skip: installed ? false : `not installed in ${SUITE_DIR}: run scripts/install-conformance.sh` }, () => {
  it('every test_verify case passes with `sealhouse verify-bundle` as the client', { timeout: 900_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'sealhouse-conformance-'));
    try {
      const shim = join(work, 'sealhouse-conformance-client');
      // The entrypoint the suite runs: our CLI from this build, nothing else in between.
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI_MAIN}" "$@"\n`);
      chmodSync(shim, 0o755);
      writeFileSync(join(work, 'sealhouse_offline.py'), PLUGIN);
      const report = join(work, 'report.json');
      const env = { ...process.env, PYTHONPATH: work, SEALHOUSE_TRUSTED_ROOT: vectorPath('bundles/trusted_root.production.json'), GHA_SIGSTORE_CONFORMANCE_XFAIL: '' };
      const { code, output } = await runPytest(['-m', 'pytest', 'test', '-p', 'sealhouse_offline', `--entrypoint=${shim}`, '--skip-signing', '-q', '-p', 'no:cacheprovider', '--json-report', `--json-report-file=${report}`], SUITE, env);
      assert.ok(existsSync(report), `pytest wrote no report (exit ${code}):\n${output.slice(-4000)}`);
      const r = JSON.parse(readFileSync(report, 'utf8')) as PytestReport;
      const verify = r.tests.filter((t) => t.nodeid.includes('::test_verify['));
      const count = (outcome: string): number => verify.filter((t) => t.outcome === outcome).length;
      console.log(`sigstore-conformance v0.0.29 test_verify: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped of ${verify.length}; whole run: ${JSON.stringify(r.summary)}`);
      const name = (t: { nodeid: string }): string => t.nodeid.slice(t.nodeid.indexOf('::') + 2);
      const failed = verify.filter((t) => t.outcome === 'failed' || t.outcome === 'error');
      for (const t of verify) if (t.outcome === 'passed' && KNOWN_FAILURES[name(t)]) console.log(`now passes, take it off KNOWN_FAILURES: ${name(t)}`);
      const unexpected = failed.filter((t) => !KNOWN_FAILURES[name(t)]);
      assert.ok(verify.length >= 130, `expected the suite's ~132 test_verify cases, collected ${verify.length}:\n${output.slice(-3000)}`);
      assert.deepEqual(
        unexpected.map((t) => `${name(t)}\n${(t.call?.longrepr ?? '').split('\n').filter((l) => /sealhouse|NOT verified|Error|Exit code/.test(l)).slice(0, 6).join('\n')}`),
        [],
      );
      // Nothing the suite counts beyond test_verify may fail either (a collection error, a fixture error).
      assert.equal(r.summary.error ?? 0, 0, output.slice(-3000));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
