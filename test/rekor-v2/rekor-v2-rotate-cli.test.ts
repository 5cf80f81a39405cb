/**
 * `sealhouse rotate rekor-v2` with the server stopped (what the embedded store needs; also run on
 * Postgres): the generated key moves to rekor-v2-key.retired-1.pem and a new one takes its
 * place, fsck checks every shard with its own key and origin, and a server started afterwards
 * writes to shard 2 at every write URL while shard 1 stays served with the old key. With
 * SEALHOUSE_REKOR_V2_KEY the file there is the new key: the key in use is refused, a new one in
 * its place rotates to shard 3.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import { loadConfig } from '../../src/config.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { ed25519KeyHash } from '../../src/note/ed25519-note.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { v2Request } from './requests.js';

const spkiOfPem = (pem: string): Buffer => createPublicKey(pem).export({ type: 'spki', format: 'der' });
const logIdOf = (origin: string, spki: Buffer): string => ed25519KeyHash(origin, spki.subarray(spki.length - 32)).toString('base64');

async function post(base: string, path = ''): Promise<{ logId: string; logIndex: string }> {
  const r = await fetch(`${base}${path}/api/v2/log/entries`, { method: 'POST', body: JSON.stringify(v2Request().request) });
  assert.equal(r.status, 201, await r.clone().text());
  const json = (await r.json()) as { logId: { keyId: string }; logIndex: string };
  return { logId: json.logId.keyId, logIndex: json.logIndex };
}

async function checkpointOf(base: string, path: string, origin: string, spki: Buffer): Promise<number> {
  const cp = parseCheckpoint(await (await fetch(`${base}${path}/checkpoint`)).text());
  assert.equal(cp.origin, origin);
  verifyCheckpointSignature(nodeCrypto, cp, { logId: ed25519KeyHash(origin, spki.subarray(spki.length - 32)), spki, names: [origin] });
  return cp.size;
}

describe('sealhouse rotate rekor-v2 (server stopped)', () => {
  let server: TestServer;
  let restarted: RunningServer | undefined;
  let env: Record<string, string>;
  let oldPem: string;
  const startedAt = Date.now();
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...process.env, ...env, ...extra } });
  const restart = async (extra: Record<string, string> = {}): Promise<RunningServer> => {
    await restarted?.close();
    restarted = await startServer(loadConfig({ ...env, ...extra }), pino({ level: 'silent' }));
    return restarted;
  };

  before(async () => {
    server = await startTestServer();
    env = server.env;
    for (let i = 0; i < 5; i++) await post(server.url);
    oldPem = readFileSync(join(server.dataDir, 'rekor-v2-key.pem'), 'utf8');
    await server.stop();
  });
  after(async () => {
    await restarted?.close();
    await server?.close();
  });

  it('refuses --grace, which only the authorities have', async () => {
    const r = await cli(['rotate', 'rekor-v2', '--grace', '1m']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--grace is for the TSA and the CA/);
  });

  it('rotates the generated key: the old file kept as rekor-v2-key.retired-1.pem, a new one in its place', async () => {
    // A shard's validFor has whole seconds: the rotation must come after shard 1's start.
    await new Promise((r) => setTimeout(r, Math.max(0, 1_200 - (Date.now() - startedAt))));
    const r = await cli(['rotate', 'rekor-v2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the Rekor v2 log: shard 2 \(tree \d+\) takes entries at http:\/\/127\.0\.0\.1\/shards\/2 \(origin 127\.0\.0\.1\) .*shard 1 \(tree \d+\) is frozen at 5 entries/);
    assert.equal(readFileSync(join(server.dataDir, 'rekor-v2-key.retired-1.pem'), 'utf8'), oldPem);
    assert.notEqual(readFileSync(join(server.dataDir, 'rekor-v2-key.pem'), 'utf8'), oldPem);
    assert.equal(existsSync(join(server.dataDir, 'rekor-v2-key.next.pem')), false);
  });

  it('fscks every shard with its own key and origin', async () => {
    const r = await cli(['fsck', '--tree', 'rekor-v2']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /rekor-v2 tree \d+: 5 entries/);
    assert.match(r.stdout, /rekor-v2 shard 2 tree \d+: 0 entries/);
  });

  it('starts on shard 2: every write URL lands there, shard 1 stays served with the old key', async () => {
    const running = await restart();
    const newSpki = spkiOfPem(readFileSync(join(server.dataDir, 'rekor-v2-key.pem'), 'utf8'));
    const shard2 = logIdOf('127.0.0.1', newSpki);
    assert.deepEqual(await post(running.address), { logId: shard2, logIndex: '0' });
    assert.deepEqual(await post(running.address, '/shards/2'), { logId: shard2, logIndex: '1' });
    assert.equal(await checkpointOf(running.address, '', '127.0.0.1', spkiOfPem(oldPem)), 5);
    assert.equal(await checkpointOf(running.address, '/tlog/v2', '127.0.0.1', spkiOfPem(oldPem)), 5);
    assert.equal(await checkpointOf(running.address, '/shards/2', '127.0.0.1', newSpki), 2);
    assert.equal(await checkpointOf(running.address, '/tlog/v2/shards/2', '127.0.0.1', newSpki), 2);
    await running.close();
  });

  it('with SEALHOUSE_REKOR_V2_KEY, refuses the key in use and rotates to the new key put in its place', async () => {
    const configured = join(server.dataDir, 'configured-v2-key.pem');
    writeFileSync(configured, readFileSync(join(server.dataDir, 'rekor-v2-key.pem')), { mode: 0o600 });
    const same = await cli(['rotate', 'rekor-v2'], { SEALHOUSE_REKOR_V2_KEY: configured });
    assert.notEqual(same.status, 0);
    assert.match(same.stderr, /already signed shard 2 .*put the new key into .*configured-v2-key\.pem first/);
    const next = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(configured, next.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const r = await cli(['rotate', 'rekor-v2'], { SEALHOUSE_REKOR_V2_KEY: configured });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the Rekor v2 log: shard 3 .*shard 2 \(tree \d+\) is frozen at 2 entries/);
    const running = await restart({ SEALHOUSE_REKOR_V2_KEY: configured });
    const spki = createPublicKey(next).export({ type: 'spki', format: 'der' });
    assert.deepEqual(await post(running.address, '/shards/2'), { logId: logIdOf('127.0.0.1', spki), logIndex: '0' });
    assert.equal(await checkpointOf(running.address, '/shards/3', '127.0.0.1', spki), 1);
    assert.equal(await checkpointOf(running.address, '/shards/2', '127.0.0.1', spkiOfPem(readFileSync(join(server.dataDir, 'rekor-v2-key.pem'), 'utf8'))), 2);
  });
});
