/**
 * `sealhouse monitor --tiles` following a running Sealhouse's v1 tree through its C2SP tlog-tiles
 * prefix (/tlog/v1), with the server's own trusted_root.json: trust on first use, growth across
 * a tile boundary proven from tiles alone, a watched key found in an entry bundle at its index.
 * The negative twin: a level-0 tile edited in the database (the server restarted on the same
 * store and port) makes the next round from an earlier checkpoint exit 1 with the tree not
 * extending the saved one, and the state file stays as it was.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSql } from '../../src/storage/open-sql.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, hashedrekord, keySigner } from '../http/rekor-client.js';
import { tempDir, type TempDir } from './fixtures.js';

let server: TestServer;
let restarted: RunningServer | undefined;
let dir: TempDir;
let trustedRoot: string;

const monitor = (base: string, state: string, ...extra: string[]) =>
  runCli(['monitor', '--tiles', '--url', `${base}/tlog/v1`, '--trusted-root', trustedRoot, '--state', state, '--once', '--retries', '1', ...extra], { timeoutMs: 60_000 });
const sizeIn = (state: string): number => (JSON.parse(readFileSync(state, 'utf8')) as { size: number }).size;

async function append(from: number, to: number, signer = keySigner()): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < to; i += 40) {
    const made = await Promise.all(Array.from({ length: Math.min(40, to - i) }, (_, j) => create(server.url, hashedrekord(`monitor tiles ${i + j}`, signer))));
    ids.push(...made.map((m) => m.id.slice(-64)));
  }
  return ids;
}

before(async () => {
  server = await startTestServer();
  dir = tempDir();
  trustedRoot = dir.file('trusted_root.json', await (await fetch(`${server.url}/trusted_root.json`)).text());
  await append(0, 5);
});
after(async () => {
  await restarted?.close();
  await server.close();
  dir.cleanup();
});

describe('sealhouse monitor --tiles on a running Sealhouse (/tlog/v1)', () => {
  const followed = (): string => dir.file('followed.json');
  const behind = (): string => dir.file('behind.json');

  it('trusts the first checkpoint, then proves growth across a tile boundary and finds a watched key in a bundle', async () => {
    for (const state of [followed(), behind()]) {
      const first = await monitor(server.url, state);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /trusting the log's current checkpoint on first use .*size 5/);
    }
    const watched = keySigner();
    const spki = createPublicKey(watched.pem).export({ format: 'der', type: 'spki' });
    await append(5, 200);
    const [watchedUuid] = await append(200, 201, watched);
    await append(201, 265);
    const config = dir.file('watch.yaml', `monitoredValues:\n  fingerprints: ["${createHash('sha256').update(spki).digest('hex')}"]\n`);
    const grown = await monitor(server.url, followed(), '--config', config);
    assert.equal(grown.status, 0, grown.stderr);
    assert.match(grown.stderr, /consistent: size 5 → 265 .*260 new entries read, 1 watched identities found/);
    const lines = grown.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logIndex: number; uuid: string; match: string });
    assert.deepEqual(lines.map((l) => [l.logIndex, l.uuid, l.match]), [[200, watchedUuid, 'fingerprint']]);
    assert.equal(sizeIn(followed()), 265);
    assert.equal(sizeIn(behind()), 5);
  });

  it('exits 1 when a tile edited in the database no longer proves the new tree extends the saved one, state unchanged', async () => {
    const port = new URL(server.url).port;
    await server.stop();
    const config = loadConfig({ ...server.env, PORT: port });
    const sql = await openSql(config);
    try {
      const [row] = await sql.query<{ tree_id: number; hashes: Buffer }>(
        "SELECT t.tree_id, t.hashes FROM tiles t JOIN trees r ON r.tree_id = t.tree_id WHERE r.log_name = 'rekor' AND t.level = 0 AND t.idx = 0",
      );
      assert.ok(row);
      const edited = Buffer.from(row.hashes);
      edited[200 * 32] = (edited[200 * 32] as number) ^ 0x80; // leaf 200: inside MTH(D[128:256]) of the 5 → 265 proof
      await sql.query('UPDATE tiles SET hashes = $2 WHERE tree_id = $1 AND level = 0 AND idx = 0', [row.tree_id, edited]);
    } finally {
      await sql.close();
    }
    // Same port: the state files name the log by its URL.
    restarted = await startServer(config, pino({ level: 'silent' }));
    assert.equal(restarted.address, server.url);
    const saved = readFileSync(behind(), 'utf8');
    const caught = await monitor(server.url, behind());
    assert.equal(caught.status, 1, caught.stderr);
    assert.match(caught.stderr, /the tree at size 265 does not extend the saved tree at size 5/);
    assert.match(caught.stderr, /was not advanced/);
    assert.equal(readFileSync(behind(), 'utf8'), saved, 'the state file keeps the last good checkpoint');
  });
});
