/**
 * TileCache (src/storage/tile-cache.ts): bounded, least recently used out first; a full tile
 * never changes once cached; a partial tile gives way to each wider copy and is never replaced
 * by a narrower (stale) one; only the hot tiles keep their PackedTile (and its memo).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TileCache } from '../../src/storage/tile-cache.js';

/** A tile of `width` hashes whose bytes all equal `fill`. */
const tile = (width: number, fill: number): Buffer => Buffer.alloc(width * 32, fill);

describe('TileCache', () => {
  it('holds at most its capacity, evicting the least recently used tile', () => {
    const cache = new TileCache(3);
    for (let i = 0; i < 3; i++) cache.setBytes(0, i, tile(256, i));
    assert.ok(cache.get(0, 0), 'tile 0 is cached (and now the most recently used)');
    cache.setBytes(0, 3, tile(256, 3));
    assert.equal(cache.size, 3);
    assert.equal(cache.get(0, 1), undefined, 'tile 1 was the least recently used: evicted');
    assert.ok(cache.get(0, 0) && cache.get(0, 2) && cache.get(0, 3));
    for (let i = 4; i < 100; i++) cache.setBytes(1, i, tile(1, i));
    assert.equal(cache.size, 3, 'never more than the capacity');
  });

  it('a full tile is immutable: a different copy does not replace it', () => {
    const cache = new TileCache(8);
    cache.setBytes(2, 5, tile(256, 0xaa));
    cache.setBytes(2, 5, tile(256, 0xbb));
    cache.set(2, 5, [Buffer.alloc(32, 0xcc)]);
    const hashes = cache.get(2, 5);
    assert.equal(hashes?.length, 256);
    assert.ok(hashes?.hashes().every((h) => h.equals(Buffer.alloc(32, 0xaa))), 'the first full copy stays');
  });

  it('a partial tile grows with each wider copy and is never narrowed by a stale one', () => {
    const cache = new TileCache(8);
    cache.setBytes(0, 1, tile(3, 1));
    assert.equal(cache.get(0, 1)?.length, 3);
    cache.setBytes(0, 1, tile(10, 2));
    assert.equal(cache.get(0, 1)?.length, 10, 'the wider copy replaced the partial one');
    cache.setBytes(0, 1, tile(4, 3));
    assert.equal(cache.get(0, 1)?.length, 10, 'a narrower copy read before the tile grew is ignored');
    cache.setBytes(0, 1, tile(256, 4));
    assert.equal(cache.get(0, 1)?.length, 256, 'and it ends as the full tile');
  });

  it('partial tiles are evicted like any other, not pinned', () => {
    const cache = new TileCache(2);
    cache.setBytes(0, 0, tile(7, 1));
    cache.setBytes(0, 1, tile(256, 2));
    cache.setBytes(0, 2, tile(256, 3));
    assert.equal(cache.get(0, 0), undefined);
  });

  it('only the hot tiles keep their PackedTile; a cold one gets a new one on use', () => {
    const cache = new TileCache(10, 2);
    for (let i = 0; i < 3; i++) cache.setBytes(0, i, tile(256, i));
    const first = cache.get(0, 0);
    assert.equal(cache.get(0, 0), first, 'while hot, the same tile (a tile without inner levels memoises its hashing on it)');
    cache.get(0, 1);
    cache.get(0, 2); // tile 0 is now the coldest of three hot tiles: its split form is dropped
    const again = cache.get(0, 0);
    assert.notEqual(again, first, 'made anew');
    assert.ok(again?.bytes.equals(first?.bytes ?? Buffer.alloc(0)), 'with the same content');
  });
});
