/**
 * The CLI's own surface, as an operator meets it: --help and --version answer at once, and a
 * mistyped command, flag or operand is refused with the usage and exit 2, not run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('sealhouse usage', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `sealhouse ${pkg.version}`);
  });
  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['serve', 'migrate', 'verify-bundle', 'sign-bundle', 'verify-entry', 'monitor', 'fsck']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });
  it('each command answers --help with its own usage', async () => {
    for (const c of ['migrate', 'verify-bundle', 'monitor', 'fsck']) {
      const r = await runCli([c, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: sealhouse ${c}`), c);
    }
  });
  it('no command prints the usage and exits 2 instead of starting a server', async () => {
    const r = await runCli([], { timeoutMs: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^usage: sealhouse <command>/);
    assert.match(r.stderr, /^ {2}serve /m);
  });
  it('an unknown command, flag or stray operand exits 2 with the usage', async () => {
    const unknown = await runCli(['srve']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "srve"/);
    const flag = await runCli(['migrate', '--force']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /^sealhouse migrate: takes no arguments, got "--force"/);
    const operand = await runCli(['dev-token', '--email', 'a@example.com', 'extra']);
    assert.equal(operand.status, 2);
    assert.match(operand.stderr, /usage: sealhouse dev-token/);
  });
});
