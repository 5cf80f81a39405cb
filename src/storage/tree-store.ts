/**
 * Storage of one Merkle tree: its head row, its C2SP tiles and the append step that every log
 * (Rekor, CT) shares. An append runs inside the caller's transaction: lock the head row, extend
 * the right edge with the new leaf hashes, write the changed tiles, move the head.
 *
 * The right edge is cached per process keyed by tree size. Appends are serialised by the row
 * lock, and tiles at a given size are fully determined by it, so a cached edge whose size equals
 * the locked head is exact; any other size (another process appended) reloads from the tiles.
 */
import { randomInt } from 'node:crypto';
import { SealhouseError, assert } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/hash.js';
import { edgeFromTiles, edgeTileRequests, integrate, type Integration, type RightEdge } from '../merkle/integrate.js';
import type { TileReader } from '../merkle/prove.js';
import type { TileRequest } from '../merkle/tiles.js';
import { TileCache } from './tile-cache.js';
import { toBuffer, type Queryable, type Sql, type SqlTx } from './sql.js';

export interface TreeHead {
  readonly treeSize: number;
  readonly rootHash: Buffer;
}

export class TreeStore implements TileReader {
  private edge: RightEdge | undefined;
  private readonly tileCache = new TileCache(4096);

  private constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** The tree named `logName`, created with a random ID on first use (race-safe across processes). */
  static async open(sql: Sql, logName: string): Promise<TreeStore> {
    // Rekor tree IDs are int64, but every number in Sealhouse is a safe JS integer: pick below 2^53.
    const candidate = randomInt(1, 2 ** 38) * 2 ** 15 + randomInt(0, 2 ** 15);
    await sql.query(
      `INSERT INTO trees (tree_id, log_name, tree_size, root_hash) VALUES ($1, $2, 0, $3)
       ON CONFLICT (log_name) DO NOTHING`,
      [candidate, logName, EMPTY_ROOT],
    );
    const [row] = await sql.query<{ tree_id: number }>('SELECT tree_id FROM trees WHERE log_name = $1', [logName]);
    assert(row, `tree ${logName} exists after insert`);
    return new TreeStore(sql, row.tree_id);
  }

  /**
   * Record the tree's signing key (DER SPKI) on first use, and refuse any other key afterwards:
   * checkpoints signed by a different key would be unverifiable for every client.
   */
  async bindPublicKey(spki: Buffer): Promise<void> {
    await this.sql.query('UPDATE trees SET public_key = $2 WHERE tree_id = $1 AND public_key IS NULL', [this.treeId, spki]);
    const [row] = await this.sql.query<{ public_key: Buffer }>('SELECT public_key FROM trees WHERE tree_id = $1', [this.treeId]);
    if (!row || !toBuffer(row.public_key).equals(spki)) {
      throw new SealhouseError(
        'malformed_key',
        `the configured signing key does not match the key tree ${this.treeId} was created with; ` +
          'start with the original key (SEALHOUSE_LOG_KEY / the data directory it was generated in)',
      );
    }
  }

  async head(q: Queryable = this.sql): Promise<TreeHead> {
    const [row] = await q.query<{ tree_size: number; root_hash: Buffer }>(
      'SELECT tree_size, root_hash FROM trees WHERE tree_id = $1',
      [this.treeId],
    );
    assert(row, `tree ${this.treeId} exists`);
    return { treeSize: row.tree_size, rootHash: toBuffer(row.root_hash) };
  }

  /** Lock the head row for the rest of the transaction; concurrent appenders queue here. */
  async lockHead(tx: SqlTx): Promise<TreeHead> {
    const [row] = await tx.query<{ tree_size: number; root_hash: Buffer }>(
      'SELECT tree_size, root_hash FROM trees WHERE tree_id = $1 FOR UPDATE',
      [this.treeId],
    );
    assert(row, `tree ${this.treeId} exists`);
    return { treeSize: row.tree_size, rootHash: toBuffer(row.root_hash) };
  }

  /** Append leaf hashes after `head` (which the caller locked in this transaction). */
  async append(tx: SqlTx, head: TreeHead, leafHashes: readonly Buffer[]): Promise<Integration> {
    const edge = this.edge?.treeSize === head.treeSize ? this.edge : await this.loadEdge(tx, head.treeSize);
    const result = integrate(edge, leafHashes);
    await this.writeTilesAndHead(tx, result);
    tx.afterCommit(() => {
      this.edge = result.edge;
      // What this batch wrote is now committed: proofs against the new size need no reads.
      for (const t of result.tiles) this.tileCache.set(t.level, t.index, t.hashes as Buffer[]);
    });
    return result;
  }

