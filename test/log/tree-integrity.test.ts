/**
 * The log refuses to sign over a tree it cannot vouch for (issue 10 item 3): an edited tile
 * row, entry row, head row or checkpoint row stops writes — with a 503-class error naming the
 * row — and no further checkpoint is signed, while reads keep working. Each case starts from a
 * fresh database with a few committed batches, edits one row behind the log's back, and then
 * either writes through the same LogService (its cached edge) or opens a new one (a restart, or
 * another process loading the edge from the tiles).
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogService } from '../../src/log/log-service.js';
import type { LogKey } from '../../src/log/log-key.js';
import type { Sql } from '../../src/storage/sql.js';
import { TreeIntegrityError } from '../../src/storage/tree-integrity.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freshLogKey, openLog, syntheticEntry } from '../helpers/log.js';

interface Fixture {
  db: TestDatabase;
  key: LogKey;
  log: LogService;
  treeId: number;
}

// One database for the file (opening one is slow); each case empties it and starts a new tree.
let shared: TestDatabase;
const logs: LogService[] = [];
before(async () => {
  shared = await openTestDatabase();
});
after(() => shared.close());
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => undefined);
  await shared.sql.exec('DELETE FROM rekor_index_keys; DELETE FROM rekor_entries; DELETE FROM checkpoints; DELETE FROM tiles; DELETE FROM log_shards; DELETE FROM trees;');
});

/** A log with `count` entries appended in several batches (so there are several checkpoints). */
async function logWith(count: number): Promise<Fixture> {
  const db = shared;
  const key = freshLogKey();
  const log = await openLog(db.sql, { key, maxBatch: 7 });
  logs.push(log);
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(syntheticEntry(`integrity ${i}`))));
  return { db, key, log, treeId: log.treeId };
}

async function reopen(f: Fixture, onProblem?: (err: TreeIntegrityError) => void): Promise<LogService> {
  const log = await openLog(f.db.sql, { key: f.key, maxBatch: 7, ...(onProblem ? { onIntegrityProblem: onProblem } : {}) });
  logs.push(log);
  return log;
}

async function checkpointCount(sql: Sql, treeId: number): Promise<number> {
  const [row] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM checkpoints WHERE tree_id = $1', [treeId]);
  return row?.n ?? -1;
}

/** Flip one bit of hash `hashIndex` of tile (level, idx). */
async function editTile(sql: Sql, treeId: number, level: number, idx: number, hashIndex: number): Promise<void> {
  const [row] = await sql.query<{ hashes: Buffer }>('SELECT hashes FROM tiles WHERE tree_id = $1 AND level = $2 AND idx = $3', [treeId, level, idx]);
  assert.ok(row, `tile ${level}/${idx} exists`);
  const hashes = Buffer.from(row.hashes);
  hashes[hashIndex * 32] = (hashes[hashIndex * 32] as number) ^ 0x01;
  await sql.query('UPDATE tiles SET hashes = $4 WHERE tree_id = $1 AND level = $2 AND idx = $3', [treeId, level, idx, hashes]);
}

/** The next write is refused with the integrity error, and nothing new is signed or stored. */
async function assertWritesRefused(f: Fixture, log: LogService, rowPattern: RegExp): Promise<TreeIntegrityError> {
  const checkpoints = await checkpointCount(f.db.sql, f.treeId);
  const before = await log.info();
  const refused = await log.append(syntheticEntry('after the edit')).then(
    () => assert.fail('a write over an edited tree was accepted'),
    (err: unknown) => err,
  );
  assert.ok(refused instanceof TreeIntegrityError, `refused with a TreeIntegrityError, got ${String(refused)}`);
  assert.equal(refused.code, 'unavailable', 'mapped to 503 by the HTTP error table');
  assert.match(refused.detail.row, rowPattern);
  assert.match(refused.message, /accepts no new entries/);
  // It sticks: a second write is refused up front, without a batch.
  await assert.rejects(log.append(syntheticEntry('again')), TreeIntegrityError);
  assert.equal(await checkpointCount(f.db.sql, f.treeId), checkpoints, 'no new checkpoint was signed');
  assert.deepEqual((await log.info()).treeSize, before.treeSize, 'the tree did not grow');
  assert.ok(log.integrityProblem, 'the log reports the problem (for /readyz)');
  // Reads still work.
  const entry = await log.entryByIndex(0);
  assert.equal(entry?.index, 0);
  return refused;
}

