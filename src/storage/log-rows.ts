/**
 * The statements the Rekor v1 and v2 stores share: looking up which leaf hashes a tree already
 * holds (the sequencer's duplicate check) and reading a tree's latest signed checkpoint. The two
 * logs keep their entries in separate tables (rekor_entries, rekor_v2_entries) and their
 * checkpoints in the one `checkpoints` table under their tree IDs.
 */
import { toBuffer, type Queryable } from './sql.js';

/** The entry tables of the Rekor logs; a closed set, since it is written into the SQL. */
export type EntryTable = 'rekor_entries' | 'rekor_v2_entries';

export interface StoredCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** The signed note, exactly as served. */
  readonly note: string;
}

/** Indexes of the leaf hashes already in the tree, keyed by hex leaf hash. */
export async function findLeafIndexes(q: Queryable, table: EntryTable, treeId: number, leafHashes: readonly Buffer[]): Promise<Map<string, number>> {
  if (leafHashes.length === 0) return new Map();
  // One bytea of concatenated hashes, split in SQL: a fixed parameter count whatever the batch size.
  const rows = await q.query<{ idx: number; leaf_hash: Buffer }>(
    `SELECT idx, leaf_hash FROM ${table}
     WHERE tree_id = $1 AND leaf_hash IN (SELECT substring($2::bytea FROM i * 32 + 1 FOR 32) FROM generate_series(0, $3 - 1) AS i)`,
    [treeId, Buffer.concat(leafHashes as Buffer[]), leafHashes.length],
  );
  return new Map(rows.map((r) => [toBuffer(r.leaf_hash).toString('hex'), r.idx]));
}

export function toCheckpoint(row: { tree_size: number; root_hash: Buffer; note: string }): StoredCheckpoint {
  return { treeSize: row.tree_size, rootHash: toBuffer(row.root_hash), note: row.note };
}

/** The tree's newest signed checkpoint, or undefined before its first batch. */
export async function latestCheckpoint(q: Queryable, treeId: number): Promise<StoredCheckpoint | undefined> {
  const [row] = await q.query<{ tree_size: number; root_hash: Buffer; note: string }>(
    'SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_id = $1 ORDER BY tree_size DESC LIMIT 1',
    [treeId],
  );
  return row ? toCheckpoint(row) : undefined;
}
