/**
 * Hashing runs of tile hashes into the perfect subtrees they span, and folding perfect subtrees
 * into the hash of an arbitrary range (RFC 6962 MTH over a right-edge range).
 */
import { assert } from '../errors.js';
import { nodeHash } from './hash.js';

/** The root of the perfect subtree over hashes[offset .. offset+span), span a power of two. */
export function hashSpan(hashes: readonly Buffer[], offset: number, span: number): Buffer {
  assert(offset + span <= hashes.length, `span ${offset}+${span} exceeds ${hashes.length} hashes`);
  if (span === 1) return hashes[offset] as Buffer;
  let level: Buffer[] = hashes.slice(offset, offset + span) as Buffer[];
  while (level.length > 1) {
    const next: Buffer[] = new Array<Buffer>(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = nodeHash(level[2 * i] as Buffer, level[2 * i + 1] as Buffer);
    level = next;
  }
  return level[0] as Buffer;
}

/**
 * hashSpan with every intermediate level remembered per tile array, so repeated proofs over
 * the same (cached) tiles cost lookups instead of up to 255 hashes per node. The memo is keyed
 * by array identity and its length: a tile array that grew is simply recomputed.
 */
const levelMemo = new WeakMap<readonly Buffer[], { length: number; levels: Buffer[][] }>();

export function cachedSpan(hashes: readonly Buffer[], offset: number, span: number): Buffer {
  if (span === 1) return hashSpan(hashes, offset, 1);
  let memo = levelMemo.get(hashes);
  if (!memo || memo.length !== hashes.length) {
    memo = { length: hashes.length, levels: [hashes as Buffer[]] };
    levelMemo.set(hashes, memo);
  }
  let r = 0;
  for (let s = span; s > 1; s /= 2) r++;
  while (memo.levels.length <= r) {
    const below = memo.levels[memo.levels.length - 1] as Buffer[];
    const next = new Array<Buffer>(Math.floor(below.length / 2));
    for (let i = 0; i < next.length; i++) next[i] = nodeHash(below[2 * i] as Buffer, below[2 * i + 1] as Buffer);
    memo.levels.push(next);
  }
  const hash = (memo.levels[r] as Buffer[])[offset / span];
  assert(hash !== undefined && offset % span === 0, `span ${offset}+${span} is not a complete subtree of ${hashes.length} hashes`);
  return hash;
}

/** node(P0, node(P1, … node(Pn-1, Pn))) for perfect subtrees listed largest (leftmost) first. */
export function foldRight(subtrees: readonly Buffer[]): Buffer {
  assert(subtrees.length > 0, 'cannot fold an empty list of subtrees');
  let acc = subtrees[subtrees.length - 1] as Buffer;
  for (let i = subtrees.length - 2; i >= 0; i--) acc = nodeHash(subtrees[i] as Buffer, acc);
  return acc;
}

/** Split a tile's concatenated bytes into 32-byte hashes (views, no copies). */
export function splitHashes(bytes: Buffer, count: number): Buffer[] {
  assert(bytes.length >= count * 32, `tile holds ${bytes.length / 32} hashes, ${count} needed`);
  const out = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) out[i] = bytes.subarray(i * 32, i * 32 + 32);
  return out;
}
