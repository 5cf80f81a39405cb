/**
 * Appending a batch of leaf hashes to a tiled tree (C2SP tlog-tiles layout).
 *
 * The state needed to append is only the right edge: the partial tile of each level. A tile that
 * reaches 256 hashes is complete, its root is pushed to the level above, and it never changes
 * again. The tree root is a fold over the right edge alone, because every perfect subtree in the
 * root's decomposition lies in the rightmost tile of its level.
 */
import { assert } from '../errors.js';
import { EMPTY_ROOT } from './hash.js';
import { perfectSubtrees } from './ranges.js';
import { cachedSpan, foldRight, innerLevels, markGrownFrom } from './subtree.js';
import { TILE_WIDTH, locateNode, type TileCoord, type TileRequest } from './tiles.js';

export interface RightEdge {
  readonly treeSize: number;
  /** partials[L] = hashes of the rightmost, not yet full tile at level L (may be empty). */
  readonly partials: readonly (readonly Buffer[])[];
}

export interface TileWrite extends TileCoord {
  readonly hashes: readonly Buffer[];
  /** For a tile this batch completed: its inner levels (subtree.ts innerLevels), to store with it. */
  readonly inner?: Buffer;
}

export interface Integration {
  readonly edge: RightEdge;
  readonly rootHash: Buffer;
  /** Every tile whose content changed, with its full new content. */
  readonly tiles: readonly TileWrite[];
}

export const EMPTY_EDGE: RightEdge = { treeSize: 0, partials: [] };

export function integrate(edge: RightEdge, leafHashes: readonly Buffer[]): Integration {
  // Copies, appended to below and never edited afterwards: their node memos extend the old
  // edge's (markGrownFrom), so the root and the batch's proofs hash only what the batch adds.
  const partials: Buffer[][] = edge.partials.map((p) => {
    const grown = [...p];
    markGrownFrom(grown, p);
    return grown;
  });
  // counts[L] = number of hashes at tile level L before the batch, i.e. floor(size / 256^L).
  const counts: number[] = partials.map((_, level) => Math.floor(edge.treeSize / TILE_WIDTH ** level));
  const changed = new Map<string, TileWrite>();

  const push = (level: number, hash: Buffer): void => {
    while (partials.length <= level) {
      partials.push([]);
      counts.push(Math.floor(edge.treeSize / TILE_WIDTH ** (partials.length - 1)));
    }
    const tile = partials[level] as Buffer[];
    const count = counts[level] as number;
    tile.push(hash);
    counts[level] = count + 1;
    const index = Math.floor(count / TILE_WIDTH);
    if (tile.length === TILE_WIDTH) {
      // Completing the tile hashes all its levels anyway: keep them for storage.
      const { inner, root } = innerLevels(tile);
      changed.set(`${level}/${index}`, { level, index, hashes: tile, inner });
      partials[level] = [];
      push(level + 1, root);
    } else {
      changed.set(`${level}/${index}`, { level, index, hashes: tile });
    }
  };

  for (const leaf of leafHashes) {
    assert(leaf.length === 32, 'leaf hashes are 32 bytes');
    push(0, leaf);
  }

  const newEdge: RightEdge = { treeSize: edge.treeSize + leafHashes.length, partials: trimEmptyTop(partials) };
  // Copy the changed tiles: a tile still partial keeps growing in `partials` on the next append.
  const rootHash = rootOfEdge(newEdge);
  const tiles = [...changed.values()].map((t) => {
    const hashes = [...t.hashes];
    markGrownFrom(hashes, t.hashes);
    return { ...t, hashes };
  });
  return { edge: newEdge, rootHash, tiles };
}

function trimEmptyTop(partials: Buffer[][]): Buffer[][] {
  let n = partials.length;
  while (n > 0 && (partials[n - 1] as Buffer[]).length === 0) n--;
  return partials.slice(0, n);
}

export function rootOfEdge(edge: RightEdge): Buffer {
  if (edge.treeSize === 0) return EMPTY_ROOT;
  const subtrees = perfectSubtrees({ start: 0, end: edge.treeSize }).map((node) => {
    const loc = locateNode(node);
    const partial = edge.partials[loc.tile.level];
    assert(partial !== undefined, `right edge lacks tile level ${loc.tile.level} for size ${edge.treeSize}`);
    return cachedSpan(partial, loc.offset, loc.span);
  });
  return foldRight(subtrees);
}

/** The partial tiles that make up the right edge of a tree of `treeSize` leaves. */
export function edgeTileRequests(treeSize: number): TileRequest[] {
  const out: TileRequest[] = [];
  for (let level = 0; TILE_WIDTH ** level <= treeSize; level++) {
    const count = Math.floor(treeSize / TILE_WIDTH ** level);
    const width = count % TILE_WIDTH;
    if (width > 0) out.push({ level, index: Math.floor(count / TILE_WIDTH), width });
  }
  return out;
}

/** Rebuild the right edge of a tree from its partial tiles (as listed by edgeTileRequests). */
export function edgeFromTiles(treeSize: number, tiles: ReadonlyMap<number, readonly Buffer[]>): RightEdge {
  const partials: Buffer[][] = [];
  for (const req of edgeTileRequests(treeSize)) {
    const hashes = tiles.get(req.level);
    assert(hashes !== undefined && hashes.length >= req.width, `missing partial tile ${req.level}/${req.index}`);
    while (partials.length < req.level) partials.push([]);
    partials.push(hashes.slice(0, req.width));
  }
  return { treeSize, partials };
}
