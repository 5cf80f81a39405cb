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
 * by array identity and its length: a tile array that grew is recomputed — unless it was made by
 * appending to an array whose memo exists (markGrownFrom), which is extended instead. A
 * PackedTile answers from its stored bytes instead (see there).
 */
interface LevelMemo {
  readonly length: number;
  /** levels[0] = the hashes, levels[r] = the nodes of the complete spans 2^r, computed lazily upward. */
  readonly levels: Buffer[][];
}
const levelMemo = new WeakMap<readonly Buffer[], LevelMemo>();
/** grown → the array it was made from by appending; used once, to extend that array's memo. */
const grownFrom = new WeakMap<readonly Buffer[], readonly Buffer[]>();

/**
 * Declare that `grown` starts with exactly the hashes of `base`, and that neither changes once
 * cachedSpan reads them (integrate.ts: an edge's partial tile is copied and appended to, never
 * edited). Then the first cachedSpan over `grown` hashes only the nodes the appended hashes
 * complete — about one per appended hash — instead of every level of the tile again: at a
 * thousand small batches a second that re-hashing was ~60 µs of the JavaScript thread per entry.
 */
export function markGrownFrom(grown: readonly Buffer[], base: readonly Buffer[]): void {
  if (grown !== base && base.length > 1 && grown.length >= base.length) grownFrom.set(grown, base);
}

function memoOf(hashes: readonly Buffer[]): LevelMemo {
  const known = levelMemo.get(hashes);
  if (known && known.length === hashes.length) return known;
  const levels: Buffer[][] = [hashes as Buffer[]];
  const base = grownFrom.get(hashes);
  grownFrom.delete(hashes); // the link is spent; keeping it would chain every past edge in memory
  const baseMemo = base && levelMemo.get(base);
  if (base && baseMemo && baseMemo.length === base.length) {
    // Nodes over the base's hashes are the same nodes here (same prefix): keep them, add the rest.
    for (let r = 1; r < baseMemo.levels.length; r++) {
      const below = levels[r - 1] as Buffer[];
      const next = (baseMemo.levels[r] as Buffer[]).slice();
      for (let i = next.length; i < Math.floor(below.length / 2); i++) next.push(nodeHash(below[2 * i] as Buffer, below[2 * i + 1] as Buffer));
      levels.push(next);
    }
  }
  const memo = { length: hashes.length, levels };
  levelMemo.set(hashes, memo);
  return memo;
}

export function cachedSpan(tile: TileHashes, offset: number, span: number): Buffer {
  if (tile instanceof PackedTile) return tile.span(offset, span);
  const hashes = tile;
  const memo = memoOf(hashes); // built even for a single hash, so a grown array's link is always spent
  if (span === 1) return hashSpan(hashes, offset, 1);
  const r = log2(span);
  while (memo.levels.length <= r) memo.levels.push(parents(memo.levels[memo.levels.length - 1] as Buffer[]));
  const hash = (memo.levels[r] as Buffer[])[offset / span];
  assert(hash !== undefined && offset % span === 0, `span ${offset}+${span} is not a complete subtree of ${hashes.length} hashes`);
  return hash;
}

function log2(span: number): number {
  let r = 0;
  for (let s = span; s > 1; s /= 2) r++;
  return r;
}

/**
 * A tile as it is stored: its n × 32 bytes and, for a full tile, its stored inner levels —
 * not n separate Buffers. Why: splitting a tile makes 256 Buffer objects (510 with the inner
 * levels), and a cache that keeps a thousand split tiles holds half a million small objects
 * that every young-generation GC copies while they are new; at 10^6–10^7 entries those
 * scavenges (10–30 ms each, measured by bench/scale-bench.ts) were the 1 % tail of proofs read
 * entirely from memory. A PackedTile hands out one 32-byte view per node a proof asks for.
 * A tile without stored inner levels (a partial tile, the right edge) is split and hashed once,
 * on first use, and memoised with the tile.
 */
export class PackedTile {
  readonly length: number;
  private root: Buffer | undefined;
  private split: Buffer[] | undefined;

