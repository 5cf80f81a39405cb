/**
 * Schema-driven HTTP fuzz (issue 8 item 3): schemathesis generates requests from
 * openapi/rekor.yaml and openapi/fulcio.yaml against a running test server and checks that no
 * response is a 5xx (its `not_a_server_error` check). Installed by scripts/install-schemathesis.sh
 * (pinned in test/fuzz/requirements.txt); skipped, saying why, only when python3 is absent.
 * SCHEMATHESIS_MAX_EXAMPLES (per operation) and SCHEMATHESIS_SEED override the defaults.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevOidcIssuer } from '../../src/oidc/dev-oidc.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const venv = process.env.SEALHOUSE_SCHEMATHESIS_VENV ?? join(homedir(), '.cache', 'sealhouse', 'schemathesis-venv');
const cli = join(venv, 'bin', 'schemathesis');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '30';
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261201';
// Bounds the whole run per API; measured ~20-40 s for 30 examples on a loaded 2-core machine.
const HARD_TIMEOUT_MS = 300_000;

interface Report {
  schemathesis_version: string;
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: unknown[];
}

function runSchemathesis(spec: string, url: string, work: string, config: string, headers: string[]): Promise<{ report?: Report; output: string }> {
  const reportPath = join(work, `${spec}.json`);
  const configPath = join(work, `${spec}.toml`);
  writeFileSync(configPath, config);
  const args = ['--config-file', configPath, 'run', join(root, 'openapi', `${spec}.yaml`), '--url', url, '--checks', 'not_a_server_error',
    '--max-examples', MAX_EXAMPLES, '--seed', SEED, '--workers', '1', '--phases', 'examples,coverage,fuzzing', '--request-timeout', '20',
    '--no-color', '--report', 'json', '--report-json-path', reportPath, ...headers.flatMap((h) => ['-H', h])];
  return new Promise((resolve) => {
    execFile(cli, args, { cwd: work, timeout: HARD_TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}${err?.killed ? `\nkilled after ${HARD_TIMEOUT_MS} ms` : ''}`;
      resolve({ report: existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as Report) : undefined, output });
    });
  });
}

function check(spec: string, { report, output }: { report?: Report; output: string }): void {
  assert.ok(report, `schemathesis wrote no report for ${spec}:\n${output.slice(-4000)}`);
  console.log(`# schemathesis ${report.schemathesis_version} ${spec}: ${report.test_cases.generated} requests, ${report.test_cases.with_failures} with failures, seed ${SEED}`);
  const serverErrors = report.failures.filter((f) => f.code === 'ST101');
  // The failing requests (with a curl line each) are in schemathesis' own output; quote its tail.
  assert.deepEqual(serverErrors.flatMap((f) => f.operations), [], `5xx answers from ${spec}:\n${output.slice(-6000)}`);
  assert.equal(report.errors.length, 0, `schemathesis errors for ${spec}:\n${output.slice(-4000)}`);
  assert.ok(report.test_cases.generated > 0, 'schemathesis sent requests');
}

describe('schemathesis: no 5xx from requests generated from openapi/*.yaml', { skip: hasPython ? false : 'python3 is not installed: the schemathesis HTTP fuzz needs it' }, () => {
  let server: TestServer;
  let work: string;
  let token: string;

  before(async () => {
    if (!existsSync(cli)) {
      const installed = spawnSync('bash', [join(root, 'scripts', 'install-schemathesis.sh')], { encoding: 'utf8' });
      assert.equal(installed.status, 0, `scripts/install-schemathesis.sh failed:\n${installed.stderr}`);
    }
    work = mkdtempSync(join(tmpdir(), 'sealhouse-schemathesis-'));
    const port = await freePort();
    server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1', PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}` });
    // A real identity token, so generated Fulcio requests get past authentication to the body parsing.
    token = await (await DevOidcIssuer.load(server.dataDir, new URL(server.url))).mint({ email: 'fuzz@example.test' });
  });
  after(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('rekor.yaml', { timeout: HARD_TIMEOUT_MS + 30_000 }, async () => {
    check('rekor', await runSchemathesis('rekor', server.url, work, '', []));
    assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200, 'the server still answers');
  });

  it('fulcio.yaml', { timeout: HARD_TIMEOUT_MS + 30_000 }, async () => {
    // A method a Fulcio path does not serve gets grpc-gateway's 12 Unimplemented → 501, on purpose
    // (test/ca/fulcio-api.test.ts asserts it); so no requests with undeclared methods here.
    const config = '[phases.coverage]\nunexpected-methods = []\n';
    check('fulcio', await runSchemathesis('fulcio', server.url, work, config, [`Authorization: Bearer ${token}`]));
    assert.equal((await fetch(`${server.url}/api/v2/configuration`)).status, 200, 'the server still answers');
  });
});
