/**
 * A server on the embedded store killed with SIGKILL while clients are writing comes back on
 * the same data directory: the pid lock it left does not refuse the new process, the database
 * recovers, every entry it acknowledged is still there, and it accepts new ones.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI_MAIN } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-sigkill-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemB64 = Buffer.from(publicKey.export({ format: 'pem', type: 'spki' }) as string).toString('base64');
function hashedrekord(label: string): string {
  const artifact = Buffer.from(`restart after sigkill ${label} ${process.pid}`);
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
      signature: { content: sign('sha256', artifact, privateKey).toString('base64'), publicKey: { content: pemB64 } },
    },
  });
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function serve(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [CLI_MAIN, 'serve'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), SEALHOUSE_DATA_DIR: dataDir, SEALHOUSE_URL: url, LOG_LEVEL: 'error', SEALHOUSE_LOG_FORMAT: 'json', DATABASE_URL: '' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/api/v1/log`)).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const post = async (url: string, label: string): Promise<{ status: number; uuid?: string }> => {
  const res = await fetch(`${url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: hashedrekord(label) });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, ...(res.status === 201 ? { uuid: Object.keys(body)[0] as string } : {}) };
};

describe('restart after SIGKILL (embedded store)', () => {
  it('comes back on the same data directory with every acknowledged entry, and takes new ones', { timeout: 180_000 }, async () => {
    const first = await serve();
    const acknowledged: string[] = [];
    let writing = true;
    // Clients keep writing while the server is killed; what got a 201 must survive.
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        try {
          const r = await post(first.url, `w${w}-${i}`);
          if (r.uuid) acknowledged.push(r.uuid);
        } catch {
          return; // the server is gone
        }
      }
    });
    while (acknowledged.length < 10) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    writing = false;
    await Promise.all(writers);

    const second = await serve();
    try {
      for (const uuid of acknowledged) {
        const res = await fetch(`${second.url}/api/v1/log/entries/${uuid}`);
        assert.equal(res.status, 200, `entry ${uuid} acknowledged before the kill is served after it`);
      }
      assert.equal((await post(second.url, 'after the restart')).status, 201);
    } finally {
      const gone = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await gone;
    }
  });
});
