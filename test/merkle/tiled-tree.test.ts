/** The tiled implementation against the naive RFC definitions, across tile boundaries and levels. */
import { nodeSha256 } from '../../src/node-crypto.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EMPTY_EDGE, edgeFromTiles, edgeTileRequests, integrate, rootOfEdge, type RightEdge } from '../../src/merkle/integrate.js';
import { proveConsistency, proveInclusion, rootAt } from '../../src/merkle/prove.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { MemoryTiles } from '../helpers/memory-tiles.js';
import { mth, naiveConsistency, naivePath } from '../helpers/naive-tree.js';

const leafOf = (i: number): Buffer => createHash('sha256').update(`leaf ${i}`).digest();

/** A deterministic pseudo-random sequence so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('tiled tree vs naive RFC 6962', () => {
  const total = 70_000; // crosses into tile level 2 (65,536 leaves)
  const leaves = Array.from({ length: total }, (_, i) => leafOf(i));
  const tiles = new MemoryTiles();
  const sizes: number[] = [];
  const random = rng(42);
  let size = 0;
  while (size < total) {
    const batch = Math.min(total - size, 1 + Math.floor(random() * (random() < 0.2 ? 3000 : 300)));
    const result = tiles.append(leaves.slice(size, size + batch));
    size += batch;
    sizes.push(size);
    if (sizes.length % 25 === 0 || size === total || size < 600) {
      assert.equal(result.rootHash.toString('hex'), mth(leaves, 0, size).toString('hex'), `root at ${size}`);
    }
  }

  it('keeps every tile immutable once full, and only the rightmost tile of a level partial', () => {
    for (const [key, hashes] of tiles.tiles) {
      const [level, index] = key.split('/').map(Number) as [number, number];
      const count = Math.floor(total / 256 ** level);
      const isRightmost = index === Math.floor(count / 256);
      if (!isRightmost) assert.equal(hashes.length, 256, `tile ${key} is full`);
    }
  });

  it('computes the root of any earlier size from the current tiles', async () => {
    for (const s of [1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, ...sizes.filter((_, i) => i % 37 === 0)]) {
      assert.equal((await rootAt(s, tiles)).toString('hex'), mth(leaves, 0, s).toString('hex'), `root at ${s}`);
    }
  });

  it('builds inclusion proofs identical to RFC PATH, for old and new sizes', async () => {
    const cases: [number, number][] = [
      [0, 1], [0, 256], [255, 256], [256, 257], [65_535, 65_536], [65_536, 70_000], [69_999, 70_000], [300, 65_537],
    ];
    for (let i = 0; i < 40; i++) {
      const s = 1 + Math.floor(random() * total);
      cases.push([Math.floor(random() * s), s]);
    }
    for (const [index, s] of cases) {
      const proof = await proveInclusion(index, s, tiles);
      const expected = naivePath(index, leaves, 0, s);
      assert.deepEqual(proof.map((h) => h.toString('hex')), expected.map((h) => h.toString('hex')), `PATH(${index}, ${s})`);
      verifyInclusion(nodeSha256, index, s, leaves[index] as Buffer, proof, mth(leaves, 0, s));
    }
  });

  it('builds consistency proofs identical to RFC SUBPROOF', async () => {
    const cases: [number, number][] = [[1, 70_000], [256, 257], [255, 65_537], [65_536, 70_000], [12_345, 12_345]];
    for (let i = 0; i < 30; i++) {
      const s2 = 1 + Math.floor(random() * total);
      cases.push([1 + Math.floor(random() * s2), s2]);
    }
    for (const [s1, s2] of cases) {
      const proof = await proveConsistency(s1, s2, tiles);
      const expected = naiveConsistency(s1, leaves, s2);
      assert.deepEqual(proof.map((h) => h.toString('hex')), expected.map((h) => h.toString('hex')), `SUBPROOF(${s1}, ${s2})`);
      verifyConsistency(nodeSha256, s1, s2, mth(leaves, 0, s1), mth(leaves, 0, s2), proof);
    }
  });

  it('rebuilds the right edge from stored partial tiles', () => {
    const map = new Map<number, Buffer[]>();
    for (const req of edgeTileRequests(total)) map.set(req.level, tiles.tiles.get(`${req.level}/${req.index}`) as Buffer[]);
    const edge = edgeFromTiles(total, map);
    assert.equal(rootOfEdge(edge).toString('hex'), mth(leaves).toString('hex'));
    assert.deepEqual(edge.partials.map((p) => p.length), tiles.edge.partials.map((p) => p.length));
  });
});

describe('small batches on one right edge (node memos carried from edge to edge)', () => {
  it('gives the RFC root after every batch, also after an integration that was thrown away', () => {
    // integrate() extends the old edge's node memos instead of re-hashing its partial tiles; an
    // integration whose transaction rolled back is discarded and the next batch appends other
    // leaves to the same old edge: nothing of the discarded one may leak into its root.
    const leaves = Array.from({ length: 1_300 }, (_, i) => leafOf(i));
    const decoys = Array.from({ length: 40 }, (_, i) => leafOf(1_000_000 + i));
    const random = rng(7);
    let edge: RightEdge = EMPTY_EDGE;
    while (edge.treeSize < leaves.length) {
      const n = Math.min(leaves.length - edge.treeSize, 1 + Math.floor(random() * 9));
      if (random() < 0.3) {
        const discarded = integrate(edge, decoys.slice(0, n));
        assert.notEqual(discarded.rootHash.toString('hex'), mth(leaves, 0, edge.treeSize + n).toString('hex'));
      }
      const next = integrate(edge, leaves.slice(edge.treeSize, edge.treeSize + n));
      edge = next.edge;
      assert.equal(next.rootHash.toString('hex'), mth(leaves, 0, edge.treeSize).toString('hex'), `root at ${edge.treeSize}`);
    }
  });
});
