/**
 * Stored inner levels of full tiles (migrations/0008, src/merkle/subtree.ts innerLevels): written
 * with a tile when it completes, backfilled by the migration for trees written before it, and
 * used by proofs served from a cold cache — which must verify exactly as before. Runs on PGlite,
 * and on Postgres when DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { nodeSha256 } from '../../src/node-crypto.js';
import { EMPTY_EDGE, integrate } from '../../src/merkle/integrate.js';
import { proveConsistency, proveInclusion } from '../../src/merkle/prove.js';
import { INNER_HASHES, innerLevels, splitHashes } from '../../src/merkle/subtree.js';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import type { Sql } from '../../src/storage/sql.js';
import { toBuffer } from '../../src/storage/sql.js';
import { TreeStore } from '../../src/storage/tree-store.js';
import { AuditStore } from '../../src/storage/audit-store.js';
import { Findings, auditTree, type AuditHead, type AuditLeaf } from '../../src/storage/tree-audit.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';

const leaf = (i: number): Buffer => createHash('sha256').update(`leaf ${i}`).digest();


async function innerOf(sql: Sql, treeId: number): Promise<Map<string, { hashes: Buffer; inner: Buffer | null }>> {
  const rows = await sql.query<{ level: number; idx: number; hashes: Buffer; inner_hashes: Buffer | null }>(
    'SELECT level, idx, hashes, inner_hashes FROM tiles WHERE tree_id = $1',
    [treeId],
  );
  return new Map(rows.map((r) => [`${r.level}/${r.idx}`, { hashes: toBuffer(r.hashes), inner: r.inner_hashes === null ? null : toBuffer(r.inner_hashes) }]));
}

function checkInner(tiles: Map<string, { hashes: Buffer; inner: Buffer | null }>): number {
  let full = 0;
  for (const [key, t] of tiles) {
    if (t.hashes.length < 256 * 32) {
      assert.equal(t.inner, null, `partial tile ${key} has no inner levels`);
      continue;
    }
    full++;
    assert.ok(t.inner, `full tile ${key} has inner levels`);
    assert.equal(t.inner.length, INNER_HASHES * 32);
    assert.ok(t.inner.equals(innerLevels(splitHashes(t.hashes, 256)).inner), `tile ${key}: stored inner levels are the tile's`);
  }
  return full;
}

describe('tile inner levels (migrations/0008)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase(loadMigrations().filter((m) => m.version < 8));
  });
  after(async () => db.close());

  it('the migration backfills every full tile of a tree written before it, and leaves partial tiles NULL', async () => {
    const { sql } = db;
    await sql.query("INSERT INTO trees (tree_id, log_name, tree_size, root_hash) VALUES (7, 'old', 0, $1)", [Buffer.alloc(32)]);
    // 256·256 + 300 leaves: full level-0 tiles, one full level-1 tile, partial tiles on both levels.
    const size = 256 * 256 + 300;
    const result = integrate(EMPTY_EDGE, Array.from({ length: size }, (_, i) => leaf(i)));
    for (const t of result.tiles) {
      await sql.query('INSERT INTO tiles (tree_id, level, idx, hashes) VALUES (7, $1, $2, $3)', [t.level, t.index, Buffer.concat(t.hashes as Buffer[])]);
    }
    await sql.query('UPDATE trees SET tree_size = $1, root_hash = $2 WHERE tree_id = 7', [size, result.rootHash]);
    await migrate(sql);
    const tiles = await innerOf(sql, 7);
    assert.equal(checkInner(tiles), 258, '257 full level-0 tiles and one full level-1 tile were backfilled');

    // Proofs from a fresh (cold) store read the backfilled levels and still verify.
    const store = TreeStore.byId(sql, 7);
    for (const index of [0, 255, 256, 40_000, size - 1]) {
      const proof = await proveInclusion(index, size, store);
      verifyInclusion(nodeSha256, index, size, leaf(index), proof, result.rootHash);
    }
  });

  it('a tile is written with its inner levels when it completes, and cold proofs verify', async () => {
    const { sql } = db;
    const store = await TreeStore.open(sql, 'fresh');
    const roots: { size: number; root: Buffer }[] = [];
    let next = 0;
    for (const batch of [1, 254, 1, 300, 513, 7]) {
      const leaves = Array.from({ length: batch }, () => leaf(next++));
      const root = await sql.tx(async (tx) => (await store.append(tx, await store.lockHead(tx), leaves)).rootHash);
      roots.push({ size: next, root });
    }
    assert.equal(checkInner(await innerOf(sql, store.treeId)), 4, 'leaves 0..1023 fill four level-0 tiles');

    const cold = TreeStore.byId(sql, store.treeId);
    const last = roots[roots.length - 1] as { size: number; root: Buffer };
    for (const index of [0, 1, 128, 255, 256, 700, 1023, last.size - 1]) {
      verifyInclusion(nodeSha256, index, last.size, leaf(index), await proveInclusion(index, last.size, cold), last.root);
    }
    for (let i = 1; i < roots.length; i++) {
      const from = roots[i - 1] as { size: number; root: Buffer };
      const to = roots[i] as { size: number; root: Buffer };
      verifyConsistency(nodeSha256, from.size, to.size, from.root, to.root, await proveConsistency(from.size, to.size, TreeStore.byId(sql, store.treeId)));
    }
  });

  it('fsck names a full tile whose stored inner levels are wrong or missing', async () => {
    const { sql } = db;
    const store = await TreeStore.open(sql, 'audited');
    const size = 600;
    await sql.tx(async (tx) => store.append(tx, await store.lockHead(tx), Array.from({ length: size }, (_, i) => leaf(i))));
    const [row] = await sql.query<{ inner_hashes: Buffer }>('SELECT inner_hashes FROM tiles WHERE tree_id = $1 AND level = 0 AND idx = 1', [store.treeId]);
    const edited = Buffer.from(toBuffer(row?.inner_hashes as Buffer));
    edited[40 * 32] = (edited[40 * 32] as number) ^ 1;
    await sql.query('UPDATE tiles SET inner_hashes = $2 WHERE tree_id = $1 AND level = 0 AND idx = 1', [store.treeId, edited]);
    await sql.query('UPDATE tiles SET inner_hashes = NULL WHERE tree_id = $1 AND level = 0 AND idx = 0', [store.treeId]);
    const audit = async (): Promise<Findings> =>
      sql.tx(async (tx) => {
        const findings = new Findings();
        const head = await store.head(tx);
        async function* leaves(): AsyncGenerator<AuditLeaf[]> {
          yield Array.from({ length: size }, (_, i) => ({ index: i, fromData: leaf(i), column: leaf(i) }));
        }
        async function* heads(): AsyncGenerator<AuditHead[]> {
          yield [{ treeSize: head.treeSize, rootHash: head.rootHash, key: `tree_size ${head.treeSize}` }];
        }
        await auditTree({ store: new AuditStore(tx), treeId: store.treeId, head, entryTable: 'rekor_entries', headTable: 'checkpoints', leaves: leaves(), heads: heads(), findings });
        return findings;
      });
    const findings = await audit();
    assert.deepEqual(
      findings.kept.map((f) => [f.table, f.key, f.found === 'NULL' ? 'NULL' : 'wrong']),
      [
        ['tiles', `tree ${store.treeId}, level 0, idx 0 (inner_hashes)`, 'NULL'],
        ['tiles', `tree ${store.treeId}, level 0, idx 1 (inner_hashes)`, 'wrong'],
      ],
    );
    assert.match(findings.kept[1]?.expected ?? '', /^inner hash 40 = /);
  });

  it('search-index keys are no longer unique rows but are still found by key hash', async () => {
    const { sql } = db;
    const key = Buffer.alloc(16, 9);
    await sql.query('INSERT INTO rekor_index_keys (key_hash, tree_id, idx) VALUES ($1, 1, 5), ($1, 1, 6)', [key]);
    const rows = await sql.query<{ idx: number }>('SELECT idx FROM rekor_index_keys WHERE key_hash = $1 AND tree_id = 1 ORDER BY idx', [key]);
    assert.deepEqual(rows.map((r) => Number(r.idx)), [5, 6]);
  });
});
