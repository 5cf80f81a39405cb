/** An in-memory tile store for pure Merkle tests: applies integrations, serves TileReader. */
import { EMPTY_EDGE, integrate, type Integration, type RightEdge } from '../../src/merkle/integrate.js';
import type { TileReader } from '../../src/merkle/prove.js';
import { leafHash } from '../../src/merkle/hash.js';
import type { TileRequest } from '../../src/merkle/tiles.js';

export class MemoryTiles implements TileReader {
  readonly tiles = new Map<string, Buffer[]>();
  edge: RightEdge = EMPTY_EDGE;
  reads = 0;

  append(leafHashes: readonly Buffer[]): Integration {
    const result = integrate(this.edge, leafHashes);
    for (const t of result.tiles) this.tiles.set(`${t.level}/${t.index}`, [...t.hashes]);
    this.edge = result.edge;
    return result;
  }

  appendData(leaves: readonly Uint8Array[]): Integration {
    return this.append(leaves.map((l) => leafHash(l)));
  }

  async readTiles(requests: readonly TileRequest[]): Promise<Buffer[][]> {
    this.reads++;
    return requests.map((r) => {
      const t = this.tiles.get(`${r.level}/${r.index}`);
      if (!t || t.length < r.width) throw new Error(`tile ${r.level}/${r.index} width ${r.width} not stored`);
      return t;
    });
  }
}
