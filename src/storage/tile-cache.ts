/**
 * A bounded LRU of tiles. A tile only ever grows (its first W hashes never change), so a cached
 * copy never needs invalidation, only replacing by a wider one.
 *
 * Memory is the design constraint: a tile kept as 256 separate 32-byte Buffers (plus the
 * intermediate levels the proof code memoises per array) costs ~100 KiB of heap, so 4,096 of
 * them grew a 10^6-entry log's process past 1 GiB. Every cached tile is therefore kept as ONE
 * contiguous Buffer (8 KiB) and handed out as a PackedTile over those bytes.
 *
 * A full tile also keeps its stored inner levels (8,128 bytes, tiles.inner_hashes), from which
 * its PackedTile answers every node by a lookup, so even a tile just read from disk answers
 * proofs without hashing or splitting: a cached full tile costs ~16 KiB, 4,096 of them ~64 MiB.
 * A tile without them (a partial tile, or a full one read without its inner levels) is split
 * and hashed on first use and memoised with its PackedTile; only the `hotCapacity` most
 * recently used tiles keep their PackedTile (and so that memo), which bounds the heap.
 */
import { PackedTile } from '../merkle/subtree.js';
import { TILE_WIDTH } from '../merkle/tiles.js';

const FULL_TILE_BYTES = TILE_WIDTH * 32;

interface Entry {
  bytes: Buffer;
  inner?: Buffer;
  tile?: PackedTile;
}

export class TileCache {
  private readonly map = new Map<string, Entry>();
  /** Keys whose entry currently holds `tile`, least recently used first. */
  private readonly hot = new Set<string>();

  constructor(
    private readonly capacity: number,
    private readonly hotCapacity = 1024,
  ) {}

  /** The tile, or undefined if not cached. */
  get(level: number, index: number): PackedTile | undefined {
    const key = `${level}/${index}`;
    const entry = this.map.get(key);
    if (!entry) return undefined;
    // refresh recency: Map and Set iterate in insertion order
    this.map.delete(key);
    this.map.set(key, entry);
    entry.tile ??= new PackedTile(entry.bytes, entry.inner);
    this.touchHot(key);
    return entry.tile;
  }

  set(level: number, index: number, hashes: readonly Buffer[], inner?: Buffer): void {
    this.setBytes(level, index, Buffer.concat(hashes as Buffer[]), inner);
  }

  get size(): number {
    return this.map.size;
  }

  /**
   * Cache a tile's stored bytes (n × 32-byte hashes) as they came from the database. A tile only
   * grows, so a copy narrower than the cached one is stale and is ignored, and a full tile
   * (256 hashes) is never replaced; a partial tile is replaced by each wider copy, and like
   * every tile leaves the cache when it is the least recently used one. `inner` is a full tile's
   * stored inner levels, if it has them (a partial tile has none).
   */
  setBytes(level: number, index: number, bytes: Buffer, inner?: Buffer): void {
    const key = `${level}/${index}`;
    const cached = this.map.get(key);
    if (cached && (cached.bytes.length >= bytes.length || cached.bytes.length === FULL_TILE_BYTES)) return;
    this.map.delete(key);
    this.map.set(key, bytes.length === FULL_TILE_BYTES && inner ? { bytes, inner } : { bytes });
    this.hot.delete(key);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.hot.delete(oldest.value);
      }
    }
  }

  private touchHot(key: string): void {
    this.hot.delete(key);
    this.hot.add(key);
    if (this.hot.size > this.hotCapacity) {
      const coldest = this.hot.values().next();
      if (!coldest.done) {
        this.hot.delete(coldest.value);
        const entry = this.map.get(coldest.value);
        if (entry) delete entry.tile;
      }
    }
  }
}
