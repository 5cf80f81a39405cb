/**
 * Every SQL statement about Rekor v2 entries: the rows the shared sequencer (log/sequencer.ts)
 * writes inside its batch transaction — entries and the batch's signed checkpoint in one
 * statement — and the reads behind the tiles API and the start-up integrity check. Entries:
 * migrations/0003_rekor_v2.sql; checkpoints share the `checkpoints` table under this tree's ID.
 * A v2 entry has no integrated time and no SET, so those fields of the sequencer's rows are
 * not stored.
 */
import { findLeafIndexes, latestCheckpoint } from '../storage/log-rows.js';
import { packBytes } from '../storage/packed-bytes.js';
import type { NewEntry, NewIndexKeys, StoredCheckpoint } from '../storage/rekor-store.js';
import type { SequencerStore } from '../log/sequencer.js';
import { toBuffer, type Queryable, type Sql, type SqlTx } from '../storage/sql.js';

export interface StoredV2Entry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
}

export class RekorV2Store implements SequencerStore {
  constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** Indexes of the leaf hashes already in the log, keyed by hex leaf hash. */
  findIndexes(q: Queryable, leafHashes: readonly Buffer[]): Promise<Map<string, number>> {
    return findLeafIndexes(q, 'rekor_v2_entries', this.treeId, leafHashes);
  }

  /**
   * A batch's entries and its checkpoint in one statement (one round trip of the batch
   * transaction). An entry already in the tree is skipped (ON CONFLICT on the leaf hash) and
   * the number inserted is returned, so the sequencer knows to roll back and look duplicates up.
   * v2 has no search index: `keys` is ignored.
   */
  async insertBatch(tx: SqlTx, entries: readonly NewEntry[], _keys: readonly NewIndexKeys[], checkpoint: StoredCheckpoint): Promise<number> {
    const bodies = packBytes(entries.map((e) => e.body));
    const [row] = await tx.query<{ inserted: number }>(
      `WITH e AS (
         INSERT INTO rekor_v2_entries (tree_id, idx, leaf_hash, body)
         SELECT $1, x, substring($3::bytea FROM (n::int - 1) * 32 + 1 FOR 32), substring($4::bytea FROM bo + 1 FOR bl)
         FROM unnest($2::bigint[], $5::int[], $6::int[]) WITH ORDINALITY AS u(x, bo, bl, n)
         ON CONFLICT (tree_id, leaf_hash) DO NOTHING
         RETURNING 1),
       c AS (
         INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($1, $7, $8, $9))
       SELECT count(*)::int AS inserted FROM e`,
      [
        this.treeId,
        entries.map((e) => e.index),
        Buffer.concat(entries.map((e) => e.leafHash)),
        bodies.blob,
        bodies.offsets,
        bodies.lengths,
        checkpoint.treeSize,
        checkpoint.rootHash,
        checkpoint.note,
      ],
    );
    return row?.inserted ?? 0;
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return latestCheckpoint(this.sql, this.treeId);
  }

  /** Entries [start, start+count) in index order (entry bundles, the integrity check). */
  async entriesRange(start: number, count: number): Promise<StoredV2Entry[]> {
    const rows = await this.sql.query<{ idx: number; leaf_hash: Buffer; body: Buffer }>(
      'SELECT idx, leaf_hash, body FROM rekor_v2_entries WHERE tree_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx',
      [this.treeId, start, start + count],
    );
    return rows.map((r) => ({ index: r.idx, leafHash: toBuffer(r.leaf_hash), body: toBuffer(r.body) }));
  }
}