  constructor(
    readonly bytes: Buffer,
    readonly inner?: Buffer,
  ) {
    assert(bytes.length % 32 === 0, `a tile is a whole number of hashes, not ${bytes.length} bytes`);
    this.length = bytes.length / 32;
    assert(!inner || (this.length === 256 && inner.length === INNER_HASHES * 32), 'inner levels belong to a full tile');
  }

  /** The tile's hashes as separate Buffers (made once). */
  hashes(): readonly Buffer[] {
    return (this.split ??= splitHashes(this.bytes, this.length));
  }

  /** The root of the perfect subtree over this tile's hashes [offset, offset+span). */
  span(offset: number, span: number): Buffer {
    assert(offset % span === 0 && offset + span <= this.length, `span ${offset}+${span} is not a complete subtree of ${this.length} hashes`);
    if (span === 1) return this.bytes.subarray(offset * 32, offset * 32 + 32);
    if (!this.inner) return cachedSpan(this.hashes(), offset, span);
    if (span === 256) return (this.root ??= nodeHash(this.innerAt(252), this.innerAt(253)));
    // inner holds levels 1…7 in turn (128, 64, …, 2 hashes): level r starts at 256 - 512/2^r.
    return this.innerAt(256 - (512 >> log2(span)) + offset / span);
  }

  private innerAt(i: number): Buffer {
    return (this.inner as Buffer).subarray(i * 32, i * 32 + 32);
  }
}

/** A tile's hashes as a TileReader hands them out: separate Buffers, or packed. */
export type TileHashes = readonly Buffer[] | PackedTile;

/** The hashes of a tile as separate Buffers. */
export function tileHashes(tile: TileHashes): readonly Buffer[] {
  return tile instanceof PackedTile ? tile.hashes() : tile;
}

/**
 * A full tile's inner levels: the 128, 64, …, 2 node hashes of tree levels 8·L+1 … 8·L+7 above
 * its 256 hashes, concatenated (254 hashes, 8,128 bytes). Stored with the tile (tiles.inner_hashes,
 * migrations/0008) so a cold proof reads its nodes instead of re-hashing 255 hashes per tile; the
 * tile's root (level 8·L+8) is not stored here, it is a hash of the tile above.
 */
export const INNER_HASHES = 254;

/** The inner levels of a full tile (see INNER_HASHES) and its root, computed in one pass. */
export function innerLevels(hashes: readonly Buffer[]): { inner: Buffer; root: Buffer } {
  assert(hashes.length === 256, `inner levels are stored for full tiles only, not ${hashes.length} hashes`);
  const levels = hashLevels(hashes, 8);
  const root = (levels[8] as Buffer[])[0] as Buffer;
  return { inner: Buffer.concat(levels.slice(1, 8).flat(), INNER_HASHES * 32), root };
}

/** levels[0] = hashes, levels[r] = the nodes of spans 2^r, up to `top`. */
function hashLevels(hashes: readonly Buffer[], top: number): Buffer[][] {
  const levels: Buffer[][] = [hashes as Buffer[]];
  while (levels.length <= top) levels.push(parents(levels[levels.length - 1] as Buffer[]));
  return levels;
}

/** The parent nodes of each complete pair of a level (an odd last node has none yet). */
function parents(below: readonly Buffer[]): Buffer[] {
  const next = new Array<Buffer>(Math.floor(below.length / 2));
  for (let i = 0; i < next.length; i++) next[i] = nodeHash(below[2 * i] as Buffer, below[2 * i + 1] as Buffer);
  return next;
}

/**
 * Give cachedSpan a full tile's stored inner levels (innerLevels().inner), so spans up to 128
 * over this array are lookups and the whole tile's root costs one hash. The bytes are trusted
 * as the tile itself is: both come from the same row (fsck checks that they agree).
 */
export function seedInnerLevels(hashes: readonly Buffer[], inner: Buffer): void {
  assert(hashes.length === 256 && inner.length === INNER_HASHES * 32, 'inner levels belong to a full tile');
  const levels: Buffer[][] = [hashes as Buffer[]];
  let at = 0;
  for (let width = 128; width >= 2; width /= 2) {
    levels.push(splitHashes(inner.subarray(at * 32, (at + width) * 32), width));
    at += width;
  }
  levelMemo.set(hashes, { length: hashes.length, levels });
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
