/**
 * A C2SP tlog-tiles log (https://c2sp.org/tlog-tiles), as Rekor v2 serves one: `checkpoint`,
 * hash tiles `tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]`. There is no
 * proof API: the monitor builds the consistency proof from tiles itself (src/merkle/prove.ts
 * over an HTTP TileReader) and checks it like any other, so a log serving tiles that do not
 * hash to its signed roots fails the same check. Entries are read from the bundles and each
 * leaf is proven included in the head from the same tiles.
 *
 * A partial tile may be gone once the full tile exists (the spec lets logs delete them), so a
 * 404 on a partial path falls back to the full tile, of which the first W hashes are the same.
 */
import { nodeSha256 } from '../node-crypto.js';
import { toHex } from '../core/bytes.js';
import { verifyInclusion } from '../core/merkle.js';
import { leafHash } from '../merkle/hash.js';
import { proveConsistency, proveInclusionBatch, type TileReader } from '../merkle/prove.js';
import { formatEntriesPath, formatTilePath, TILE_WIDTH, tileWidth, type TileRequest } from '../merkle/tiles.js';
import { summary, type VerifiedCheckpoint } from './checkpoints.js';
import type { LogFetcher } from './fetch.js';
import { Inconsistency } from './inconsistency.js';
import type { LoggedEntry, LogSource } from './source.js';

const HASH = 32;

export class TilesSource implements LogSource {
  private readonly base: string;

  constructor(
    url: string,
    private readonly fetcher: LogFetcher,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  checkpoint(): Promise<string> {
    return this.fetcher.text(`${this.base}/checkpoint`);
  }

  async consistencyProof(size1: number, size2: number, head: VerifiedCheckpoint): Promise<Uint8Array[]> {
    return proveConsistency(size1, size2, this.reader(head));
  }

  async *entries(start: number, end: number, head: VerifiedCheckpoint): AsyncIterable<LoggedEntry[]> {
    const reader = this.reader(head);
    for (let bundle = Math.floor(start / TILE_WIDTH); bundle * TILE_WIDTH < end; bundle++) {
      const width = tileWidth({ level: 0, index: bundle }, head.checkpoint.size);
      const bodies = parseBundle(await this.fetchTile(formatEntriesPath(bundle, width), formatEntriesPath(bundle, TILE_WIDTH), width < TILE_WIDTH), width, bundle, head);
      const first = Math.max(start, bundle * TILE_WIDTH);
      const last = Math.min(end, (bundle + 1) * TILE_WIDTH);
      const indexes = Array.from({ length: last - first }, (_, i) => first + i);
      const proofs = await proveInclusionBatch(indexes, head.checkpoint.size, reader);
      yield indexes.map((logIndex, i) => {
        const body = bodies[logIndex - bundle * TILE_WIDTH] as Uint8Array;
        const leaf = leafHash(body);
        try {
          verifyInclusion(nodeSha256, logIndex, head.checkpoint.size, leaf, proofs[i] as Uint8Array[], head.checkpoint.rootHash);
        } catch (err) {
          throw new Inconsistency(`entry ${logIndex} of the entry bundle is not the leaf the tiles prove into the signed root: ${(err as Error).message}`, undefined, summary(head.checkpoint));
        }
        return { logIndex, uuid: toHex(leaf), body };
      });
    }
  }

  /** Tiles of the head's tree, fetched once per round. */
  private reader(head: VerifiedCheckpoint): TileReader {
    const cache = new Map<string, Buffer[]>();
    return {
      readTiles: (requests: readonly TileRequest[]) =>
        Promise.all(
          requests.map(async (r) => {
            // Ask for the tile as it is at the head's size: the widths prove.ts asks for are at
            // most that, and a tile at the head's size is immutable once the head is signed.
            const width = tileWidth(r, head.checkpoint.size);
            const path = formatTilePath({ ...r, width });
            let hashes = cache.get(path);
            if (!hashes) {
              const bytes = await this.fetchTile(path, formatTilePath({ ...r, width: TILE_WIDTH }), width < TILE_WIDTH);
              const expected = bytes.length === TILE_WIDTH * HASH ? TILE_WIDTH * HASH : width * HASH;
              if (bytes.length !== expected) {
                throw new Inconsistency(`tile ${path} holds ${bytes.length} bytes, not ${width} hashes of 32 bytes`, undefined, summary(head.checkpoint));
              }
              const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
              hashes = Array.from({ length: bytes.length / HASH }, (_, i) => buf.subarray(i * HASH, (i + 1) * HASH));
              cache.set(path, hashes);
            }
            return hashes;
          }),
        ),
    };
  }

  private async fetchTile(path: string, fullPath: string, partial: boolean): Promise<Uint8Array> {
    const bytes = await this.fetcher.bytes(`${this.base}/${path}`, { allow404: partial });
    if (bytes) return bytes;
    return (await this.fetcher.bytes(`${this.base}/${fullPath}`)) as Uint8Array;
  }
}

/** tlog-tiles entry bundle: each entry is a big-endian uint16 length and that many bytes. */
function parseBundle(bytes: Uint8Array, width: number, index: number, head: VerifiedCheckpoint): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) break;
    const len = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + len > bytes.length) break;
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  // A bundle fetched in full may hold more entries than the head's size covers; fewer is a lie.
  if (at !== bytes.length || out.length < width) {
    throw new Inconsistency(`entry bundle ${index} is malformed or holds ${out.length} entries, expected ${width}`, undefined, summary(head.checkpoint));
  }
  return out;
}
