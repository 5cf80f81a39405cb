/**
 * A start that fails half-way closes what it had opened. startServer opens the database, the
 * logs' sequencers, the CT log and the signing workers before it reads the TSA chain or listens;
 * when it then refuses, the caller (a test, an embedding program) must be able to exit without
 * calling process.exit. Each case runs in its own child process that never exits by force: a
 * leaked timer or connection shows as a child that does not end.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OID } from '../src/ca/extensions.js';
import { openTestDatabase, type TestDatabase } from './helpers/db.js';
import { chainWithLeaf, goodLeafExtensions } from './tsa/fixtures.js';

const SERVER_MODULE = new URL('../src/server.js', import.meta.url).href;
const CONFIG_MODULE = new URL('../src/config.js', import.meta.url).href;
// The child reports the refusal and then simply returns: only an empty event loop lets it exit.
const CHILD = `
const { startServer } = await import(${JSON.stringify(SERVER_MODULE)});
const { loadConfig } = await import(${JSON.stringify(CONFIG_MODULE)});
try {
  await startServer(loadConfig(process.env));
  console.log('STARTED');
} catch (err) {
  console.log('REFUSED ' + err.message);
}
`;
const EXIT_WITHIN_MS = 30_000;

function startInChild(env: Record<string, string>): Promise<{ stdout: string; stderr: string; exited: boolean }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', CHILD], { env: { ...process.env, LOG_LEVEL: 'silent', PORT: '0', ...env }, timeout: EXIT_WITHIN_MS }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, exited: !(err && 'killed' in err && err.killed) });
    });
  });
}

// Both cases share one data directory, so on Postgres the generated log keys match the schema's trees.
describe('a refused start leaves nothing open', { timeout: 120_000 }, () => {
  let dir: string;
  let db: TestDatabase;
  let blocker: Server;
  let busyPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealhouse-start-failure-'));
    db = await openTestDatabase();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(async () => {
    blocker.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a port in use, refused after every component has opened', async () => {
    const result = await startInChild({ ...db.env, SEALHOUSE_DATA_DIR: join(dir, 'data'), PORT: String(busyPort) });
    assert.match(result.stdout, new RegExp(`^REFUSED port ${busyPort} is in use`), result.stderr);
    assert.ok(result.exited, `the child was still running ${EXIT_WITHIN_MS} ms after the refusal`);
  });

  it('a TSA chain that is not a TSA chain, refused once the database and the logs are open', async () => {
    const bad = chainWithLeaf((s, r) => goodLeafExtensions(s, r).filter((e) => e.oid !== OID.extKeyUsage));
    writeFileSync(join(dir, 'chain.pem'), bad.chainPem);
    writeFileSync(join(dir, 'key.pem'), bad.leafKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const result = await startInChild({ ...db.env, SEALHOUSE_DATA_DIR: join(dir, 'data'), SEALHOUSE_TSA_CHAIN: join(dir, 'chain.pem'), SEALHOUSE_TSA_KEY: join(dir, 'key.pem') });
    assert.match(result.stdout, /^REFUSED the TSA certificate chain .*does not include Time Stamping/, result.stderr);
    assert.ok(result.exited, `the child was still running ${EXIT_WITHIN_MS} ms after the refusal`);
  });
});
