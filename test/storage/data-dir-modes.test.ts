/**
 * Files only Sealhouse may read (issue 8): after start the data directory and every directory
 * of the embedded database are 0700, its files and the generated keys 0600 (PGlite alone left
 * 969 of 1,008 files 0666); a tree left loose by an earlier version is tightened at the next
 * start; a key file other users can read is refused at start with what to do about it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const modeOf = (path: string): number => lstatSync(path).mode & 0o777;

/** Every entry under `root` whose mode is not 0700 (directories) or 0600 (files). */
function loose(root: string): string[] {
  const found: string[] = [];
  const visit = (path: string): void => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o777) !== (st.isDirectory() ? 0o700 : 0o600)) found.push(`${path.slice(root.length) || '/'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return found;
}

const keyPem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const embedded = !process.env.DATABASE_URL;

describe('the data directory and the embedded database are private', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await fetch(`${server.url}/api/v1/log`);
  });
  after(async () => server.close());

  it('after start: data directory 0700, generated keys 0600, the PGlite tree 0700/0600', () => {
    assert.equal(modeOf(server.dataDir), 0o700);
    for (const key of ['log-key.pem', 'ct-key.pem', 'ca/root-key.pem', 'ca/intermediate-key.pem']) assert.equal(modeOf(join(server.dataDir, key)), 0o600, key);
    assert.equal(modeOf(join(server.dataDir, 'ca')), 0o700);
    if (embedded) {
      const pglite = join(server.dataDir, 'pglite');
      assert.ok(existsSync(join(pglite, 'postgresql.conf')) && existsSync(join(pglite, 'global', 'pg_control')));
      assert.deepEqual(loose(pglite), []);
    }
  });

  it('a tree left loose by an earlier version is tightened at the next start, with a warning', { skip: !embedded && 'PGlite only' }, async () => {
    await server.stop();
    const pglite = join(server.dataDir, 'pglite');
    chmodSync(server.dataDir, 0o755);
    chmodSync(pglite, 0o777);
    chmodSync(join(pglite, 'postgresql.conf'), 0o666);
    chmodSync(join(pglite, 'global', 'pg_control'), 0o666);
    const warnings: { msg: string; path?: string; entries?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const line of chunk.toString().split('\n')) if (line) warnings.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const again = await startServer(loadConfig(server.env), pino({ level: 'warn' }, sink));
    try {
      assert.equal(modeOf(server.dataDir), 0o700);
      assert.deepEqual(loose(pglite), []);
      const tightened = warnings.filter((w) => /took group and other permissions off/.test(w.msg));
      assert.deepEqual(tightened.map((w) => [w.path, w.entries]), [[server.dataDir, 1], [pglite, 3]]);
      assert.equal((await fetch(`${again.address}/api/v1/log`)).status, 200);
    } finally {
      await again.close();
    }
  });
});

describe('key files other users can read are refused at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-keymode-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // The refusal comes before any store is opened, so these need no database.
  const start = (env: Record<string, string>): Promise<unknown> =>
    startServer(loadConfig({ PORT: '0', SEALHOUSE_DATA_DIR: join(dir, 'data'), SEALHOUSE_URL: 'http://127.0.0.1', ...env }), pino({ level: 'silent' }));

  it('SEALHOUSE_LOG_KEY mode 0644: refused, saying what to run', async () => {
    const key = join(dir, 'log.pem');
    writeFileSync(key, keyPem(), { mode: 0o644 });
    chmodSync(key, 0o644);
    await assert.rejects(start({ SEALHOUSE_LOG_KEY: key }), (err: Error) => {
      assert.equal(err.message, `the log key file ${key} is readable by other users (mode 0644): chmod 600 ${key} (in Kubernetes, mount the secret with defaultMode 0400 or 0600)`);
      assert.doesNotMatch(err.message, /BEGIN/);
      return true;
    });
    assert.ok(!existsSync(join(dir, 'data', 'pglite')), 'refused before the store was opened');
    chmodSync(key, 0o600);
    const ok = (await start({ SEALHOUSE_LOG_KEY: key })) as { close(): Promise<void> };
    await ok.close();
  });

  it('SEALHOUSE_CT_KEY group-readable (0640) and a generated CA root key made 0644: refused', async () => {
    const ct = join(dir, 'ct.pem');
    writeFileSync(ct, keyPem(), { mode: 0o600 });
    chmodSync(ct, 0o640);
    await assert.rejects(start({ SEALHOUSE_CT_KEY: ct }), /^SealhouseError: the CT log key file .*ct\.pem is readable by other users \(mode 0640\): chmod 600 /);
    const rootKey = join(dir, 'data', 'ca', 'root-key.pem');
    assert.ok(existsSync(rootKey), 'generated by the previous start');
    chmodSync(rootKey, 0o644);
    await assert.rejects(start({ SEALHOUSE_LOG_KEY: join(dir, 'log.pem') }), (err: Error) => err.message.startsWith(`the CA root key file ${rootKey} is readable by other users (mode 0644): chmod 600 ${rootKey}`));
  });
});
