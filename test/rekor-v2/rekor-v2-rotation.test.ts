/**
 * Rotating the Rekor v2 log's key in one process (src/rekor-v2/rekor-v2-log.ts over
 * storage/log-shards.ts): rotateShard freezes shard 1 and starts shard 2 bound to a new key; the
 * log holds entries until that key is in place, then writes them to shard 2 with its own origin
 * and log ID; what shard 1 logged stays provable against its final checkpoint, signed by the old
 * key; no process can grow the frozen tree; a reopen finds both shards; and the HTTP routes
 * serve each shard's tiles at its own path while a POST to any write URL lands in the active one.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import { leafHash as coreLeafHash, verifyInclusion } from '../../src/core/merkle.js';
import { isSealhouseError } from '../../src/errors.js';
import { createRekorV2Router } from '../../src/http/rekor-v2-api.js';
import { createShardTilesRouter, createTilesRouter } from '../../src/http/tiles-router.js';
import { proveInclusion } from '../../src/merkle/prove.js';
import { nodeCrypto, nodeSha256 } from '../../src/node-crypto.js';
import { ed25519KeyHash } from '../../src/note/ed25519-note.js';
import { hashedRekordEntry } from '../../src/rekor-v2/hashedrekord-v002.js';
import { RekorV2Log, REKOR_V2_TREE, type RekorV2LogOptions, type RekorV2Shard, type V2SequencedEntry } from '../../src/rekor-v2/rekor-v2-log.js';
import { ShardFrozenError, logShards, rotateShard } from '../../src/storage/log-shards.js';
import { TreeStore } from '../../src/storage/tree-store.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { v2Request } from './requests.js';

const ORIGIN = 'rotate.example.test';
const spkiOf = (key: KeyObject): Buffer => createPublicKey(key).export({ type: 'spki', format: 'der' });
const entry = () => hashedRekordEntry(v2Request().request);

/** An entry proven against a shard's latest stored checkpoint, built from its tiles, checked with `spki` for `origin`. */
async function assertProvenIn(shard: RekorV2Shard, e: { index: number; body: Buffer }, spki: Buffer, origin: string): Promise<void> {
  const cp = parseCheckpoint(await shard.checkpoint());
  assert.equal(cp.origin, origin);
  const pub = spki.subarray(spki.length - 32);
  verifyCheckpointSignature(nodeCrypto, cp, { logId: ed25519KeyHash(origin, pub), spki, names: [origin] });
  const path = await proveInclusion(e.index, cp.size, shard.tree);
  verifyInclusion(nodeSha256, e.index, cp.size, coreLeafHash(nodeSha256, e.body), path, cp.rootHash);
}

