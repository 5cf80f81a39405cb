/**
 * `sealhouse monitor --tiles` following a running Sealhouse with the server's own
 * trusted_root.json: its v1 tree through /tlog/v1 (ECDSA checkpoints) and its Rekor v2 log at
 * the base URL and /tlog/v2 (Ed25519 checkpoints): trust on first use, growth across a tile
 * boundary proven from tiles alone, a watched key found in an entry bundle at its index. The
 * negative twin: a level-0 tile of each tree edited in the database (the server restarted on the
 * same store and port) makes the next round from an earlier checkpoint exit 1 with the tree not
 * extending the saved one, and the state files stay as they were.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { leafHash } from '../../src/merkle/hash.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSql } from '../../src/storage/open-sql.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, hashedrekord, keySigner } from '../http/rekor-client.js';
import { signerFor, v2Request } from '../rekor-v2/requests.js';
import { tempDir, type TempDir } from './fixtures.js';
import { editLeafHash } from '../helpers/tamper.js';

let server: TestServer;
let restarted: RunningServer | undefined;
let dir: TempDir;
let trustedRoot: string;

const monitorAt = (logUrl: string, state: string, ...extra: string[]) =>
  runCli(['monitor', '--tiles', '--url', logUrl, '--trusted-root', trustedRoot, '--state', state, '--once', '--retries', '1', ...extra], { timeoutMs: 60_000 });
const monitor = (base: string, state: string, ...extra: string[]) => monitorAt(`${base}/tlog/v1`, state, ...extra);
const sizeIn = (state: string): number => (JSON.parse(readFileSync(state, 'utf8')) as { size: number }).size;

async function append(from: number, to: number, signer = keySigner()): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < to; i += 40) {
    const made = await Promise.all(Array.from({ length: Math.min(40, to - i) }, (_, j) => create(server.url, hashedrekord(`monitor tiles ${i + j}`, signer))));
    ids.push(...made.map((m) => m.id.slice(-64)));
  }
  return ids;
}

/**
 * Rekor v2 entries [from, to), one P-256 key; the `watchedAt`-th is signed by a P-384 key instead.
 * Returns the leaf hashes by log index and the index the watched entry got: entries sent together
 * are verified concurrently (off the server's JavaScript thread), so they are logged in the order
 * their checks finish, not the order they were sent.
 */
async function appendV2(from: number, to: number, watchedAt?: number): Promise<{ ids: string[]; watchedIndex?: number }> {
  const ids: string[] = [];
  let watchedIndex: number | undefined;
  for (let i = from; i < to; i += 40) {
    const made = await Promise.all(
      Array.from({ length: Math.min(40, to - i) }, async (_, j) => {
        const { request } = v2Request(i + j === watchedAt ? 'PKIX_ECDSA_P384_SHA_384' : 'PKIX_ECDSA_P256_SHA_256');
        const res = await fetch(`${server.url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
        const body = (await res.json()) as { canonicalizedBody: string; logIndex: string };
        assert.equal(res.status, 201, JSON.stringify(body));
        if (i + j === watchedAt) watchedIndex = Number(body.logIndex);
        return { index: Number(body.logIndex), uuid: leafHash(Buffer.from(body.canonicalizedBody, 'base64')).toString('hex') };
      }),
    );
    for (const m of made) ids[m.index - from] = m.uuid;
  }
  return { ids, watchedIndex };
}


before(async () => {
  server = await startTestServer();
  dir = tempDir();
  trustedRoot = dir.file('trusted_root.json', await (await fetch(`${server.url}/trusted_root.json`)).text());
  await append(0, 5);
  await appendV2(0, 3);
});
after(async () => {
  await restarted?.close();
  await server.close();
  dir.cleanup();
});

describe('sealhouse monitor --tiles on a running Sealhouse (/tlog/v1, / and /tlog/v2)', () => {
  const followed = (): string => dir.file('followed.json');
  const behind = (): string => dir.file('behind.json');
  const v2Root = (): string => dir.file('v2-root.json');
  const v2Prefixed = (): string => dir.file('v2-prefixed.json');
  const v2Behind = (): string => dir.file('v2-behind.json');

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

  it('follows the Rekor v2 log at the base URL and at /tlog/v2 with its Ed25519 key from the trusted root', async () => {
    const root = JSON.parse(readFileSync(trustedRoot, 'utf8')) as { tlogs: { publicKey: { keyDetails: string } }[] };
    assert.ok(root.tlogs.some((t) => t.publicKey.keyDetails === 'PKIX_ED25519'), 'the served trusted root lists the v2 log');
    for (const [logUrl, state] of [[server.url, v2Root()], [`${server.url}/tlog/v2`, v2Prefixed()], [server.url, v2Behind()]] as const) {
      const first = await monitorAt(logUrl, state);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /trusting the log's current checkpoint on first use \(origin "127\.0\.0\.1", size 3/);
    }
    const { ids, watchedIndex } = await appendV2(3, 280, 150);
    assert.ok(watchedIndex !== undefined);
    const spki = signerFor('PKIX_ECDSA_P384_SHA_384').spki;
    const config = dir.file('watch-v2.yaml', `monitoredValues:\n  fingerprints: ["${createHash('sha256').update(spki).digest('hex')}"]\n`);
    for (const [logUrl, state] of [[server.url, v2Root()], [`${server.url}/tlog/v2`, v2Prefixed()]] as const) {
      const grown = await monitorAt(logUrl, state, '--config', config);
      assert.equal(grown.status, 0, grown.stderr);
      assert.match(grown.stderr, /consistent: size 3 → 280 .*277 new entries read, 1 watched identities found/);
      const lines = grown.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logIndex: number; uuid: string; kind: string });
      assert.deepEqual(lines.map((l) => [l.logIndex, l.uuid, l.kind]), [[watchedIndex, ids[watchedIndex - 3], 'hashedrekord']]);
    }
    const wrongLog = await monitorAt(`${server.url}/tlog/v1`, v2Root());
    assert.equal(wrongLog.status, 1, 'a v2 state file is not accepted for the v1 tree');
    assert.match(wrongLog.stderr, /records log http:\/\/127\.0\.0\.1:[0-9]+, not http:\/\/127\.0\.0\.1:[0-9]+\/tlog\/v1/);
  });

  it('exits 1 when a tile edited in the database no longer proves the new tree extends the saved one, state unchanged', async () => {
    const port = new URL(server.url).port;
    await server.stop();
    const config = loadConfig({ ...server.env, PORT: port });
    const sql = await openSql(config);
    try {
      // Leaf 200 lies inside MTH(D[128:256]), a node of both the 5 → 265 and the 3 → 280 proofs.
      await editLeafHash(sql, 'rekor', 200);
      await editLeafHash(sql, 'rekor-v2', 200);
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
    const savedV2 = readFileSync(v2Behind(), 'utf8');
    const caughtV2 = await monitorAt(server.url, v2Behind());
    assert.equal(caughtV2.status, 1, caughtV2.stderr);
    assert.match(caughtV2.stderr, /the tree at size 280 does not extend the saved tree at size 3/);
    assert.equal(readFileSync(v2Behind(), 'utf8'), savedV2);
  });
});
