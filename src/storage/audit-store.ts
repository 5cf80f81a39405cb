/**
 * The reads behind `sealhouse fsck`, all inside one read-only REPEATABLE READ transaction so the
 * audit sees one consistent snapshot even while a server appends. Every table is read in pages
 * by its primary key (bounded memory on a large log); the search-index keys, whose primary key
 * does not start at the entry index, through a cursor ordered by index.
 */
import { StoredBodyError, unpackBody } from './entry-body-codec.js';
import { toBuffer, type Sql, type SqlTx } from './sql.js';

export interface AuditTree {
  readonly treeId: number;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** DER SPKI bound at first start, or undefined if no process ever signed for the tree. */
  readonly publicKey: Buffer | undefined;
}

export interface AuditRekorRow {
  readonly index: number;
  readonly leafHash: Buffer;
  /** The body's exact bytes, or the stored bytes as they are when bodyProblem says why they do not decode. */
  readonly body: Buffer;
  readonly bodyProblem?: string;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
}

export interface AuditCtRow {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly leafInput: Buffer;
}

export interface AuditCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly note: string;
}

export interface AuditSth {
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: Buffer;
  readonly signature: Buffer;
}

/** Run `fn` over one read-only snapshot of the database. */
export function withAuditSnapshot<T>(sql: Sql, fn: (store: AuditStore) => Promise<T>): Promise<T> {
  return sql.tx(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return fn(new AuditStore(tx));
  });
}

/** One shard's tree as the audit reads it: its name in trees, its ordinal and its first global index. */
export interface ShardTree {
  readonly name: string;
  readonly ordinal: number;
  readonly firstIndex: number;
  /** Its own base URL, when served under a host name of its own (migrations/0007). */
  readonly baseUrl?: string;
}

export class AuditStore {
  private cursors = 0;

  constructor(private readonly tx: SqlTx) {}

  /**
   * The trees of a log's shards, oldest first (storage/log-shards.ts): each by its name in trees
   * and its first global index. A log whose shards were never recorded has its one tree.
   */
  async shardTrees(logName: string): Promise<ShardTree[]> {
    const rows = await this.tx.query<{ log_name: string; ordinal: number; first_index: number; base_url: string | null }>(
      'SELECT t.log_name, s.ordinal, s.first_index, s.base_url FROM log_shards s JOIN trees t ON t.tree_id = s.tree_id WHERE s.log_name = $1 ORDER BY s.ordinal',
      [logName],
    );
    if (rows.length === 0) return [{ name: logName, ordinal: 1, firstIndex: 0 }];
    return rows.map((r) => ({ name: r.log_name, ordinal: Number(r.ordinal), firstIndex: Number(r.first_index), ...(r.base_url ? { baseUrl: r.base_url } : {}) }));
  }

  async tree(logName: string): Promise<AuditTree | undefined> {
    const [row] = await this.tx.query<{ tree_id: number; tree_size: number; root_hash: Buffer; public_key: Buffer | null }>(
      'SELECT tree_id, tree_size, root_hash, public_key FROM trees WHERE log_name = $1',
      [logName],
    );
    if (!row) return undefined;
    return { treeId: row.tree_id, treeSize: row.tree_size, rootHash: toBuffer(row.root_hash), publicKey: row.public_key ? toBuffer(row.public_key) : undefined };
  }

  async rekorEntries(treeId: number, fromIndex: number, limit: number): Promise<AuditRekorRow[]> {
    const rows = await this.tx.query<{ idx: number; leaf_hash: Buffer; body: Buffer; integrated_time: number; set_signature: Buffer }>(
      `SELECT idx, leaf_hash, body, integrated_time, set_signature FROM rekor_entries
       WHERE tree_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3`,
      [treeId, fromIndex, limit],
    );
    return rows.map((r) => ({
      index: r.idx,
      leafHash: toBuffer(r.leaf_hash),
      ...storedBody(toBuffer(r.body)),
      integratedTime: r.integrated_time,
      setSignature: toBuffer(r.set_signature),
    }));
  }

  /**
   * Leaf hashes stored more than once in a Rekor v1 tree, with their indexes (at most `limit`).
   * Since migrations/0009 the leaf-hash index is not unique: the head lock keeps leaves unique,
   * and this is the check that it did. One hash aggregate over the tree (spills to disk on a
   * large one, bounded memory).
   */
  async duplicateRekorLeaves(treeId: number, limit: number): Promise<{ leafHash: Buffer; indexes: number[] }[]> {
    const rows = await this.tx.query<{ leaf_hash: Buffer; indexes: number[] | string }>(
      `SELECT leaf_hash, array_agg(idx ORDER BY idx) AS indexes FROM rekor_entries WHERE tree_id = $1
       GROUP BY leaf_hash HAVING count(*) > 1 ORDER BY min(idx) LIMIT $2`,
      [treeId, limit],
    );
    return rows.map((r) => ({ leafHash: toBuffer(r.leaf_hash), indexes: (Array.isArray(r.indexes) ? r.indexes : String(r.indexes).replace(/[{}]/g, '').split(',')).map(Number) }));
  }

  /** Rekor v2 entries (migrations/0003): index, leaf hash and body, no SET. */
  async rekorV2Entries(treeId: number, fromIndex: number, limit: number): Promise<{ index: number; leafHash: Buffer; body: Buffer }[]> {
    const rows = await this.tx.query<{ idx: number; leaf_hash: Buffer; body: Buffer }>(
      'SELECT idx, leaf_hash, body FROM rekor_v2_entries WHERE tree_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
      [treeId, fromIndex, limit],
    );
    return rows.map((r) => ({ index: r.idx, leafHash: toBuffer(r.leaf_hash), body: toBuffer(r.body) }));
  }

