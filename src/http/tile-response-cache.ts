/**
 * The bytes of tiles and entry bundles already served, by path and encoding, bounded by their
 * total size (least recently used first out). A tile path names immutable content: a full tile
 * never changes, and a partial one at width W is the first W hashes forever (tlog-tiles: tiles
 * only grow), so once a path was served from the database its bytes can be served again without
 * asking — the tree head included. Gzipped bundles are kept too, so compression is paid once.
 */
export class TileResponseCache {
  private readonly items = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const hit = this.items.get(key);
    if (hit !== undefined) {
      // Re-inserted at the end: Map iteration order is the eviction order.
      this.items.delete(key);
      this.items.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Buffer): void {
    // One item may not push out most of the rest (a bundle of big v1 bodies can be megabytes).
    if (value.length > this.maxBytes / 8 || this.items.has(key)) return;
    this.items.set(key, value);
    this.bytes += value.length;
    for (const [oldest, old] of this.items) {
      if (this.bytes <= this.maxBytes) break;
      this.items.delete(oldest);
      this.bytes -= old.length;
    }
  }

  get size(): number {
    return this.items.size;
  }
}
