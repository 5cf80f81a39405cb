/**
 * A deliberately naive RFC 6962 implementation straight from the RFC's recursive definitions
 * (MTH, PATH, SUBPROOF), used as an independent oracle for the tiled implementation.
 */
import { EMPTY_ROOT, nodeHash } from '../../src/merkle/hash.js';

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// Memo of subtree hashes per leaf array, only so that large oracle checks finish quickly; the
// recursion itself is the RFC's definition.
const memo = new WeakMap<readonly Buffer[], Map<string, Buffer>>();

export function mth(leaves: readonly Buffer[], start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[start] as Buffer;
  let cache = memo.get(leaves);
  if (!cache) memo.set(leaves, (cache = new Map()));
  const key = `${start}:${end}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const split = k(n);
  const hash = nodeHash(mth(leaves, start, start + split), mth(leaves, start + split, end));
  cache.set(key, hash);
  return hash;
}

export function naivePath(m: number, leaves: readonly Buffer[], start = 0, end = leaves.length): Buffer[] {
  const n = end - start;
  if (n <= 1) return [];
  const split = k(n);
  if (m < split) return [...naivePath(m, leaves, start, start + split), mth(leaves, start + split, end)];
  return [...naivePath(m - split, leaves, start + split, end), mth(leaves, start, start + split)];
}

export function naiveConsistency(m: number, leaves: readonly Buffer[], size = leaves.length): Buffer[] {
  const sub = (mm: number, start: number, end: number, b: boolean): Buffer[] => {
    const n = end - start;
    if (mm === n) return b ? [] : [mth(leaves, start, end)];
    const split = k(n);
    if (mm <= split) return [...sub(mm, start, start + split, b), mth(leaves, start + split, end)];
    return [...sub(mm - split, start + split, end, false), mth(leaves, start, start + split)];
  };
  return sub(m, 0, size, true);
}
