/**
 * `sealhouse serve` when it cannot listen: one line that says what is wrong and what to do,
 * exit code 1, no stack trace (issue 14: a port in use printed a TypeError).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function serve(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, 'bin/sealhouse.js'), 'serve'], {
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