  /**
   * Tiles as they stand inside `tx` after `integration`, before commit — so the inclusion
   * proofs of a batch are built inside its transaction and an acknowledged entry never waits on
   * (or fails at) a read after its commit. Tiles this batch did not touch are committed
   * content and may be cached; the batch's own tiles are not cached until the commit.
   */
  batchReader(tx: SqlTx, integration: Integration): TileReader {
    const written = new Map(integration.tiles.map((t) => [`${t.level}/${t.index}`, t.hashes as Buffer[]]));
    return {
      readTiles: async (requests) => {
        const out = requests.map((r) => {
          const own = written.get(`${r.level}/${r.index}`);
          return own && own.length >= r.width ? own : undefined;
        });
        const missing = requests.filter((_, i) => out[i] === undefined);
        if (missing.length > 0) {
          const fetched = await this.fetchTiles(tx, missing);
          let next = 0;
          out.forEach((t, i) => {
            if (t === undefined) out[i] = fetched[next++];
          });
        }
        return out as Buffer[][];
      },
    };
  }

  private async loadEdge(q: Queryable, treeSize: number): Promise<RightEdge> {
    const requests = edgeTileRequests(treeSize);
    const tiles = await this.fetchTiles(q, requests);
    const byLevel = new Map<number, Buffer[]>();
    requests.forEach((req, i) => byLevel.set(req.level, tiles[i] as Buffer[]));
    return edgeFromTiles(treeSize, byLevel);
  }

  /**
   * Upsert changed tiles and move the head, in one statement (one round trip of the batch
   * transaction). The WHERE clause only lets a tile grow: its stored hashes must be a prefix of
   * the new content. Anything else would rewrite history, so it aborts the batch.
   */
  private async writeTilesAndHead(tx: SqlTx, result: Integration): Promise<void> {
    const [row] = await tx.query<{ written: number }>(
      `WITH t AS (
         INSERT INTO tiles (tree_id, level, idx, hashes)
         SELECT $1, l, i, h FROM unnest($2::smallint[], $3::bigint[], $4::bytea[]) AS t(l, i, h)
         ON CONFLICT (tree_id, level, idx) DO UPDATE SET hashes = EXCLUDED.hashes
         WHERE length(EXCLUDED.hashes) > length(tiles.hashes)
           AND substring(EXCLUDED.hashes FROM 1 FOR length(tiles.hashes)) = tiles.hashes
         RETURNING level),
       h AS (UPDATE trees SET tree_size = $5, root_hash = $6 WHERE tree_id = $1)
       SELECT count(*)::int AS written FROM t`,
      [
        this.treeId,
        result.tiles.map((t) => t.level),
        result.tiles.map((t) => t.index),
        result.tiles.map((t) => Buffer.concat(t.hashes as Buffer[])),
        result.edge.treeSize,
        result.rootHash,
      ],
    );
    if (row?.written !== result.tiles.length) {
      throw new SealhouseError('internal', `tile write for tree ${this.treeId} would rewrite existing hashes; batch aborted`);
    }
  }

  async readTiles(requests: readonly TileRequest[]): Promise<Buffer[][]> {
    return this.fetchTiles(this.sql, requests);
  }

  /**
   * Tiles with at least the requested width. The first W hashes of a tile never change once
   * written, so any cached copy at least that wide answers the request; the database is only
   * asked for tiles the cache has never seen or has seen narrower.
   */
  private async fetchTiles(q: Queryable, requests: readonly TileRequest[]): Promise<Buffer[][]> {
    const out: (Buffer[] | undefined)[] = requests.map((r) => {
      const cached = this.tileCache.get(r.level, r.index);
      return cached && cached.length >= r.width ? cached : undefined;
    });
    const missing = requests.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      const rows = await q.query<{ level: number; idx: number; hashes: Buffer }>(
        `SELECT level, idx, hashes FROM tiles
         WHERE tree_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
        [this.treeId, missing.map((r) => r.level), missing.map((r) => r.index)],
      );
      const found = new Map(rows.map((r) => [`${r.level}/${r.idx}`, toBuffer(r.hashes)]));
      requests.forEach((req, i) => {
        if (out[i] !== undefined) return;
        const bytes = found.get(`${req.level}/${req.index}`);
        if (!bytes || bytes.length < req.width * 32) {
          throw new SealhouseError('internal', `tile ${req.level}/${req.index} of tree ${this.treeId} is missing or shorter than ${req.width}`);
        }
        this.tileCache.setBytes(req.level, req.index, bytes);
        out[i] = this.tileCache.get(req.level, req.index);
      });
    }
    return out as Buffer[][];
  }

  /** Raw bytes of a tile as stored (for serving C2SP tile paths), or undefined. */
  async tileBytes(level: number, index: number): Promise<Buffer | undefined> {
    const [row] = await this.sql.query<{ hashes: Buffer }>(
      'SELECT hashes FROM tiles WHERE tree_id = $1 AND level = $2 AND idx = $3',
      [this.treeId, level, index],
    );
    return row ? toBuffer(row.hashes) : undefined;
  }
}
