/**
 * The tree half of `sealhouse fsck`, shared by the Rekor and the CT log: recompute the tree from
 * the stored entries alone and compare every stored row with it — each entry's leaf_hash with
 * the hash of its data, every tile (full tiles as they complete, with their stored inner levels;
 * the right edge at the end; no rows beyond the tree), the root of every stored signed head and of the head row — and check
 * that consecutive signed heads are consistent through proofs built from the stored tiles, as an
 * auditor holding them would. Entries and heads arrive in pages; memory is one page, the right
 * edge and the tiles completed within the page.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { nodeSha256 } from '../node-crypto.js';
import { verifyConsistency } from '../core/merkle.js';
import { EMPTY_EDGE, edgeTileRequests, integrate, rootOfEdge, type RightEdge, type TileWrite } from '../merkle/integrate.js';
import { proveConsistency, type TileReader } from '../merkle/prove.js';
import { hashesAtLevel, TILE_WIDTH, type TileRequest } from '../merkle/tiles.js';
import { INNER_HASHES, innerLevels, splitHashes, type TileHashes } from '../merkle/subtree.js';
import type { AuditStore, AuditTree } from './audit-store.js';
import { TileCache } from './tile-cache.js';
import { hex } from './tree-integrity.js';

/** One stored row that does not match what it should be. */
export interface Finding {
  readonly table: string;
  readonly key: string;
  readonly expected: string;
  readonly found: string;
}

/** Collects findings; keeps the first `keep` for the report, counts them all. */
export class Findings {
  readonly kept: Finding[] = [];
  count = 0;

  constructor(private readonly keep = 200) {}

  add(finding: Finding): void {
    this.count++;
    if (this.kept.length < this.keep) this.kept.push(finding);
  }
}

export interface AuditLeaf {
  readonly index: number;
  /** The leaf hash recomputed from the stored data (body, leaf_input). */
  readonly fromData: Buffer;
  /** The stored leaf_hash column. */
  readonly column: Buffer;
}

export interface AuditHead {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** The primary key, for findings: "tree_size 42". */
  readonly key: string;
}

export interface TreeAuditInput {
  readonly store: AuditStore;
  readonly treeId: number;
  readonly head: { readonly treeSize: number; readonly rootHash: Buffer };
  readonly entryTable: string;
  readonly headTable: string;
  /** Entries in index order, in pages. */
  readonly leaves: AsyncIterable<readonly AuditLeaf[]>;
  /** Signed heads by increasing size, in pages (their signatures are the caller's to check). */
  readonly heads: AsyncIterable<readonly AuditHead[]>;
  readonly findings: Findings;
}

export interface TreeAuditCounts {
  entries: number;
  tiles: number;
  heads: number;
  consistencyProofs: number;
}

