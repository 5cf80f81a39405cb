/**
 * Storage of one Merkle tree: its head row, its C2SP tiles and the append step that every log
 * (Rekor, CT) shares. An append runs inside the caller's transaction: lock the head row, extend
 * the right edge with the new leaf hashes, write the changed tiles, move the head.
 *
 * The right edge is cached per process keyed by tree size. Appends are serialised by the row
 * lock, and tiles at a given size are fully determined by it, so a cached edge whose size equals
 * the locked head is exact; any other size (another process appended) reloads from the tiles.
 *
 * The store refuses to extend a tree it cannot vouch for (tree-integrity.ts): before a batch is
 * integrated the edge must reproduce the locked head's root (the cached edge is compared with
 * the root it produced, which costs nothing; a reloaded edge is re-hashed, at most 255 hashes a
 * level), and a tile write that would change stored hashes is refused. `verifyStored` does the
 * same at start against the latest signed checkpoint and the leaves of the rightmost tile. The
 * first problem found sticks: every later append fails with it until the process restarts.
 */
import { SealhouseError, assert } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/hash.js';
import { edgeFromTiles, edgeTileRequests, integrate, rootOfEdge, type Integration, type RightEdge } from '../merkle/integrate.js';
import type { TileReader } from '../merkle/prove.js';
import { seedInnerLevels, tileHashes, type TileHashes } from '../merkle/subtree.js';
import { TILE_WIDTH, parseTilePath, tileWidth, type TileRequest } from '../merkle/tiles.js';
import { ShardFrozenError, randomTreeId } from './log-shards.js';
import { packBytes } from './packed-bytes.js';
import { TileCache } from './tile-cache.js';
import { TreeIntegrityError, hex, type IntegrityDetail } from './tree-integrity.js';
import { toBuffer, type Queryable, type Sql, type SqlTx } from './sql.js';

export interface TreeHead {
  readonly treeSize: number;
  readonly rootHash: Buffer;
}

/** The latest signed head of a tree (a checkpoint, an STH) and the row it came from. */
export interface SignedHead {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** Where it is stored, for the error: e.g. "checkpoints (tree_size 42)". */
  readonly row: string;
}

/** A leaf as stored: the hash recomputed from its stored data, and the stored leaf_hash column. */
export interface StoredLeaf {
  readonly index: number;
  readonly fromData: Buffer;
  readonly column: Buffer;
  /** e.g. "rekor_entries idx 41". */
  readonly row: string;
}

/** Leaves [start, end) in index order, from the log's entry table. */
export type LeafSource = (start: number, end: number) => Promise<StoredLeaf[]>;

export class TreeStore implements TileReader {
  private edge: RightEdge | undefined;
  /** The root `edge` produced when this process committed it. */
  private edgeRoot: Buffer | undefined;
  private trouble: TreeIntegrityError | undefined;
  private readonly troubleListeners: ((err: TreeIntegrityError) => void)[] = [];
  private readonly tileCache = new TileCache(4096);

  private constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** The tree named `logName`, created with a random ID on first use (race-safe across processes). */
  static async open(sql: Sql, logName: string): Promise<TreeStore> {
    const candidate = randomTreeId();
    await sql.query(
      `INSERT INTO trees (tree_id, log_name, tree_size, root_hash) VALUES ($1, $2, 0, $3)
       ON CONFLICT (log_name) DO NOTHING`,
      [candidate, logName, EMPTY_ROOT],
    );
    const [row] = await sql.query<{ tree_id: number }>('SELECT tree_id FROM trees WHERE log_name = $1', [logName]);
    assert(row, `tree ${logName} exists after insert`);
    return new TreeStore(sql, row.tree_id);
  }

  /** An existing tree by ID (a log shard, src/storage/log-shards.ts). */
  static byId(sql: Sql, treeId: number): TreeStore {
    return new TreeStore(sql, treeId);
  }

