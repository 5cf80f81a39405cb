/**
 * PackedTile (src/merkle/subtree.ts): a tile kept as its stored bytes answers every perfect
 * subtree exactly as hashing its hashes does — from its stored inner levels for a full tile,
 * by hashing once for a partial tile — and reads nodes of the narrower tile a smaller tree saw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leafHash } from '../../src/merkle/hash.js';
import { PackedTile, cachedSpan, hashSpan, innerLevels, splitHashes, tileHashes } from '../../src/merkle/subtree.js';

const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

/** Every (offset, span) of a complete subtree within the first `width` hashes. */
function* spans(width: number): Generator<[number, number]> {
  for (let span = 1; span <= width; span *= 2) for (let offset = 0; offset + span <= width; offset += span) yield [offset, span];
}

describe('PackedTile', () => {
  it('a full tile with its inner levels answers every subtree like hashing, at every width', () => {
    const hashes = leaves(256);
    const tile = new PackedTile(Buffer.concat(hashes), innerLevels(hashes).inner);
    for (const width of [1, 2, 3, 100, 128, 255, 256]) {
      for (const [offset, span] of spans(width)) {
        assert.ok(cachedSpan(tile, offset, span).equals(hashSpan(hashes, offset, span)), `span ${offset}+${span} of width ${width}`);
      }
    }
    assert.ok(cachedSpan(tile, 0, 256).equals(innerLevels(hashes).root), 'the root is the one integrate computes');
  });

  it('a tile without inner levels (the right edge) hashes once and gives the same answers', () => {
    for (const width of [1, 7, 64, 150, 256]) {
      const hashes = leaves(width);
      const tile = new PackedTile(Buffer.concat(hashes));
      for (const [offset, span] of spans(width)) assert.ok(cachedSpan(tile, offset, span).equals(hashSpan(hashes, offset, span)));
      assert.equal(tile.hashes(), tile.hashes(), 'split once and memoised');
      assert.deepEqual(tileHashes(tile), splitHashes(Buffer.concat(hashes), width));
    }
  });

  it('refuses a span that is not a complete subtree of the tile', () => {
    const tile = new PackedTile(Buffer.concat(leaves(10)));
    assert.throws(() => cachedSpan(tile, 8, 4));
    assert.throws(() => cachedSpan(tile, 2, 4));
  });
});
