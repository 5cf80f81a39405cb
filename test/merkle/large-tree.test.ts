/**
 * Proofs at indexes and sizes above 2^32, where 32-bit arithmetic would silently wrap.
 *
 * A real tree of 2^33 leaves cannot be built in a test, so this uses a virtual tree: every leaf
 * hash is the same constant except a few "marked" leaves (around 2^32 and near the end). Node
 * hashes of subtrees without marked leaves are constants per level, so any node is cheap to
 * compute, and tiles can be synthesised on demand. The tiled prover is compared with a direct
 * recursive RFC 6962 computation over the same virtual leaves.
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { nodeHash } from '../../src/merkle/hash.js';
import { proveConsistency, proveInclusion, rootAt, type TileReader } from '../../src/merkle/prove.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { formatTilePath, parseTilePath, type TileRequest } from '../../src/merkle/tiles.js';

const TWO_32 = 2 ** 32;
const marked = new Set<number>([TWO_32 - 2, TWO_32 - 1, TWO_32, TWO_32 + 1, TWO_32 + 77, 2 ** 33 + 5, 2 ** 33 + 6]);
const plainLeaf = createHash('sha256').update('plain').digest();
const leafAt = (i: number): Buffer => (marked.has(i) ? createHash('sha256').update(`marked ${i}`).digest() : plainLeaf);

const plainNodes: Buffer[] = [plainLeaf];
for (let h = 1; h <= 53; h++) plainNodes.push(nodeHash(plainNodes[h - 1] as Buffer, plainNodes[h - 1] as Buffer));

function hasMarked(start: number, end: number): boolean {
  for (const m of marked) if (m >= start && m < end) return true;
  return false;
}

/** Hash of the perfect subtree (level, index), straight from the definition. */
function node(level: number, index: number): Buffer {
  const start = index * 2 ** level;
  if (!hasMarked(start, start + 2 ** level)) return plainNodes[level] as Buffer;
  if (level === 0) return leafAt(start);
  return nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
}

/** MTH over [start, end) by the RFC's recursive split. */
function mth(start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return leafAt(start);
  let k = 1;
  while (k * 2 < n) k *= 2;
  if (k * 2 === n && start % n === 0) return node(Math.log2(n), start / n);
  return nodeHash(mth(start, start + k), mth(start + k, end));
}

function path(m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n <= 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? [...path(m, start, start + k), mth(start + k, end)] : [...path(m - k, start + k, end), mth(start, start + k)];
}

class VirtualTiles implements TileReader {
  requests: TileRequest[] = [];
  async readTiles(requests: readonly TileRequest[]): Promise<Buffer[][]> {
    this.requests.push(...requests);
    return requests.map((r) => Array.from({ length: r.width }, (_, j) => node(8 * r.level, r.index * 256 + j)));
  }
}

describe('trees larger than 2^32', () => {
  const size = 2 ** 33 + 7;

  it('proves inclusion of leaves around 2^32 and at the end, identical to RFC PATH', async () => {
    const tiles = new VirtualTiles();
    const root = await rootAt(size, tiles);
    assert.equal(root.toString('hex'), mth(0, size).toString('hex'));
    for (const index of [TWO_32 - 1, TWO_32, TWO_32 + 1, TWO_32 + 77, 2 ** 33 + 5, 2 ** 33 + 6]) {
      const proof = await proveInclusion(index, size, tiles);
      assert.deepEqual(proof.map((h) => h.toString('hex')), path(index, 0, size).map((h) => h.toString('hex')), `index ${index}`);
      verifyInclusion(nodeSha256, index, size, leafAt(index), proof, root);
      // The same proof must not verify for the index truncated to 32 bits.
      if (index >= TWO_32) assert.throws(() => verifyInclusion(nodeSha256, index % TWO_32, size, leafAt(index), proof, root));
    }
  });

  it('proves consistency between sizes on both sides of 2^32', async () => {
    const tiles = new VirtualTiles();
    for (const [s1, s2] of [[TWO_32 - 1, TWO_32 + 2], [TWO_32 + 78, size], [TWO_32, 2 ** 33 + 6]] as const) {
      const proof = await proveConsistency(s1, s2, tiles);
      verifyConsistency(nodeSha256, s1, s2, mth(0, s1), mth(0, s2), proof);
      if (s1 > TWO_32) assert.throws(() => verifyConsistency(nodeSha256, s1 % TWO_32, s2, mth(0, s1), mth(0, s2), proof));
    }
  });

  it('names tiles of such trees with exact C2SP paths', async () => {
    const tiles = new VirtualTiles();
    await proveInclusion(TWO_32 + 77, size, tiles);
    const leafTile = tiles.requests.find((r) => r.level === 0 && r.index === Math.floor((TWO_32 + 77) / 256));
    assert.ok(leafTile);
    assert.equal(formatTilePath(leafTile), 'tile/0/x016/x777/216');
    assert.deepEqual(parseTilePath('tile/0/x016/x777/216'), { kind: 'hash', level: 0, index: 16_777_216, width: 256 });
  });
});