async function* flatten<T>(pages: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

export async function auditTree(input: TreeAuditInput): Promise<TreeAuditCounts> {
  const { store, treeId, head, findings } = input;
  const counts: TreeAuditCounts = { entries: 0, tiles: 0, heads: 0, consistencyProofs: 0 };
  const reader = storedTileReader(store, treeId);
  const heads = flatten(input.heads);
  let nextHead = (await heads.next()).value as AuditHead | undefined;
  let previous: AuditHead | undefined;
  let edge: RightEdge = EMPTY_EDGE;
  let chunk: Buffer[] = [];
  const completed: TileWrite[] = [];

  const integrateChunk = (): Buffer | undefined => {
    if (chunk.length === 0) return undefined;
    const result = integrate(edge, chunk);
    chunk = [];
    edge = result.edge;
    for (const t of result.tiles) if (t.hashes.length === TILE_WIDTH) completed.push(t);
    return result.rootHash;
  };

  const checkHeadsAt = async (size: number, root: Buffer): Promise<void> => {
    while (nextHead && nextHead.treeSize === size) {
      counts.heads++;
      if (!nextHead.rootHash.equals(root)) {
        findings.add({ table: input.headTable, key: `tree ${treeId}, ${nextHead.key}`, expected: `root ${hex(root)} (recomputed from the entries)`, found: hex(nextHead.rootHash) });
      }
      if (previous) {
        counts.consistencyProofs++;
        const problem = await consistencyProblem(previous, nextHead, reader);
        if (problem) findings.add({ table: input.headTable, key: `tree ${treeId}, ${previous.key} → ${nextHead.key}`, expected: 'a verifying consistency proof from the stored tiles', found: problem });
      }
      previous = nextHead;
      nextHead = (await heads.next()).value as AuditHead | undefined;
    }
  };

  let expected = 0;
  for await (const leaf of flatten(input.leaves)) {
    if (leaf.index >= head.treeSize) {
      findings.add({ table: input.entryTable, key: `tree ${treeId}, idx ${leaf.index}`, expected: `no entry at or beyond the head (size ${head.treeSize})`, found: 'an entry' });
      continue;
    }
    if (leaf.index !== expected) {
      findings.add({ table: input.entryTable, key: `tree ${treeId}, idx ${expected}..${leaf.index - 1}`, expected: 'an entry at each index', found: 'none' });
      return counts; // without every leaf nothing above this point can be recomputed
    }
    counts.entries++;
    // An entry whose data does not hash to its leaf_hash is one finding; the recompute goes on
    // with the stored leaf hash (what the index and the signed heads committed to), so one
    // edited body does not also flag every tile and head above it.
    if (!leaf.fromData.equals(leaf.column)) {
      findings.add({
        table: input.entryTable,
        key: `tree ${treeId}, idx ${leaf.index} (leaf_hash)`,
        expected: `data hashing to the stored leaf_hash ${hex(leaf.column)}`,
        found: `data hashing to ${hex(leaf.fromData)}`,
      });
    }
    chunk.push(leaf.column);
    expected++;
    if (nextHead && nextHead.treeSize < expected) {
      findings.add({ table: input.headTable, key: `tree ${treeId}, ${nextHead.key}`, expected: 'heads in increasing size', found: 'out of order' });
      nextHead = (await heads.next()).value as AuditHead | undefined;
    }
    if (nextHead?.treeSize === expected) await checkHeadsAt(expected, integrateChunk() as Buffer);
    if (chunk.length >= 4096) integrateChunk();
    if (completed.length >= 64) counts.tiles += await compareTiles(input, completed.splice(0));
  }
  integrateChunk();
  counts.tiles += await compareTiles(input, completed.splice(0));
  if (expected < head.treeSize) {
    findings.add({ table: input.entryTable, key: `tree ${treeId}, idx ${expected}..${head.treeSize - 1}`, expected: `entries up to the head (size ${head.treeSize})`, found: 'none' });
    return counts;
  }
  for (; nextHead; nextHead = (await heads.next()).value as AuditHead | undefined) {
    findings.add({ table: input.headTable, key: `tree ${treeId}, ${nextHead.key}`, expected: `a size within the head (${head.treeSize})`, found: String(nextHead.treeSize) });
  }
  const root = edge.treeSize === 0 ? undefined : rootOfEdge(edge);
  if (root && !root.equals(head.rootHash)) {
    findings.add({ table: 'trees', key: `tree ${treeId} (root_hash)`, expected: `${hex(root)} (recomputed from the entries)`, found: hex(head.rootHash) });
  }
  if (head.treeSize > 0 && previous?.treeSize !== head.treeSize) {
    findings.add({ table: input.headTable, key: `tree ${treeId}`, expected: `a signed head at the head row's size ${head.treeSize}`, found: previous ? `latest at ${previous.treeSize}` : 'none' });
  }
  counts.tiles += await compareEdgeAndExtras(input, edge);
  return counts;
}

/**
 * Full tiles as they completed during the recompute, against the stored rows: their hashes and
 * their stored inner levels (migrations/0008), which proofs read instead of re-hashing, so a
 * wrong one would be served as a wrong proof.
 */
async function compareTiles(input: TreeAuditInput, tiles: readonly TileWrite[]): Promise<number> {
  const stored = await input.store.tiles(input.treeId, tiles);
  const inner = await input.store.innerHashes(input.treeId, tiles);
  for (const t of tiles) {
    const key = `${t.level}/${t.index}`;
    compareTile(input, t.level, t.index, Buffer.concat(t.hashes as Buffer[]), stored.get(key));
    const recomputed = t.inner ?? innerLevels(t.hashes).inner;
    const found = inner.get(key);
    if (stored.has(key) && !found?.equals(recomputed)) {
      const at = found ? firstDifferentHash(recomputed, found) : 0;
      input.findings.add({
        table: 'tiles',
        key: `tree ${input.treeId}, level ${t.level}, idx ${t.index} (inner_hashes)`,
        expected: found ? `inner hash ${at} = ${hex(recomputed.subarray(at * 32, at * 32 + 32))}` : `${INNER_HASHES} inner hashes`,
        found: found ? (at * 32 < found.length ? hex(found.subarray(at * 32, at * 32 + 32)) : `${found.length} bytes`) : 'NULL',
      });
    }
  }
  return tiles.length;
}

function firstDifferentHash(a: Buffer, b: Buffer): number {
  let at = 0;
  while ((at + 1) * 32 <= Math.min(a.length, b.length) && a.subarray(at * 32, at * 32 + 32).equals(b.subarray(at * 32, at * 32 + 32))) at++;
  return at;
}

function compareTile(input: TreeAuditInput, level: number, index: number, recomputed: Buffer, stored: Buffer | undefined): void {
  const key = `tree ${input.treeId}, level ${level}, idx ${index}`;
  if (!stored) {
    input.findings.add({ table: 'tiles', key, expected: `${recomputed.length / 32} hashes`, found: 'no row' });
    return;
  }
  if (stored.equals(recomputed)) return;
  let at = 0;
  while ((at + 1) * 32 <= Math.min(stored.length, recomputed.length) && stored.subarray(at * 32, at * 32 + 32).equals(recomputed.subarray(at * 32, at * 32 + 32))) at++;
  const part = (b: Buffer): string => (at * 32 < b.length ? hex(b.subarray(at * 32, at * 32 + 32)) : `the end (${b.length / 32} hashes)`);
  input.findings.add({ table: 'tiles', key: `${key}, hash ${at}`, expected: part(recomputed), found: part(stored) });
}

/** The right edge's partial tiles exactly as recomputed, and no tile rows beyond the tree. */
async function compareEdgeAndExtras(input: TreeAuditInput, edge: RightEdge): Promise<number> {
  const requests = edgeTileRequests(edge.treeSize);
  const stored = await input.store.tiles(input.treeId, requests);
  for (const r of requests) {
    compareTile(input, r.level, r.index, Buffer.concat(edge.partials[r.level] as Buffer[]), stored.get(`${r.level}/${r.index}`));
  }
  for (const { level, count, maxIndex } of await input.store.tileCounts(input.treeId)) {
    const rows = Math.ceil(hashesAtLevel(level, edge.treeSize) / TILE_WIDTH);
    if (count === rows && maxIndex === rows - 1) continue;
    for (const idx of await input.store.tilesFrom(input.treeId, level, rows, 20)) {
      input.findings.add({ table: 'tiles', key: `tree ${input.treeId}, level ${level}, idx ${idx}`, expected: `no row (level ${level} has ${rows} tiles at size ${edge.treeSize})`, found: 'a row' });
    }
  }
  return requests.length;
}

/** A TileReader over the snapshot, for consistency proofs as a client would be served them. */
function storedTileReader(store: AuditStore, treeId: number): TileReader {
  const cache = new TileCache(512, 64);
  return {
    async readTiles(requests: readonly TileRequest[]): Promise<TileHashes[]> {
      const missing = requests.filter((r) => (cache.get(r.level, r.index)?.length ?? 0) < r.width);
      const rows = await store.tiles(treeId, missing);
      for (const [key, bytes] of rows) {
        const [level, index] = key.split('/').map(Number) as [number, number];
        cache.setBytes(level, index, bytes);
      }
      return requests.map((r) => {
        const hashes = cache.get(r.level, r.index) ?? splitHashes(rows.get(`${r.level}/${r.index}`) ?? Buffer.alloc(0), 0);
        if (hashes.length < r.width) throw new Error(`tile (level ${r.level}, idx ${r.index}) is missing or narrower than ${r.width}`);
        return hashes;
      });
    },
  };
}

async function consistencyProblem(from: AuditHead, to: AuditHead, reader: TileReader): Promise<string | undefined> {
  try {
    const proof = await proveConsistency(from.treeSize, to.treeSize, reader);
    verifyConsistency(nodeSha256, from.treeSize, to.treeSize, from.rootHash, to.rootHash, proof);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The key a tree was bound to, as node:crypto reads it; unreadable bytes are a finding, not a crash. */
export function boundKeyOf(tree: AuditTree, findings: Findings): KeyObject | undefined {
  if (!tree.publicKey) return undefined;
  try {
    return createPublicKey({ key: tree.publicKey, format: 'der', type: 'spki' });
  } catch {
    findings.add({ table: 'trees', key: `tree ${tree.treeId} (public_key)`, expected: 'a DER SubjectPublicKeyInfo', found: 'unparseable bytes' });
    return undefined;
  }
}
