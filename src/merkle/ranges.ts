/**
 * Which subtrees make up an RFC 6962 proof, as half-open leaf ranges [start, end).
 * Inclusion follows PATH (RFC 6962 §2.1.1), consistency follows SUBPROOF (§2.1.2); both are
 * listed leaf → root, the order clients expect.
 *
 * Every range produced starts at a multiple of a power of two at least as large as the range,
 * so its hash is a right fold over the perfect subtrees `perfectSubtrees` returns.
 * All arithmetic is on plain numbers with division, never 32-bit bitwise operators, so indexes
 * and sizes are exact up to 2^53.
 */
import { SealhouseError, assert } from '../errors.js';

export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** A perfect subtree: 2^level leaves starting at index * 2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** The largest power of two strictly less than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function checkTreeSize(treeSize: number, what = 'tree size'): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new SealhouseError('out_of_range', `${what} must be a non-negative integer, got ${String(treeSize)}`);
  }
}

/** The audit path of leaf `index` in a tree of `treeSize` leaves. */
export function inclusionRanges(index: number, treeSize: number): LeafRange[] {
  checkTreeSize(treeSize);
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new SealhouseError('out_of_range', `leaf index ${String(index)} is outside a tree of size ${treeSize}`);
  }
  const out: LeafRange[] = [];
  path(index, 0, treeSize, out);
  return out;
}

function path(m: number, start: number, end: number, out: LeafRange[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(m, start, start + k, out);
    out.push({ start: start + k, end });
  } else {
    path(m - k, start + k, end, out);
    out.push({ start, end: start + k });
  }
}

/** The consistency proof between the trees of size1 and size2 leaves (0 < size1 ≤ size2). */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  checkTreeSize(size1, 'first size');
  checkTreeSize(size2, 'second size');
  if (size1 === 0) throw new SealhouseError('out_of_range', 'a consistency proof from the empty tree is meaningless');
  if (size1 > size2) {
    throw new SealhouseError('out_of_range', `first size ${size1} must not be greater than second size ${size2}`);
  }
  const out: LeafRange[] = [];
  subproof(size1, 0, size2, true, out);
  return out;
}

function subproof(m: number, start: number, end: number, startsAtFirstTree: boolean, out: LeafRange[]): void {
  const n = end - start;
  if (m === n) {
    if (!startsAtFirstTree) out.push({ start, end });
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(m, start, start + k, startsAtFirstTree, out);
    out.push({ start: start + k, end });
  } else {
    subproof(m - k, start + k, end, false, out);
    out.push({ start, end: start + k });
  }
}

/**
 * The perfect subtrees covering [start, end), largest first. Their hash is
 * node(P0, node(P1, … Pn)) — RFC 6962 splits at the largest power of two below the size.
 */
export function perfectSubtrees(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let size = 1;
    let level = 0;
    while (size * 2 <= remaining) {
      size *= 2;
      level++;
    }
    assert(start % size === 0, `range [${range.start}, ${range.end}) is not aligned for subtree decomposition`);
    out.push({ level, index: start / size });
    start += size;
    remaining -= size;
  }
  return out;
}
