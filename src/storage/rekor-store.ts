/**
 * Every SQL statement about Rekor entries: the rows written by the sequencer inside its batch
 * transaction (entries with their SETs, search-index keys, checkpoints) and the reads behind
 * the API (by index, by leaf hash, index search, checkpoints).
 */
import { toBuffer, type Queryable, type Sql, type SqlTx } from './sql.js';

export interface NewEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
  readonly indexKeys: readonly string[];
}

export interface StoredEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
}

export interface StoredCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly note: string;
}

type EntryRow = {
  idx: number;
  leaf_hash: Buffer;
  body: Buffer;
  integrated_time: number;
  set_signature: Buffer;
};

const ENTRY_COLUMNS = 'idx, leaf_hash, body, integrated_time, set_signature';

function toEntry(row: EntryRow): StoredEntry {
  return {
    index: row.idx,
    leafHash: toBuffer(row.leaf_hash),
    body: toBuffer(row.body),
    integratedTime: row.integrated_time,
    setSignature: toBuffer(row.set_signature),
  };
}

function toCheckpoint(row: { tree_size: number; root_hash: Buffer; note: string }): StoredCheckpoint {
  return { treeSize: row.tree_size, rootHash: toBuffer(row.root_hash), note: row.note };
}

export class RekorStore {
  constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** Indexes of the leaf hashes already in the log, keyed by hex leaf hash. */
  async findIndexes(q: Queryable, leafHashes: readonly Buffer[]): Promise<Map<string, number>> {
    if (leafHashes.length === 0) return new Map();
    const rows = await q.query<{ idx: number; leaf_hash: Buffer }>(
      'SELECT idx, leaf_hash FROM rekor_entries WHERE tree_id = $1 AND leaf_hash = ANY($2::bytea[])',
      [this.treeId, leafHashes],
    );
    return new Map(rows.map((r) => [toBuffer(r.leaf_hash).toString('hex'), r.idx]));
  }

  async insertEntries(tx: SqlTx, entries: readonly NewEntry[]): Promise<void> {
    await tx.query(
      `INSERT INTO rekor_entries (tree_id, ${ENTRY_COLUMNS})
       SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bigint[], $6::bytea[])`,
      [
        this.treeId,
        entries.map((e) => e.index),
        entries.map((e) => e.leafHash),
        entries.map((e) => e.body),
        entries.map((e) => e.integratedTime),
        entries.map((e) => e.setSignature),
      ],
    );
    const keys: string[] = [];
    const indexes: number[] = [];
    for (const e of entries) {
      for (const key of new Set(e.indexKeys.map((k) => k.toLowerCase()))) {
        keys.push(key);
        indexes.push(e.index);
      }
    }
    if (keys.length > 0) {
      await tx.query(
        `INSERT INTO rekor_index_keys (key, tree_id, idx)
         SELECT k, $1, i FROM unnest($2::text[], $3::bigint[]) AS t(k, i) ON CONFLICT DO NOTHING`,
        [this.treeId, keys, indexes],
      );
    }
  }

  async insertCheckpoint(tx: SqlTx, checkpoint: StoredCheckpoint): Promise<void> {
    await tx.query('INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($1, $2, $3, $4)', [
      this.treeId,
      checkpoint.treeSize,
      checkpoint.rootHash,
      checkpoint.note,
    ]);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.sql.query<{ tree_size: number; root_hash: Buffer; note: string }>(
      'SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_id = $1 ORDER BY tree_size DESC LIMIT 1',
      [this.treeId],
    );
    return row ? toCheckpoint(row) : undefined;
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const rows = await this.sql.query<{ tree_size: number; root_hash: Buffer; note: string }>(
      'SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_id = $1 ORDER BY tree_size',
      [this.treeId],
    );
    return rows.map(toCheckpoint);
  }

  async entriesByIndex(indexes: readonly number[]): Promise<StoredEntry[]> {
    if (indexes.length === 0) return [];
    const rows = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM rekor_entries WHERE tree_id = $1 AND idx = ANY($2::bigint[]) ORDER BY idx`,
      [this.treeId, indexes],
    );
    return rows.map(toEntry);
  }

  async entriesByLeafHash(leafHashes: readonly Buffer[]): Promise<StoredEntry[]> {
    if (leafHashes.length === 0) return [];
    const rows = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM rekor_entries WHERE tree_id = $1 AND leaf_hash = ANY($2::bytea[]) ORDER BY idx`,
      [this.treeId, leafHashes],
    );
    return rows.map(toEntry);
  }

  /** Entries [start, start+count) in index order (entry bundles, monitors). */
  async entriesRange(start: number, count: number): Promise<StoredEntry[]> {
    const rows = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM rekor_entries WHERE tree_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
      [this.treeId, start, start + count],
    );
    return rows.map(toEntry);
  }

  /**
   * Leaf hashes of the entries matching search keys (already lower-cased): `or` is the union,
   * `and` the intersection. Ordered by index so that pages over the result are stable.
   */
  async searchIndex(keys: readonly string[], operator: 'and' | 'or', limit: number): Promise<Buffer[]> {
    if (keys.length === 0) return [];
    const unique = [...new Set(keys)];
    const matching =
      operator === 'or'
        ? 'SELECT DISTINCT idx FROM rekor_index_keys WHERE tree_id = $1 AND key = ANY($2::text[])'
        : `SELECT idx FROM rekor_index_keys WHERE tree_id = $1 AND key = ANY($2::text[])
           GROUP BY idx HAVING count(*) = ${unique.length}`;
    const rows = await this.sql.query<{ leaf_hash: Buffer }>(
      `SELECT e.leaf_hash FROM rekor_entries e JOIN (${matching}) m ON m.idx = e.idx
       WHERE e.tree_id = $1 ORDER BY e.idx LIMIT $3`,
      [this.treeId, unique, limit],
    );
    return rows.map((r) => toBuffer(r.leaf_hash));
  }
}
