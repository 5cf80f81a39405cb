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
