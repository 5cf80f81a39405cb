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

/**
 * A leaf-hash lookup's rows in one tree: `alias.leaf_hash = hash` and the tree `treeParam`.
 *
 * rekor_entries' leaf-hash index is a hash index on the hash alone (migrations/0009), so there the
 * tree is a filter on the few rows the probe finds, written `tree_id + 0` so that no index can
 * answer it: otherwise the planner may AND the probe with a primary-key scan of every row of the
 * tree, and it did on a young table not yet analysed (each estimated at 0.5 % of the rows) —
 * Postgres' CPU per entry then grew with the tree, sixfold within a minute of writing.
 * rekor_v2_entries' unique index is on (tree_id, leaf_hash) and takes the plain condition.
 */
export function leafInTree(table: EntryTable, alias: string, hash: string, treeParam: string): string {
  const tree = table === 'rekor_entries' ? `${alias}.tree_id + 0 = ${treeParam}` : `${alias}.tree_id = ${treeParam}`;
  return `${alias}.leaf_hash = ${hash} AND ${tree}`;
}

/** Indexes of the leaf hashes already in the tree, keyed by hex leaf hash. */
export async function findLeafIndexes(q: Queryable, table: EntryTable, treeId: number, leafHashes: readonly Buffer[]): Promise<Map<string, number>> {
  if (leafHashes.length === 0) return new Map();
  // One bytea of concatenated hashes, split in SQL: a fixed parameter count whatever the batch size.
  const rows = await q.query<{ idx: number; leaf_hash: Buffer }>(
    // One index probe per hash: LATERAL … OFFSET 0 cannot be flattened into a join, which the
    // planner may otherwise run as a hash join over every row of the tree (see leafInTree).
    `SELECT x.idx, x.leaf_hash FROM generate_series(0, $3 - 1) AS i,
       LATERAL (SELECT d.idx, d.leaf_hash FROM ${table} d
                WHERE ${leafInTree(table, 'd', 'substring($2::bytea FROM i * 32 + 1 FOR 32)', '$1')} OFFSET 0) AS x`,
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