describe('the log refuses to sign over a tree it cannot vouch for', () => {
  it('control: a clean restart vouches for the tree and keeps accepting writes', async () => {
    const f = await logWith(20);
    const log = await reopen(f);
    assert.equal(log.integrityProblem, undefined);
    const r = await log.append(syntheticEntry('after a clean restart'));
    assert.equal(r.index, 20);
  });

  it('an edited rightmost tile is caught by the same process when it writes (the tile write would rewrite history)', async () => {
    const f = await logWith(20);
    await editTile(f.db.sql, f.treeId, 0, 0, 5);
    const err = await assertWritesRefused(f, f.log, /^tiles \(level 0, idx 0\) hash 5$/);
    assert.notEqual(err.detail.expected, err.detail.found);
  });

  it('an edited rightmost tile is caught at start, naming the tile hash and the entry it should hold', async () => {
    const f = await logWith(20);
    await editTile(f.db.sql, f.treeId, 0, 0, 12);
    const logged: TreeIntegrityError[] = [];
    const log = await reopen(f, (e) => logged.push(e));
    assert.equal(logged.length, 1, 'the problem is reported once, at start');
    assert.match(logged[0]?.message ?? '', /rekor_entries idx 12/);
    await assertWritesRefused(f, log, /^tiles \(level 0, idx 0\) hash 12$/);
  });

  it('an edited entry row is caught at start: its body no longer hashes to its leaf hash', async () => {
    const f = await logWith(20);
    await f.db.sql.query(`UPDATE rekor_entries SET body = convert_to('{"edited":true}', 'UTF8') WHERE tree_id = $1 AND idx = 17`, [f.treeId]);
    const log = await reopen(f);
    await assertWritesRefused(f, log, /^rekor_entries idx 17 leaf_hash$/);
  });

  it('an edited head row is caught by the same process before its next batch', async () => {
    const f = await logWith(20);
    await f.db.sql.query('UPDATE trees SET root_hash = $2 WHERE tree_id = $1', [f.treeId, Buffer.alloc(32, 7)]);
    await assertWritesRefused(f, f.log, /^trees\.root_hash/);
  });

  it('an edited head row is caught at start: the tiles do not reproduce it', async () => {
    const f = await logWith(20);
    await f.db.sql.query('UPDATE trees SET root_hash = $2 WHERE tree_id = $1', [f.treeId, Buffer.alloc(32, 7)]);
    const log = await reopen(f);
    await assertWritesRefused(f, log, /vs trees\.root_hash$/);
  });

  it('a latest checkpoint that is not the head is caught at start', async () => {
    const f = await logWith(20);
    await f.db.sql.query('DELETE FROM checkpoints WHERE tree_id = $1 AND tree_size = 20', [f.treeId]);
    const log = await reopen(f);
    await assertWritesRefused(f, log, /^checkpoints \(tree_size \d+\) vs trees$/);
  });

  it('an edited higher-level tile on the right edge is caught at start', async () => {
    const f = await logWith(300); // 256 leaves make level-1 tile 0 hold one hash
    await editTile(f.db.sql, f.treeId, 1, 0, 0);
    const log = await reopen(f);
    await assertWritesRefused(f, log, /^tiles \(level 0, idx 1, width 44\) \(level 1, idx 0, width 1\) vs trees\.root_hash$/);
  });
});