  /**
   * Record the tree's signing key (DER SPKI) on first use, and refuse any other key afterwards:
   * checkpoints signed by a different key would be unverifiable for every client. `setting`
   * names where the operator configures that key (SEALHOUSE_LOG_KEY, _CT_KEY, _REKOR_V2_KEY),
   * so the refusal points at the right one.
   */
  async bindPublicKey(spki: Buffer, setting: string): Promise<void> {
    await this.sql.query('UPDATE trees SET public_key = $2 WHERE tree_id = $1 AND public_key IS NULL', [this.treeId, spki]);
    const [row] = await this.sql.query<{ public_key: Buffer }>('SELECT public_key FROM trees WHERE tree_id = $1', [this.treeId]);
    if (!row || !toBuffer(row.public_key).equals(spki)) {
      throw new SealhouseError(
        'malformed_key',
        `the configured signing key does not match the key tree ${this.treeId} was created with; ` +
          `start with the original key (${setting} / the data directory it was generated in)`,
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

  /**
   * Lock the head row for the rest of the transaction; concurrent appenders queue here. A tree
   * frozen by a key rotation throws ShardFrozenError: the caller moves to the log's new shard.
   */
  async lockHead(tx: SqlTx): Promise<TreeHead> {
    // No parameters, so that on Postgres it travels with the transaction's BEGIN in one round
    // trip (PgSql.tx); the tree ID is an integer we read from the database, checked as such.
    assert(Number.isSafeInteger(this.treeId), `tree ID ${this.treeId} is an integer`);
    const [row] = await tx.query<{ tree_size: number; root_hash: Buffer; frozen_at: unknown }>(
      `SELECT tree_size, root_hash, frozen_at FROM trees WHERE tree_id = ${this.treeId} FOR UPDATE`,
    );
    assert(row, `tree ${this.treeId} exists`);
    if (row.frozen_at !== null && row.frozen_at !== undefined) throw new ShardFrozenError(this.treeId);
    return { treeSize: row.tree_size, rootHash: toBuffer(row.root_hash) };
  }

  /** Why this tree accepts no writes, if it cannot be vouched for (sticky until restart). */
  get problem(): TreeIntegrityError | undefined {
    return this.trouble;
  }

  /** Called once, when the first integrity problem is found (the error log line). */
  onProblem(listener: (err: TreeIntegrityError) => void): void {
    this.troubleListeners.push(listener);
    if (this.trouble) listener(this.trouble);
  }

  private fail(detail: IntegrityDetail, what: string): never {
    if (!this.trouble) {
      this.trouble = new TreeIntegrityError(detail, what);
      for (const listener of this.troubleListeners) listener(this.trouble);
    }
    throw this.trouble;
  }

  /**
   * The right edge to append to after `head` (locked by the caller), once it reproduces the
   * head's root; throws TreeIntegrityError otherwise. Call before signing anything for a batch.
   */
  async vouch(q: Queryable, head: TreeHead): Promise<RightEdge> {
    if (this.trouble) throw this.trouble;
    if (this.edge?.treeSize === head.treeSize && this.edgeRoot) {
      if (!this.edgeRoot.equals(head.rootHash)) {
        this.fail(
          { treeId: this.treeId, row: `trees.root_hash (tree_size ${head.treeSize})`, expected: hex(this.edgeRoot), found: hex(head.rootHash) },
          'the head row changed behind the log',
        );
      }
      return this.edge;
    }
    const requests = edgeTileRequests(head.treeSize);
    let edge: RightEdge;
    try {
      edge = await this.loadEdge(q, head.treeSize);
    } catch (err) {
      if (!(err instanceof SealhouseError) || err.code !== 'internal') throw err;
      this.fail({ treeId: this.treeId, row: 'tiles', expected: `the right-edge tiles ${describeTiles(requests)}`, found: err.message }, 'a tile is missing');
    }
    const root = rootOfEdge(edge);
    if (!root.equals(head.rootHash)) {
      this.fail(
        { treeId: this.treeId, row: `tiles ${describeTiles(requests)} vs trees.root_hash`, expected: hex(head.rootHash), found: hex(root) },
        `the right edge loaded from tiles does not reproduce the head's root at size ${head.treeSize}`,
      );
    }
    return edge;
  }

  /**
   * The start-up check: the rightmost level-0 tile against the leaves it holds, the right edge
   * against the head row, the head against the latest signed head. Returns the problem (also
   * kept in `problem`) instead of throwing, so the log can still serve reads.
   */
  async verifyStored(readLatest: () => Promise<SignedHead | undefined>, leaves?: LeafSource): Promise<TreeIntegrityError | undefined> {
    try {
      const { head, latest } = await this.headWithLatest(readLatest);
      if (leaves) await this.verifyEdgeLeaves(head.treeSize, leaves);
      const edge = await this.vouch(this.sql, head);
      if (!latest && head.treeSize > 0) {
        this.fail({ treeId: this.treeId, row: 'latest signed head', expected: `one at tree_size ${head.treeSize}`, found: 'none' }, 'the head has no signed checkpoint');
      }
      if (latest && (latest.treeSize !== head.treeSize || !latest.rootHash.equals(head.rootHash))) {
        this.fail(
          { treeId: this.treeId, row: `${latest.row} vs trees`, expected: `size ${head.treeSize} root ${hex(head.rootHash)}`, found: `size ${latest.treeSize} root ${hex(latest.rootHash)}` },
          'the latest signed head is not the head row',
        );
      }
      this.edge = edge;
      this.edgeRoot = head.rootHash;
      return undefined;
    } catch (err) {
      if (err instanceof TreeIntegrityError) return err;
      throw err;
    }
  }

  /**
   * The head row and the latest signed head as of one moment. Another process writing the same
   * tree may commit a batch between two reads; it commits its signed head with its head row, and
   * every batch grows the tree, so a signed head that reads the same before and after the head
   * row belongs to that head. Read separately, a start-up beside a busy writer reported a
   * mismatch that was only a race.
   */
  private async headWithLatest(readLatest: () => Promise<SignedHead | undefined>): Promise<{ head: TreeHead; latest: SignedHead | undefined }> {
    const ATTEMPTS = 5;
    for (let attempt = 1; ; attempt++) {
      const before = await readLatest();
      const head = await this.head();
      const latest = await readLatest();
      if (before?.treeSize === latest?.treeSize || attempt === ATTEMPTS) return { head, latest };
    }
  }

  /** The rightmost level-0 tile holds the last (size mod 256) leaf hashes: check them against the entries. */
  private async verifyEdgeLeaves(treeSize: number, leaves: LeafSource): Promise<void> {
    const partial = edgeTileRequests(treeSize).find((r) => r.level === 0);
    if (!partial) return;
    const start = treeSize - partial.width;
    const [fetched] = await this.fetchTiles(this.sql, [partial]).catch(() => [undefined]);
    const tile = fetched ? tileHashes(fetched) : undefined;
    const rows = await leaves(start, treeSize);
    for (let i = 0; i < partial.width; i++) {
      const leaf = rows.find((r) => r.index === start + i);
      const at = `tiles (level 0, idx ${partial.index}) hash ${i}`;
      if (!leaf) this.fail({ treeId: this.treeId, row: `entry ${start + i}`, expected: 'a stored entry', found: 'none' }, 'an entry of the tree is missing');
      if (!leaf.fromData.equals(leaf.column)) {
        this.fail({ treeId: this.treeId, row: `${leaf.row} leaf_hash`, expected: hex(leaf.fromData), found: hex(leaf.column) }, "an entry's data does not hash to its leaf hash");
      }
      const stored = tile?.[i];
      if (stored && !stored.equals(leaf.fromData)) {
        this.fail({ treeId: this.treeId, row: at, expected: hex(leaf.fromData), found: hex(stored) }, `a tile does not hold the leaf hash of ${leaf.row}`);
      }
    }
  }

  /**
   * Append leaf hashes after `head` (which the caller locked in this transaction), onto `edge`
   * if the caller already vouched for it in this transaction, else after vouching.
   */
  async append(tx: SqlTx, head: TreeHead, leafHashes: readonly Buffer[], edge?: RightEdge): Promise<Integration> {
    const { integration, written } = await this.appendQueued(tx, head, leafHashes, edge);
    await written;
    return integration;
  }

  /**
   * append, without waiting for the tile write: its statement is sent (on Postgres, queued on
   * the transaction's connection) and `written` settles once it has run and been checked. A
   * caller that sends its next statement at once saves a turn of the event loop per batch —
   * milliseconds on a busy server. It must await `written` before it commits.
   */
  async appendQueued(tx: SqlTx, head: TreeHead, leafHashes: readonly Buffer[], edge?: RightEdge): Promise<{ integration: Integration; written: Promise<void> }> {
    if (edge?.treeSize !== head.treeSize) edge = await this.vouch(tx, head);
    const result = integrate(edge, leafHashes);
    const written = this.writeTilesAndHead(tx, result);
    written.catch(() => undefined); // the caller awaits it; this only keeps an early rollback from leaking a rejection
    tx.afterCommit(() => {
      this.edge = result.edge;
      this.edgeRoot = result.rootHash;
      // What this batch wrote is now committed: proofs against the new size need no reads.
      for (const t of result.tiles) this.tileCache.set(t.level, t.index, t.hashes as Buffer[], t.inner);
    });
    return { integration: result, written };
  }

  /**
   * Tiles as they stand inside `tx` after `integration`, before commit — so the inclusion
   * proofs of a batch are built inside its transaction and an acknowledged entry never waits on
   * (or fails at) a read after its commit. Tiles this batch did not touch are committed
   * content and may be cached; the batch's own tiles are not cached until the commit.
   */
  batchReader(tx: SqlTx, integration: Integration): TileReader {
    const written = new Map(
      integration.tiles.map((t) => {
        if (t.inner) seedInnerLevels(t.hashes, t.inner);
        return [`${t.level}/${t.index}`, t.hashes as Buffer[]];
      }),
    );
    return {
      readTiles: async (requests) => {
        const out = requests.map((r): TileHashes | undefined => {
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
        return out as TileHashes[];
      },
    };
  }

  private async loadEdge(q: Queryable, treeSize: number): Promise<RightEdge> {
    const requests = edgeTileRequests(treeSize);
    const tiles = await this.fetchTiles(q, requests);
    const byLevel = new Map<number, readonly Buffer[]>();
    requests.forEach((req, i) => byLevel.set(req.level, tileHashes(tiles[i] as TileHashes)));
    return edgeFromTiles(treeSize, byLevel);
  }

  /**
   * Upsert changed tiles and move the head, in one statement (one round trip of the batch
   * transaction). The WHERE clause only lets a tile grow: its stored hashes must be a prefix of
   * the new content. Anything else would rewrite history, so it aborts the batch. A tile completed
   * by this batch is written with its inner levels (packed; an empty run is NULL: partial tile).
   */
  private async writeTilesAndHead(tx: SqlTx, result: Integration): Promise<void> {
    const inner = packBytes(result.tiles.map((t) => t.inner ?? Buffer.alloc(0)));
    const written = await tx.query<{ level: number; idx: number }>(
      `WITH t AS (
         INSERT INTO tiles (tree_id, level, idx, hashes, inner_hashes)
         SELECT $1, l, i, h, NULLIF(substring($7::bytea FROM o + 1 FOR n), ''::bytea)
         FROM unnest($2::smallint[], $3::bigint[], $4::bytea[], $8::int[], $9::int[]) AS t(l, i, h, o, n)
         ON CONFLICT (tree_id, level, idx) DO UPDATE SET hashes = EXCLUDED.hashes, inner_hashes = EXCLUDED.inner_hashes
         WHERE length(EXCLUDED.hashes) > length(tiles.hashes)
           AND substring(EXCLUDED.hashes FROM 1 FOR length(tiles.hashes)) = tiles.hashes
         RETURNING level, idx),
       h AS (UPDATE trees SET tree_size = $5, root_hash = $6 WHERE tree_id = $1)
       SELECT level, idx FROM t`,
      [
        this.treeId,
        result.tiles.map((t) => t.level),
        result.tiles.map((t) => t.index),
        result.tiles.map((t) => Buffer.concat(t.hashes as Buffer[])),
        result.edge.treeSize,
        result.rootHash,
        inner.blob,
        inner.offsets,
        inner.lengths,
      ],
    );
    if (written.length !== result.tiles.length) {
      const done = new Set(written.map((r) => `${r.level}/${r.idx}`));
      const refused = result.tiles.find((t) => !done.has(`${t.level}/${t.index}`));
      assert(refused, 'a refused tile write names its tile');
      const stored = (await this.tileBytesIn(tx, refused.level, refused.index)) ?? Buffer.alloc(0);
      const fresh = Buffer.concat(refused.hashes as Buffer[]);
      let at = 0;
      while (at * 32 < stored.length && stored.subarray(at * 32, at * 32 + 32).equals(fresh.subarray(at * 32, at * 32 + 32))) at++;
      this.fail(
        {
          treeId: this.treeId,
          row: `tiles (level ${refused.level}, idx ${refused.index}) hash ${at}`,
          expected: at * 32 < fresh.length ? hex(fresh.subarray(at * 32, at * 32 + 32)) : `at most ${fresh.length / 32} hashes`,
          found: at * 32 < stored.length ? hex(stored.subarray(at * 32, at * 32 + 32)) : 'nothing',
        },
        'a stored tile is not a prefix of what the batch computed (writing it would rewrite history)',
      );
    }
  }

  async readTiles(requests: readonly TileRequest[]): Promise<TileHashes[]> {
    return this.fetchTiles(this.sql, requests);
  }

  /**
   * Tiles with at least the requested width. The first W hashes of a tile never change once
   * written, so any cached copy at least that wide answers the request; the database is only
   * asked for tiles the cache has never seen or has seen narrower.
   */
  private async fetchTiles(q: Queryable, requests: readonly TileRequest[]): Promise<TileHashes[]> {
    const out: (TileHashes | undefined)[] = requests.map((r) => {
      const cached = this.tileCache.get(r.level, r.index);
      return cached && cached.length >= r.width ? cached : undefined;
    });
    const missing = requests.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      const rows = await q.query<{ level: number; idx: number; hashes: Buffer; inner_hashes: Buffer | null }>(
        `SELECT level, idx, hashes, inner_hashes FROM tiles
         WHERE tree_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
        [this.treeId, missing.map((r) => r.level), missing.map((r) => r.index)],
      );
      const found = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r]));
      requests.forEach((req, i) => {
        if (out[i] !== undefined) return;
        const row = found.get(`${req.level}/${req.index}`);
        const bytes = row ? toBuffer(row.hashes) : undefined;
        if (!row || !bytes || bytes.length < req.width * 32) {
          throw new SealhouseError('internal', `tile ${req.level}/${req.index} of tree ${this.treeId} is missing or shorter than ${req.width}`);
        }
        this.tileCache.setBytes(req.level, req.index, bytes, row.inner_hashes ? toBuffer(row.inner_hashes) : undefined);
        out[i] = this.tileCache.get(req.level, req.index);
      });
    }
    return out as TileHashes[];
  }

  /**
   * A C2SP tile or entry bundle by path (e.g. "tile/0/x001/234.p/7", "tile/entries/000"), for
   * every log on this store (Rekor v1, Rekor v2): `range(start, count)` reads the log's own
   * entries. Full tiles never change; a partial tile is served at exactly the width asked for.
   * An entry over 65,535 bytes cannot be carried by a bundle (v1 accepts such bodies): that
   * bundle is a 404 naming the entry, with `elsewhere(index)` saying where to read it instead.
   */
  async tileByPath(path: string, range: (start: number, count: number) => Promise<readonly BundledEntry[]>, elsewhere?: (index: number) => string): Promise<Buffer> {
    const tile = parseTilePath(path);
    const { treeSize } = await this.head();
    if (tile.kind === 'entries') {
      const available = Math.min(TILE_WIDTH, treeSize - tile.index * TILE_WIDTH);
      if (available < tile.width) throw new SealhouseError('not_found', `entry bundle ${path} is beyond the tree (size ${treeSize})`);
      const entries = await range(tile.index * TILE_WIDTH, tile.width);
      if (entries.length !== tile.width) throw new SealhouseError('internal', `entry bundle ${path}: ${entries.length} entries stored, ${tile.width} expected at tree size ${treeSize}`);
      return encodeEntryBundle(path, entries, elsewhere);
    }
    if (tileWidth(tile, treeSize) < tile.width) throw new SealhouseError('not_found', `tile ${path} is beyond the tree (size ${treeSize})`);
    const bytes = await this.tileBytes(tile.level, tile.index);
    if (!bytes) throw new SealhouseError('internal', `tile ${path} should exist at tree size ${treeSize}`);
    return bytes.subarray(0, tile.width * 32);
  }

  /** Raw bytes of a tile as stored (for serving C2SP tile paths), or undefined. */
  async tileBytes(level: number, index: number): Promise<Buffer | undefined> {
    return this.tileBytesIn(this.sql, level, index);
  }

  private async tileBytesIn(q: Queryable, level: number, index: number): Promise<Buffer | undefined> {
    const [row] = await q.query<{ hashes: Buffer }>(
      'SELECT hashes FROM tiles WHERE tree_id = $1 AND level = $2 AND idx = $3',
      [this.treeId, level, index],
    );
    return row ? toBuffer(row.hashes) : undefined;
  }
}

/** An entry as an entry bundle carries it. */
export interface BundledEntry {
  readonly index: number;
  readonly body: Buffer;
}

/** The most a tlog-tiles entry bundle can carry per entry (a big-endian uint16 length). */
export const MAX_BUNDLED_ENTRY_BYTES = 0xffff;

/** C2SP tlog-tiles entry bundle: each entry as a big-endian uint16 length, then its bytes. */
function encodeEntryBundle(path: string, entries: readonly BundledEntry[], elsewhere?: (index: number) => string): Buffer {
  const parts: Buffer[] = [];
  for (const { body, index } of entries) {
    if (body.length > MAX_BUNDLED_ENTRY_BYTES) {
      const hint = elsewhere ? `; ${elsewhere(index)}` : '';
      throw new SealhouseError('not_found', `entry bundle ${path} cannot be served: entry ${index} is ${body.length} bytes, over the 65535 a tlog-tiles entry bundle can hold${hint}`);
    }
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length);
    parts.push(len, body);
  }
  return Buffer.concat(parts);
}

function describeTiles(requests: readonly TileRequest[]): string {
  return requests.length === 0 ? '(none)' : requests.map((r) => `(level ${r.level}, idx ${r.index}, width ${r.width})`).join(' ');
}
