/**
 * A bounded LRU of tiles. A tile only ever grows (its first W hashes never change), so a cached
 * copy never needs invalidation, only replacing by a wider one. 4096 tiles ≈ 32 MiB of hashes,
 * enough to keep every proof at 10^6 leaves in memory.
 */
export class TileCache {
  private readonly map = new Map<string, Buffer[]>();

  constructor(private readonly capacity: number) {}

  get(level: number, index: number): Buffer[] | undefined {
    const key = `${level}/${index}`;
    const hit = this.map.get(key);
    if (hit) {
      // refresh recency: Map iteration order is insertion order
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(level: number, index: number, hashes: Buffer[]): void {
    const key = `${level}/${index}`;
    this.map.delete(key);
    this.map.set(key, hashes);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
}
