/**
 * C2SP tlog-tiles coordinates and paths: https://c2sp.org/tlog-tiles
 *
 * A tile at level L holds up to 256 consecutive hashes of tree level 8·L: level-0 tiles hold leaf
 * hashes, a level-1 entry is the root of a full level-0 tile, and so on. Only the rightmost tile
 * of a level may be partial; it grows in place until it holds 256 hashes and never changes after.
 *
 * Paths look like `tile/1/x001/x234/067.p/7` (level 1, index 1234067, partial width 7) and
 * `tile/entries/000` (the first entry bundle).
 */
import { SealhouseError } from '../errors.js';
import type { NodeId } from './ranges.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Levels are capped so that 256^level stays within a safe integer range of tree sizes. */
const MAX_TILE_LEVEL = 63;

export interface TileCoord {
  readonly level: number;
  readonly index: number;
}

export interface TileRequest extends TileCoord {
  /** Number of hashes required: 1..256. */
  readonly width: number;
}

/** Where a perfect subtree's hash can be computed from: a run of `span` hashes in one tile. */
export interface NodeLocation {
  readonly tile: TileCoord;
  readonly offset: number;
  readonly span: number;
}

export function locateNode(node: NodeId): NodeLocation {
  const tileLevel = Math.floor(node.level / TILE_HEIGHT);
  const span = 2 ** (node.level - tileLevel * TILE_HEIGHT);
  const firstHash = node.index * span; // index among the hashes of tree level 8·tileLevel
  const tileIndex = Math.floor(firstHash / TILE_WIDTH);
  return { tile: { level: tileLevel, index: tileIndex }, offset: firstHash - tileIndex * TILE_WIDTH, span };
}

/** How many hashes of tile level `level` exist in a tree of `treeSize` leaves. */
export function hashesAtLevel(level: number, treeSize: number): number {
  return Math.floor(treeSize / TILE_WIDTH ** level);
}

/** The width of tile (level, index) in a tree of `treeSize` leaves; 0 if it does not exist yet. */
export function tileWidth(coord: TileCoord, treeSize: number): number {
  const remaining = hashesAtLevel(coord.level, treeSize) - coord.index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, remaining));
}

export function tileKey(coord: TileCoord): string {
  return `${coord.level}/${coord.index}`;
}

function formatIndex(index: number): string {
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function formatTilePath(tile: TileRequest): string {
  const partial = tile.width < TILE_WIDTH ? `.p/${tile.width}` : '';
  return `tile/${tile.level}/${formatIndex(tile.index)}${partial}`;
}

export function formatEntriesPath(index: number, width: number): string {
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/entries/${formatIndex(index)}${partial}`;
}

export type ParsedTilePath =
  | { readonly kind: 'hash'; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

const PATH_RE = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parse a tile path strictly; anything not in canonical C2SP form is a malformed_tile_path. */
export function parseTilePath(path: string): ParsedTilePath {
  const match = PATH_RE.exec(path);
  if (!match) {
    throw new SealhouseError(
      'malformed_tile_path',
      `"${path}" is not a tile path: expected tile/<level>/<N>[.p/<width>] with N as 3-digit groups, e.g. tile/0/x001/234.p/5`,
    );
  }
  const [, levelText = '', xGroups = '', lastGroup = '', widthText] = match;
  const groups = xGroups.split('/').filter((g) => g !== '').map((g) => g.slice(1));
  groups.push(lastGroup);
  if (groups.length > 1 && groups[0] === '000') {
    throw new SealhouseError('malformed_tile_path', `"${path}": the tile index has a leading zero group`);
  }
  let index = 0;
  for (const g of groups) index = index * 1000 + Number(g);
  if (!Number.isSafeInteger(index)) {
    throw new SealhouseError('malformed_tile_path', `"${path}": the tile index is too large`);
  }
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) {
    throw new SealhouseError('malformed_tile_path', `"${path}": a partial tile width must be between 1 and 255`);
  }
  if (levelText === 'entries') return { kind: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) {
    throw new SealhouseError('malformed_tile_path', `"${path}": tile level ${level} is above ${MAX_TILE_LEVEL}`);
  }
  return { kind: 'hash', level, index, width };
}