  async ctEntries(treeId: number, fromIndex: number, limit: number): Promise<AuditCtRow[]> {
    const rows = await this.tx.query<{ idx: number; leaf_hash: Buffer; leaf_input: Buffer }>(
      'SELECT idx, leaf_hash, leaf_input FROM ct_entries WHERE tree_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
      [treeId, fromIndex, limit],
    );
    return rows.map((r) => ({ index: r.idx, leafHash: toBuffer(r.leaf_hash), leafInput: toBuffer(r.leaf_input) }));
  }

  async checkpoints(treeId: number, afterSize: number, limit: number): Promise<AuditCheckpoint[]> {
    const rows = await this.tx.query<{ tree_size: number; root_hash: Buffer; note: string }>(
      'SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_id = $1 AND tree_size > $2 ORDER BY tree_size LIMIT $3',
      [treeId, afterSize, limit],
    );
    return rows.map((r) => ({ treeSize: r.tree_size, rootHash: toBuffer(r.root_hash), note: r.note }));
  }

  async sths(treeId: number, afterSize: number, limit: number): Promise<AuditSth[]> {
    const rows = await this.tx.query<{ tree_size: number; timestamp_ms: number; root_hash: Buffer; signature: Buffer }>(
      'SELECT tree_size, timestamp_ms, root_hash, signature FROM ct_sths WHERE tree_id = $1 AND tree_size > $2 ORDER BY tree_size LIMIT $3',
      [treeId, afterSize, limit],
    );
    return rows.map((r) => ({ treeSize: r.tree_size, timestamp: r.timestamp_ms, rootHash: toBuffer(r.root_hash), signature: toBuffer(r.signature) }));
  }

  /** Stored tiles by coordinate ("level/idx" → bytes); absent ones are missing from the map. */
  async tiles(treeId: number, coords: readonly { level: number; index: number }[]): Promise<Map<string, Buffer>> {
    if (coords.length === 0) return new Map();
    const rows = await this.tx.query<{ level: number; idx: number; hashes: Buffer }>(
      `SELECT level, idx, hashes FROM tiles
       WHERE tree_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
      [treeId, coords.map((c) => c.level), coords.map((c) => c.index)],
    );
    return new Map(rows.map((r) => [`${r.level}/${r.idx}`, toBuffer(r.hashes)]));
  }

  /** Stored inner levels of tiles by coordinate ("level/idx" → bytes, or null where none are stored). */
  async innerHashes(treeId: number, coords: readonly { level: number; index: number }[]): Promise<Map<string, Buffer | null>> {
    if (coords.length === 0) return new Map();
    const rows = await this.tx.query<{ level: number; idx: number; inner_hashes: Buffer | null }>(
      `SELECT level, idx, inner_hashes FROM tiles
       WHERE tree_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
      [treeId, coords.map((c) => c.level), coords.map((c) => c.index)],
    );
    return new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.inner_hashes === null ? null : toBuffer(r.inner_hashes)]));
  }

  /** Per level: how many tile rows exist and the highest index (to find rows beyond the tree). */
  async tileCounts(treeId: number): Promise<{ level: number; count: number; maxIndex: number }[]> {
    return this.tx.query<{ level: number; count: number; maxIndex: number }>(
      'SELECT level, count(*)::int AS count, max(idx) AS "maxIndex" FROM tiles WHERE tree_id = $1 GROUP BY level ORDER BY level',
      [treeId],
    );
  }

  /** Tile rows of `level` at or beyond `fromIndex` (rows the tree does not have), at most `limit`. */
  async tilesFrom(treeId: number, level: number, fromIndex: number, limit: number): Promise<number[]> {
    const rows = await this.tx.query<{ idx: number }>('SELECT idx FROM tiles WHERE tree_id = $1 AND level = $2 AND idx >= $3 ORDER BY idx LIMIT $4', [
      treeId,
      level,
      fromIndex,
      limit,
    ]);
    return rows.map((r) => r.idx);
  }

  /**
   * The search-index keys of a tree in index order, `pageSize` rows at a time. A cursor, because
   * the table's key (key_hash, tree_id, idx) gives no cheap range by index; the sort happens
   * once, on the server.
   */
  async *indexKeys(treeId: number, pageSize: number): AsyncGenerator<{ index: number; keyHash: Buffer }[]> {
    // DECLARE takes no bind parameters; tree IDs are safe integers from the trees row.
    if (!Number.isSafeInteger(treeId)) throw new TypeError('tree IDs are integers');
    const name = `fsck_keys_${this.cursors++}`;
    await this.tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR SELECT idx, key_hash FROM rekor_index_keys WHERE tree_id = ${treeId} ORDER BY idx, key_hash`);
    for (;;) {
      const rows = await this.tx.query<{ idx: number; key_hash: Buffer }>(`FETCH FORWARD ${Math.floor(pageSize)} FROM ${name}`);
      if (rows.length === 0) break;
      yield rows.map((r) => ({ index: r.idx, keyHash: toBuffer(r.key_hash) }));
    }
    await this.tx.query(`CLOSE ${name}`);
  }
}

/** A stored body decoded for the audit: a corrupted packed form is a finding, not a crash. */
function storedBody(stored: Buffer): { body: Buffer; bodyProblem?: string } {
  try {
    return { body: unpackBody(stored) };
  } catch (err) {
    if (!(err instanceof StoredBodyError)) throw err;
    return { body: stored, bodyProblem: err.message };
  }
}
