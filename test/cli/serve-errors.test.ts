/**
 * `sealhouse serve` when it cannot listen: one line that says what is wrong and what to do,
 * exit code 1, no stack trace (issue 14: a port in use printed a TypeError). Run from the build
 * this test was compiled into (CLI_MAIN), so it tests this checkout's code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../helpers/cli.js';


function serve(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_MAIN, 'serve'], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('sealhouse serve: listen failures', () => {
  let blocker: Server;
  let port = 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-serve-'));

  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    port = (blocker.address() as { port: number }).port;
  });
  after(() => {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a port in use: one line naming the port and what to do, exit 1', async () => {
    const { code, stderr } = await serve({ PORT: String(port), SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: '' });
    assert.equal(code, 1);
    assert.equal(stderr.trim(), `sealhouse: port ${port} is in use — set PORT to another port or stop the other process`);
  });
});

/**
 * The other operator mistakes issue 14 lists, each answered with one line naming what is wrong
 * and what to do, exit 1, and no stack trace unless LOG_LEVEL=debug.
 */
describe('sealhouse serve: configuration mistakes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-serve-'));
  const aFile = join(dataDir, 'a-file');
  writeFileSync(aFile, '');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const oneLine = (stderr: string): string => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    return lines[0] as string;
  };

  it('DATABASE_URL that is not a postgres URL', async () => {
    const { code, stderr } = await serve({ SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: 'not-a-url' });
    assert.equal(code, 1);
    assert.match(oneLine(stderr), /^sealhouse: DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it('a database that refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, stderr } = await serve({ SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: `postgres://sealhouse@127.0.0.1:${port}/sealhouse` });
    assert.equal(code, 1);
    assert.equal(oneLine(stderr), 'sealhouse: cannot reach PostgreSQL (connection refused) — check DATABASE_URL and that the database server is running and accepts connections');
  });

  it('a data directory that cannot be created', async () => {
    const { code, stderr } = await serve({ SEALHOUSE_DATA_DIR: join(aFile, 'data'), DATABASE_URL: '' });
    assert.equal(code, 1);
    assert.match(oneLine(stderr), /^sealhouse: cannot create .*a-file\/data \(a part of the path is a file, not a directory\) — .*SEALHOUSE_DATA_DIR/);
  });

  it('a missing SEALHOUSE_OIDC_CONFIG file', async () => {
    const { code, stderr } = await serve({ SEALHOUSE_DATA_DIR: join(dataDir, 'oidc'), DATABASE_URL: '', PORT: '0', SEALHOUSE_OIDC_CONFIG: join(dataDir, 'missing.yaml') });
    assert.equal(code, 1);
    assert.match(oneLine(stderr), /^sealhouse: cannot read the OIDC issuer config .*missing\.yaml \(no such file or directory\) — check SEALHOUSE_OIDC_CONFIG$/);
  });

  it('LOG_LEVEL=debug adds the stack trace to the same line', async () => {
    const { code, stderr } = await serve({ SEALHOUSE_DATA_DIR: join(aFile, 'data'), DATABASE_URL: '', LOG_LEVEL: 'debug' });
    assert.equal(code, 1);
    assert.match(stderr, /^sealhouse: cannot create /);
    assert.match(stderr, /ENOTDIR/);
  });
});
