/**
 * Every SQL statement about the CT log (RFC 6962, https://www.rfc-editor.org/rfc/rfc6962):
 * entries and signed tree heads written inside the CT log's batch transaction, and the reads
 * behind get-sth, get-entries and get-proof-by-hash. Tables: migrations/0002_ct_log.sql.
 */
import { packBytes } from '../storage/packed-bytes.js';
import { toBuffer, type Queryable, type Sql, type SqlTx } from '../storage/sql.js';

export interface CtRow {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly identityHash: Buffer;
  readonly timestamp: number;
  readonly leafInput: Buffer;
  readonly extraData: Buffer;
}

export interface StoredSth {
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: Buffer;
  /** TLS DigitallySigned over the TreeHeadSignature. */
  readonly signature: Buffer;
}

type RowShape = { idx: number; leaf_hash: Buffer; identity_hash: Buffer; timestamp_ms: number; leaf_input: Buffer; extra_data: Buffer };

const toRow = (r: RowShape): CtRow => ({
  index: r.idx,
  leafHash: toBuffer(r.leaf_hash),
  identityHash: toBuffer(r.identity_hash),
  timestamp: r.timestamp_ms,
  leafInput: toBuffer(r.leaf_input),
  extraData: toBuffer(r.extra_data),
});

const COLUMNS = 'idx, leaf_hash, identity_hash, timestamp_ms, leaf_input, extra_data';

/** When a tree was created: the start of its trusted-root `validFor`. */
export async function treeCreatedAt(q: Queryable, treeId: number): Promise<Date> {
  const [row] = await q.query<{ created_at: Date | string }>('SELECT created_at FROM trees WHERE tree_id = $1', [treeId]);
  if (!row) throw new Error(`tree ${treeId} does not exist`);
  return new Date(row.created_at);
}

export class CtStore {
  constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** Index and timestamp of already-logged entries, keyed by hex identity hash. */
  async findByIdentity(q: Queryable, identities: readonly Buffer[]): Promise<Map<string, { index: number; timestamp: number }>> {
    if (identities.length === 0) return new Map();
    const rows = await q.query<{ idx: number; identity_hash: Buffer; timestamp_ms: number }>(
      `SELECT idx, identity_hash, timestamp_ms FROM ct_entries
       WHERE tree_id = $1 AND identity_hash IN (SELECT substring($2::bytea FROM i * 32 + 1 FOR 32) FROM generate_series(0, $3 - 1) AS i)`,
      [this.treeId, Buffer.concat(identities as Buffer[]), identities.length],
    );
    return new Map(rows.map((r) => [toBuffer(r.identity_hash).toString('hex'), { index: r.idx, timestamp: r.timestamp_ms }]));
  }

  /** Insert rows, skipping identities already logged; returns how many were inserted. */
  async insert(tx: SqlTx, rows: readonly CtRow[]): Promise<number> {
    const leaves = packBytes(rows.map((r) => r.leafInput));
    const extras = packBytes(rows.map((r) => r.extraData));
    const inserted = await tx.query(
      `INSERT INTO ct_entries (tree_id, ${COLUMNS})
       SELECT $1, x, substring($3::bytea FROM (n::int - 1) * 32 + 1 FOR 32), substring($4::bytea FROM (n::int - 1) * 32 + 1 FOR 32), t,
              substring($5::bytea FROM lo + 1 FOR ll), substring($6::bytea FROM eo + 1 FOR el)
       FROM unnest($2::bigint[], $7::bigint[], $8::int[], $9::int[], $10::int[], $11::int[]) WITH ORDINALITY AS u(x, t, lo, ll, eo, el, n)
       ON CONFLICT (tree_id, identity_hash) DO NOTHING
       RETURNING 1 AS inserted`,
      [
        this.treeId,
        rows.map((r) => r.index),
        Buffer.concat(rows.map((r) => r.leafHash)),
        Buffer.concat(rows.map((r) => r.identityHash)),
        leaves.blob,
        extras.blob,
        rows.map((r) => r.timestamp),
        leaves.offsets,
        leaves.lengths,
        extras.offsets,
        extras.lengths,
      ],
    );
    return inserted.length;
  }

  async insertSth(tx: SqlTx, sth: StoredSth): Promise<void> {
    await tx.query('INSERT INTO ct_sths (tree_id, tree_size, timestamp_ms, root_hash, signature) VALUES ($1, $2, $3, $4, $5)', [
      this.treeId,
      sth.treeSize,
      sth.timestamp,
      sth.rootHash,
      sth.signature,
    ]);
  }

  async latestSth(): Promise<StoredSth | undefined> {
    const [row] = await this.sql.query<{ tree_size: number; timestamp_ms: number; root_hash: Buffer; signature: Buffer }>(
      'SELECT tree_size, timestamp_ms, root_hash, signature FROM ct_sths WHERE tree_id = $1 ORDER BY tree_size DESC LIMIT 1',
      [this.treeId],
    );
    return row ? { treeSize: row.tree_size, timestamp: row.timestamp_ms, rootHash: toBuffer(row.root_hash), signature: toBuffer(row.signature) } : undefined;
  }

  /** Entries [start, end) in index order. */
  async range(start: number, end: number): Promise<CtRow[]> {
    const rows = await this.sql.query<RowShape>(`SELECT ${COLUMNS} FROM ct_entries WHERE tree_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, [
      this.treeId,
      start,
      end,
    ]);
    return rows.map(toRow);
  }

  /** The lowest index whose Merkle leaf hash is `leafHash`, if logged. */
  async indexOfLeafHash(leafHash: Buffer): Promise<number | undefined> {
    const [row] = await this.sql.query<{ idx: number }>('SELECT min(idx) AS idx FROM ct_entries WHERE tree_id = $1 AND leaf_hash = $2', [this.treeId, leafHash]);
    return row?.idx ?? undefined;
  }
}
