/**
 * Every leaf-hash lookup of the Rekor v1 log reads a handful of rows, not the whole tree, on a
 * young table that has never been analysed — the state of every new log for its first minutes
 * (autovacuum analyses once a minute at most). There the planner estimates each equality at
 * 0.5 % of the rows, and it used to answer the batch insert's duplicate check with a hash
 * anti-join over every row of the tree, or AND the leaf-hash probe with a primary-key scan of
 * the tree: Postgres' CPU per entry grew with the tree, sixfold within a minute of writing.
 *
 * Counted with pg_stat_get_xact_tuples_returned and pg_stat_xact_user_tables (by OID: on Postgres
 * every test file has its own schema with its own rekor_entries): the reads of the
 * current transaction so far.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findLeafIndexes } from '../../src/storage/log-rows.js';
import { RekorStore } from '../../src/storage/rekor-store.js';
import type { Sql, SqlTx } from '../../src/storage/sql.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { openLog, syntheticEntry } from '../helpers/log.js';

const ROWS = 4_000;

type Reads = {
  /** Index entries read through the primary key (tree_id, idx): all of the tree's rows in a bad plan. */
  byPrimaryKey: number;
  /** Index entries read through the leaf-hash index. */
  byLeafHash: number;
  /** Rows read by sequential scans. */
  sequential: number;
};

async function readsSoFar(tx: SqlTx): Promise<Reads> {
  const [row] = await tx.query<Reads>(
    `SELECT pg_stat_get_xact_tuples_returned('rekor_entries_pkey'::regclass)::int AS "byPrimaryKey",
            pg_stat_get_xact_tuples_returned('rekor_entries_leaf_hash'::regclass)::int AS "byLeafHash",
            (SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relid = 'rekor_entries'::regclass)::int AS sequential`,
  );
  return row as Reads;
}

/** The reads `fn` makes, inside one transaction that is rolled back. */
async function readsOf(db: TestDatabase, fn: (tx: SqlTx) => Promise<unknown>): Promise<Reads> {
  let reads: Reads | undefined;
  await db.sql
    .tx(async (tx) => {
      const before = await readsSoFar(tx);
      await fn(tx);
      const afterwards = await readsSoFar(tx);
      reads = {
        byPrimaryKey: afterwards.byPrimaryKey - before.byPrimaryKey,
        byLeafHash: afterwards.byLeafHash - before.byLeafHash,
        sequential: afterwards.sequential - before.sequential,
      };
      throw new Error('rolled back on purpose');
    })
    .catch((err: unknown) => {
      if (!(err instanceof Error && err.message === 'rolled back on purpose')) throw err;
    });
  return reads as Reads;
}

describe('leaf-hash lookups on a young, unanalysed Rekor v1 table', () => {
  let db: TestDatabase;
  let store: RekorStore;
  let logged: Buffer[];

  before(async () => {
    db = await openTestDatabase();
    const log = await openLog(db.sql);
    await log.append(syntheticEntry('the tree exists'));
    await log.close();
    const [tree] = await db.sql.query<{ tree_id: number }>('SELECT tree_id FROM rekor_entries LIMIT 1');
    const treeId = tree?.tree_id as number;
    store = new RekorStore(db.sql, treeId);
    // Rows of the same tree straight into the table (the lookups read rows, not tiles), and no
    // autovacuum: the planner keeps seeing a table it has no statistics for.
    await db.sql.query('ALTER TABLE rekor_entries SET (autovacuum_enabled = off)');
    await db.sql.query(
      `INSERT INTO rekor_entries (tree_id, idx, leaf_hash, body, integrated_time, set_signature)
       SELECT $1, i, sha256(int8send(i)), convert_to(repeat('x', 400), 'UTF8'), 0, '\\x00'::bytea FROM generate_series(1, $2) AS i`,
      [treeId, ROWS],
    );
    const [stats] = await db.sql.query<{ analysed: boolean }>("SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relid = 'rekor_entries'::regclass");
    assert.equal(stats?.analysed ?? false, false, 'the table must not have been analysed for this test to mean anything');
    const [found] = await db.sql.query<{ hashes: Buffer[] }>('SELECT array_agg(leaf_hash) AS hashes FROM rekor_entries WHERE idx IN (7, 1999, 3333)');
    logged = found?.hashes ?? [];
    assert.equal(logged.length, 3);
  });
  after(async () => db.close());

  const fewRows = (reads: Reads, what: string): void => {
    assert.ok(reads.byLeafHash > 0, `${what} should probe the leaf-hash index: ${JSON.stringify(reads)}`);
    assert.ok(reads.byPrimaryKey < 50, `${what} read ${reads.byPrimaryKey} of ${ROWS} rows through the primary key: ${JSON.stringify(reads)}`);
    assert.equal(reads.sequential, 0, `${what} scanned the table: ${JSON.stringify(reads)}`);
  };

  it("the batch insert's duplicate check probes the leaf-hash index per entry", async () => {
    const fresh = Array.from({ length: 48 }, (_, i) => ({ index: ROWS + 1 + i, leafHash: randomBytes(32), body: Buffer.from(`{"n":${i}}`), integratedTime: 1, setSignature: Buffer.alloc(0) }));
    const rows = [...fresh, { ...(fresh[0] as (typeof fresh)[0]), index: ROWS + 100, leafHash: logged[1] as Buffer }];
    let inserted = -1;
    const reads = await readsOf(db, async (tx) => {
      inserted = await store.insertBatch(tx, rows, [], { treeSize: ROWS + 100, rootHash: Buffer.alloc(32), note: 'n' });
    });
    assert.equal(inserted, fresh.length, 'the already-logged leaf is skipped');
    fewRows(reads, 'the duplicate check');
  });

  it('the duplicate lookup (findLeafIndexes) and the read by leaf hash do too', async () => {
    const asked = [...logged, randomBytes(32)];
    let found = new Map<string, number>();
    fewRows(await readsOf(db, async (tx) => (found = await findLeafIndexes(tx, 'rekor_entries', store.treeId, asked))), 'findLeafIndexes');
    assert.deepEqual([...found.values()].sort((a, b) => a - b), [7, 1999, 3333]);

    let entries: { index: number }[] = [];
    // entriesByLeafHash reads outside transactions; run it on the transaction's connection so
    // that its reads are counted there (it only ever calls query()).
    const reads = await readsOf(db, async (tx) => (entries = await new RekorStore(tx as unknown as Sql, store.treeId).entriesByLeafHash(asked)));
    assert.deepEqual(entries.map((e) => e.index), [7, 1999, 3333]);
    fewRows(reads, 'entriesByLeafHash');
  });
});