describe('Rekor v2 key rotation in one process', () => {
  let db: TestDatabase;
  let log: RekorV2Log;
  /** What the operator has in place: the log reads it again at every rotation. */
  let inPlace: KeyObject[];
  const oldKey = generateKeyPairSync('ed25519').privateKey;
  const newKey = generateKeyPairSync('ed25519').privateKey;
  const options = (extra: Partial<RekorV2LogOptions> = {}): RekorV2LogOptions => ({
    keySource: () => inPlace,
    origin: ORIGIN,
    maxBatch: 32,
    maxDelayMs: 2,
    maxQueue: 10_000,
    rotationHoldMs: 400,
    ...extra,
  });
  let before1: V2SequencedEntry[] = [];
  let frozenSize = 0;

  before(async () => {
    db = await openTestDatabase();
    inPlace = [oldKey];
    log = await RekorV2Log.open(db.sql, options());
  });
  after(async () => {
    await log?.close();
    await db?.close();
  });

  it('starts as shard 1: the tree named rekor-v2, with the configured origin', async () => {
    assert.deepEqual(log.shards.map((s) => s.ordinal), [1]);
    assert.equal(log.origin, ORIGIN);
    const [tree] = await db.sql.query<{ tree_id: number }>('SELECT tree_id FROM trees WHERE log_name = $1', [REKOR_V2_TREE]);
    assert.equal(log.treeId, Number(tree?.tree_id));
    before1 = await Promise.all(Array.from({ length: 40 }, () => log.append(entry())));
    assert.ok(before1.every((e) => e.shard === 1 && e.logId.equals(log.logId)));
  });

  it('holds entries after a rotation until the new key is in place, then refuses with 503 rather than writing the frozen tree', async () => {
    // The rotation's second must come after shard 1's start (whole seconds: validFor windows).
    const shards = await rotateShard(db.sql, REKOR_V2_TREE, spkiOf(newKey), new Date(Date.now() + 1500));
    frozenSize = shards[0]?.frozenSize ?? -1;
    assert.equal(frozenSize, 40);
    const started = Date.now();
    await assert.rejects(log.append(entry()), (err: unknown) => isSealhouseError(err, 'unavailable') && /rotat/.test((err as Error).message));
    assert.ok(Date.now() - started >= 350, 'held for rotationHoldMs first');
    assert.equal((await TreeStore.byId(db.sql, log.shard(1)?.treeId ?? 0).head()).treeSize, 40);
    // The watch's listener throws while the key is missing (the watch calls it again).
    await assert.rejects(log.follow(), /not in place yet/);
  });

  it('moves to shard 2 once its key is in place: new origin, new log ID, indexes from 0', async () => {
    inPlace = [oldKey, newKey];
    const held = log.append(entry()); // meets the frozen tree, follows, lands in shard 2
    const done = await held;
    const shard2 = log.shard(2);
    assert.ok(shard2);
    assert.equal(log.activeShard, shard2);
    assert.equal(shard2.origin, ORIGIN); // every shard keeps the origin (core/shard-paths.ts)
    assert.equal(shard2.path, '/shards/2');
    assert.equal(done.shard, 2);
    assert.equal(done.index, 0);
    assert.deepEqual(done.logId, ed25519KeyHash(shard2.origin, spkiOf(newKey).subarray(12)));
    assert.notDeepEqual(done.logId, before1[0]?.logId);
    assert.equal(parseCheckpoint(done.proof.checkpoint).origin, shard2.origin);
    const more = await Promise.all(Array.from({ length: 30 }, () => log.append(entry())));
    for (const e of [done, ...more]) await assertProvenIn(shard2, e, spkiOf(newKey), shard2.origin);
  });

  it('keeps every entry of the frozen shard provable against its final checkpoint, signed by the old key', async () => {
    const shard1 = log.shard(1);
    assert.ok(shard1?.frozenAt);
    const cp = parseCheckpoint(await shard1.checkpoint());
    assert.equal(cp.size, frozenSize);
    for (const e of before1) await assertProvenIn(shard1, e, spkiOf(oldKey), ORIGIN);
    const bundle = await shard1.tile('tile/entries/000.p/40');
    assert.ok(bundle.length > 0);
    await assert.rejects(shard1.tile('tile/entries/000.p/41'), (err: unknown) => isSealhouseError(err, 'not_found'));
  });

  it('lets no process grow the frozen tree', async () => {
    const frozen = TreeStore.byId(db.sql, log.shard(1)?.treeId ?? 0);
    await assert.rejects(db.sql.tx((tx) => frozen.lockHead(tx)), (err: unknown) => err instanceof ShardFrozenError);
    // A second process that still only has the old key cannot write anywhere.
    inPlace = [oldKey];
    await assert.rejects(RekorV2Log.open(db.sql, options()), /does not match the key tree .*shard 2/);
    inPlace = [oldKey, newKey];
  });

  it('reopens on shard 2 with both shards known, and follows a second rotation through the watch listener', async () => {
    await log.close();
    inPlace = [newKey];
    log = await RekorV2Log.open(db.sql, options());
    assert.deepEqual(log.shards.map((s) => s.ordinal), [1, 2]);
    assert.equal(log.activeShard.ordinal, 2);
    assert.equal(parseCheckpoint(await log.shard(1)!.checkpoint()).size, frozenSize);
    const third = generateKeyPairSync('ed25519').privateKey;
    await rotateShard(db.sql, REKOR_V2_TREE, spkiOf(third), new Date(Date.now() + 3000));
    inPlace = [third];
    await log.follow(); // what the RotationWatch calls
    assert.equal(log.activeShard.ordinal, 3);
    const e = await log.append(entry());
    assert.equal(e.shard, 3);
    const rows = await logShards(db.sql, REKOR_V2_TREE);
    assert.deepEqual(rows.map((r) => [r.ordinal, r.frozenSize]), [[1, 40], [2, 31], [3, undefined]]);
    assert.deepEqual(rows.map((r) => r.firstIndex), [0, 40, 71]);
  });

  describe('over HTTP', () => {
    let url: string;
    let close: () => Promise<void>;
    before(async () => {
      const app = express();
      app.use(createRekorV2Router({ log, draining: () => false, logger: pino({ level: 'silent' }) }));
      const first = log.shard(1) as RekorV2Shard;
      app.use(createTilesRouter({ prefix: '', log: first }), createTilesRouter({ prefix: '/tlog/v2', log: first }), createShardTilesRouter('', (n) => log.findShard(n)), createShardTilesRouter('/tlog/v2', (n) => log.findShard(n)));
      const server = app.listen(0);
      await new Promise((r) => server.once('listening', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise((r) => server.close(() => r()));
    });
    after(() => close?.());

    it('appends to the active shard from every write URL, old or new', async () => {
      const active = log.activeShard;
      for (const path of ['', '/shards/2', '/shards/3']) {
        const r = await fetch(`${url}${path}/api/v2/log/entries`, { method: 'POST', body: JSON.stringify(v2Request().request) });
        assert.equal(r.status, 201, path);
        const json = (await r.json()) as { logId: { keyId: string }; inclusionProof: { checkpoint: { envelope: string } } };
        assert.equal(json.logId.keyId, active.logId.toString('base64'));
        assert.equal(parseCheckpoint(json.inclusionProof.checkpoint.envelope).origin, active.origin);
      }
      const none = await fetch(`${url}/shards/9/api/v2/log/entries`, { method: 'POST', body: JSON.stringify(v2Request().request) });
      assert.equal(none.status, 404);
      assert.equal(((await none.json()) as { code: number }).code, 5);
    });

    it("serves each shard's checkpoint and tiles at its own path, frozen ones included", async () => {
      for (const [path, ordinal] of [['', 1], ['/tlog/v2', 1], ['/shards/2', 2], ['/tlog/v2/shards/2', 2], ['/shards/3', 3], ['/tlog/v2/shards/3', 3]] as const) {
        const shard = log.shard(ordinal) as RekorV2Shard;
        const r = await fetch(`${url}${path}/checkpoint`);
        assert.equal(r.status, 200, path);
        const cp = parseCheckpoint(await r.text());
        assert.equal(cp.origin, shard.origin);
        verifyCheckpointSignature(nodeCrypto, cp, { logId: shard.logId, spki: shard.spki, names: [shard.origin] });
        const tile = await fetch(`${url}${path}/tile/0/000${cp.size < 256 ? `.p/${cp.size}` : ''}`);
        assert.equal(tile.status, 200, path);
        assert.equal((await tile.arrayBuffer()).byteLength, Math.min(cp.size, 256) * 32);
      }
      assert.equal((await fetch(`${url}/shards/1/checkpoint`)).status, 404);
      assert.equal((await fetch(`${url}/shards/7/checkpoint`)).status, 404);
    });
  });
});
