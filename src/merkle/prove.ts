/**
 * Building RFC 6962 inclusion and consistency proofs (and roots at any size) from stored tiles.
 * The tree math is pure; the only thing it needs from storage is a TileReader.
 */
import { assert } from '../errors.js';
import { EMPTY_ROOT } from './hash.js';
import { consistencyRanges, inclusionRanges, perfectSubtrees, checkTreeSize, type LeafRange, type NodeId } from './ranges.js';
import { cachedSpan, foldRight, type TileHashes } from './subtree.js';
import { locateNode, tileKey, tileWidth, type TileRequest } from './tiles.js';

/** What the tree math needs from storage. */
export interface TileReader {
  /**
   * The hashes of each requested tile, in request order. A stored tile may have grown past the
   * requested width; the first `width` hashes are what was there at the requested tree size.
   */
  readTiles(requests: readonly TileRequest[]): Promise<TileHashes[]>;
}

export async function proveInclusion(index: number, treeSize: number, reader: TileReader): Promise<Buffer[]> {
  return hashRanges(inclusionRanges(index, treeSize), treeSize, reader);
}

/**
 * Inclusion proofs for many leaves of one tree size at once. Proofs of neighbouring leaves
 * share almost their whole path, so every distinct range is hashed once, with a single tile
 * read for all of them: a batch of 1,000 proofs costs a few times one proof, not 1,000 times.
 */
export async function proveInclusionBatch(indexes: readonly number[], treeSize: number, reader: TileReader): Promise<Buffer[][]> {
  const distinct = new Map<string, LeafRange>();
  const paths = indexes.map((index) =>
    inclusionRanges(index, treeSize).map((range) => {
      const key = `${range.start}:${range.end}`;
      if (!distinct.has(key)) distinct.set(key, range);
      return key;
    }),
  );
  const hashes = await hashRanges([...distinct.values()], treeSize, reader);
  const byKey = new Map<string, Buffer>();
  [...distinct.keys()].forEach((key, i) => byKey.set(key, hashes[i] as Buffer));
  return paths.map((path) => path.map((key) => byKey.get(key) as Buffer));
}

export async function proveConsistency(size1: number, size2: number, reader: TileReader): Promise<Buffer[]> {
  return hashRanges(consistencyRanges(size1, size2), size2, reader);
}

export async function rootAt(treeSize: number, reader: TileReader): Promise<Buffer> {
  checkTreeSize(treeSize);
  if (treeSize === 0) return EMPTY_ROOT;
  const [root] = await hashRanges([{ start: 0, end: treeSize }], treeSize, reader);
  return root as Buffer;
}

/** Hash each range with one batched tile read for all the perfect subtrees involved. */
export async function hashRanges(ranges: readonly LeafRange[], treeSize: number, reader: TileReader): Promise<Buffer[]> {
  const decomposed = ranges.map(perfectSubtrees);
  const nodes = await hashNodes(decomposed.flat(), treeSize, reader);
  return decomposed.map((subtrees) => foldRight(subtrees.map((n) => nodes.get(nodeKey(n)) as Buffer)));
}

function nodeKey(node: NodeId): string {
  return `${node.level}/${node.index}`;
}

async function hashNodes(nodes: readonly NodeId[], treeSize: number, reader: TileReader): Promise<Map<string, Buffer>> {
  const requests = new Map<string, TileRequest>();
  const located = nodes.map((node) => {
    const loc = locateNode(node);
    const key = tileKey(loc.tile);
    if (!requests.has(key)) {
      const width = tileWidth(loc.tile, treeSize);
      assert(loc.offset + loc.span <= width, `node ${nodeKey(node)} lies outside the tree of size ${treeSize}`);
      requests.set(key, { ...loc.tile, width });
    }
    return { node, loc, key };
  });
  const requestList = [...requests.values()];
  const tiles = await reader.readTiles(requestList);
  const tileByKey = new Map<string, TileHashes>();
  requestList.forEach((req, i) => {
    const hashes = tiles[i];
    assert(hashes !== undefined && hashes.length >= req.width, `tile ${tileKey(req)} is missing or too short`);
    tileByKey.set(tileKey(req), hashes);
  });
  const out = new Map<string, Buffer>();
  for (const { node, loc, key } of located) {
    out.set(nodeKey(node), cachedSpan(tileByKey.get(key) as TileHashes, loc.offset, loc.span));
  }
  return out;
}

