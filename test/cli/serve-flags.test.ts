/**
 * `sealhouse serve --port N --data-dir DIR` (issue 14: the flags were silently ignored) and the
 * log format: JSON lines when stdout is not a terminal, pino-pretty's lines when asked.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../helpers/cli.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';

/** Runs serve until it logs that it is serving, answers /healthz, then stops it with SIGTERM. */
async function serveOnce(args: string[], env: Record<string, string>): Promise<{ servingLine: string; health: number }> {
  const child = spawn(process.execPath, [CLI_MAIN, 'serve', ...args], { env: { ...process.env, DATABASE_URL: '', PORT: '1', SEALHOUSE_DATA_DIR: '/nonexistent-never-used', ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    // Other lines may come first (the warning that the generated CA's root key is online).
    const servingLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "sealhouse is serving" line within 120 s; stderr: ${stderr}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const serving = stdout.split('\n').find((line) => line.includes('sealhouse is serving'));
        if (serving !== undefined) {
          clearTimeout(timer);
          resolve(serving);
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const port = args[args.indexOf('--port') + 1];
    const health = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
    return { servingLine, health };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('sealhouse serve flags', () => {
  const root = mkdtempSync(join(tmpdir(), 'sealhouse-flags-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('--port and --data-dir win over PORT and SEALHOUSE_DATA_DIR; logs are JSON off a terminal', async () => {
    const port = await freePort();
    const dataDir = join(root, 'json');
    const { servingLine, health } = await serveOnce(['--port', String(port), '--data-dir', dataDir], {});
    assert.equal(health, 200);
    assert.ok(existsSync(join(dataDir, 'log-key.pem')), 'keys are generated in --data-dir');
    const line = JSON.parse(servingLine) as { msg: string; port: number };
    assert.equal(line.msg, 'sealhouse is serving');
    assert.equal(line.port, port);
  });

  it('SEALHOUSE_LOG_FORMAT=pretty prints human-readable lines', async () => {
    const port = await freePort();
    const { servingLine } = await serveOnce(['--port', String(port), '--data-dir', join(root, 'pretty')], { SEALHOUSE_LOG_FORMAT: 'pretty' });
    assert.match(servingLine, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: sealhouse is serving /);
  });
});
