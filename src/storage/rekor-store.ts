/**
 * Every SQL statement about Rekor entries: the rows written by the sequencer inside its batch
 * transaction (entries with their SETs, search-index keys, checkpoints — one statement) and the
 * reads behind the API (by index, by leaf hash, index search, checkpoints).
 */
import { createHash } from 'node:crypto';
import { packBody, unpackBody } from './entry-body-codec.js';
import { findLeafIndexes, latestCheckpoint, leafInTree, toCheckpoint, type StoredCheckpoint } from './log-rows.js';
import { packBytes } from './packed-bytes.js';
import { toBuffer, type Queryable, type Sql, type SqlTx } from './sql.js';

export interface NewEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
}

export interface NewIndexKeys {
  readonly index: number;
  readonly indexKeys: readonly string[];
}

export interface StoredEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
}

export type { StoredCheckpoint };

type EntryRow = {
  idx: number;
  leaf_hash: Buffer;
  body: Buffer;
  integrated_time: number;
  set_signature: Buffer;
};

/** How a (lower-cased) search key is stored: the first 16 bytes of its SHA-256. */
export function indexKeyHash(key: string): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, 16);
}

const ENTRY_COLUMNS = 'idx, leaf_hash, body, integrated_time, set_signature';
/** The batch insert's duplicate check: row d of this tree holds the leaf hash of unnest row n. */
const LEAF_ALREADY_IN_TREE = leafInTree('rekor_entries', 'd', 'substring($3::bytea FROM (n::int - 1) * 32 + 1 FOR 32)', '$1');

function toEntry(row: EntryRow): StoredEntry {
  return {
    index: row.idx,
    leafHash: toBuffer(row.leaf_hash),
    body: unpackBody(toBuffer(row.body)),
    integratedTime: row.integrated_time,
    setSignature: toBuffer(row.set_signature),
  };
}


export class RekorStore {
  constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** Indexes of the leaf hashes already in the log, keyed by hex leaf hash. */
  findIndexes(q: Queryable, leafHashes: readonly Buffer[]): Promise<Map<string, number>> {
    return findLeafIndexes(q, 'rekor_entries', this.treeId, leafHashes);
  }

  /**
   * A batch's rows in one statement — one round trip inside the batch transaction, which under
   * load costs an event-loop turn of the busy HTTP process each: the entries with their SETs,
   * their search-index keys (each stored as indexKeyHash(key), see migrations/0001_log.sql) and
   * the batch's checkpoint. An entry whose body is already in the tree is skipped (NOT EXISTS on
   * the leaf hash) and the number actually inserted is returned, so a caller that did not look
   * for duplicates first can tell that it must (and roll back). The leaf-hash index is not unique
   * (a hash index, migrations/0009): this check is what keeps a leaf once per tree, and it is
   * exact only because the caller holds the tree's head lock (TreeStore.lockHead), which every
   * writer of the tree takes before inserting; the sequencer removes repeats within a batch.
   *
   * The check is a probe of the leaf-hash index per entry whatever the table's statistics say:
   * `OFFSET 0` keeps it a subplan (flattened, the planner ran it as a hash anti-join over every
   * row of the tree while a young log's statistics lagged, Postgres' CPU per entry tripling over
   * 30,000 entries) and leafInTree keeps the primary key out of the probe.
   */
  async insertBatch(tx: SqlTx, entries: readonly NewEntry[], keys: readonly NewIndexKeys[], checkpoint: StoredCheckpoint): Promise<number> {
    // Stored packed (entry-body-codec.ts): the same bytes come back, in about 40 % of the room.
    const bodies = packBytes(entries.map((e) => packBody(e.body)));
    const sets = packBytes(entries.map((e) => e.setSignature));
    const keyHashes: Buffer[] = [];
    const keyIndexes: number[] = [];
    for (const e of keys) {
      for (const key of new Set(e.indexKeys.map((k) => k.toLowerCase()))) {
        keyHashes.push(indexKeyHash(key));
        keyIndexes.push(e.index);
      }
    }
    const [row] = await tx.query<{ inserted: number }>(
      `WITH e AS (
         INSERT INTO rekor_entries (tree_id, ${ENTRY_COLUMNS})
         SELECT $1, x, substring($3::bytea FROM (n::int - 1) * 32 + 1 FOR 32), substring($4::bytea FROM bo + 1 FOR bl), t,
                substring($5::bytea FROM so + 1 FOR sl)
         FROM unnest($2::bigint[], $6::int[], $7::int[], $8::bigint[], $9::int[], $10::int[]) WITH ORDINALITY AS u(x, bo, bl, t, so, sl, n)
         WHERE NOT EXISTS (SELECT 1 FROM rekor_entries d WHERE ${LEAF_ALREADY_IN_TREE} OFFSET 0)
         RETURNING 1),
       k AS (
         INSERT INTO rekor_index_keys (key_hash, tree_id, idx)
         SELECT substring($11::bytea FROM (n::int - 1) * 16 + 1 FOR 16), $1, i
         FROM unnest($12::bigint[]) WITH ORDINALITY AS t(i, n)),
       c AS (
         INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($1, $13, $14, $15))
       SELECT count(*)::int AS inserted FROM e`,
      [
        this.treeId,
        entries.map((e) => e.index),
        Buffer.concat(entries.map((e) => e.leafHash)),
        bodies.blob,
        sets.blob,
        bodies.offsets,
        bodies.lengths,
        entries.map((e) => e.integratedTime),
        sets.offsets,
        sets.lengths,
        Buffer.concat(keyHashes),
        keyIndexes,
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
      `SELECT ${ENTRY_COLUMNS} FROM rekor_entries e WHERE ${leafInTree('rekor_entries', 'e', 'ANY($2::bytea[])', '$1')} ORDER BY idx`,
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
   * Leaf hashes of the entries matching search keys (already lower-cased). Each group lists
   * alternative keys for one request field: `or` unites every hit, `and` keeps entries that hit
   * every group. Ordered by index so that pages over the result are stable.
   */
  async searchIndex(groups: readonly (readonly string[])[], operator: 'and' | 'or', limit: number): Promise<Buffer[]> {
    if (groups.length === 0) return [];
    const hashes: Buffer[] = [];
    const groupOf: number[] = [];
    groups.forEach((keys, g) => {
      for (const key of new Set(keys.map((k) => k.toLowerCase()))) {
        hashes.push(indexKeyHash(key));
        groupOf.push(g);
      }
    });
    const required = operator === 'and' ? groups.length : 1;
    const rows = await this.sql.query<{ leaf_hash: Buffer }>(
      `WITH wanted AS (
         SELECT substring($2::bytea FROM (n::int - 1) * 16 + 1 FOR 16) AS key_hash, g
         FROM unnest($3::int[]) WITH ORDINALITY AS t(g, n)),
       hits AS (
         SELECT k.idx FROM rekor_index_keys k JOIN wanted w ON w.key_hash = k.key_hash
         WHERE k.tree_id = $1 GROUP BY k.idx HAVING count(DISTINCT w.g) >= $4)
       SELECT e.leaf_hash FROM rekor_entries e JOIN hits h ON h.idx = e.idx
       WHERE e.tree_id = $1 ORDER BY e.idx LIMIT $5`,
      [this.treeId, Buffer.concat(hashes), groupOf, required, limit],
    );
    return rows.map((r) => toBuffer(r.leaf_hash));
  }
}
