/**
 * A tiny C2SP tlog-tiles log over HTTP for the monitor's tiles mode, for what our own server
 * never does (tiles-sealhouse.test.ts follows the real one): tiles built with src/merkle's
 * integrate (via MemoryTiles), entry bundles of uint16-length-prefixed bodies, and a checkpoint
 * signed with a test key, ECDSA (Rekor v1 style) or Ed25519 (Rekor v2). Knobs let a test drop
 * partial tiles (as the spec allows once a tile is full) or tamper with what is served.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rootAt } from '../../src/merkle/prove.js';
import { parseTilePath, TILE_WIDTH } from '../../src/merkle/tiles.js';
import { MemoryTiles } from '../helpers/memory-tiles.js';
import { checkpointText, signNote } from './fixtures.js';

export interface TilesLog {
  readonly url: string;
  readonly key: KeyObject;
  readonly bodies: Buffer[];
  /** Answer 404 for a partial tile once the full one exists. */
  dropPartials: boolean;
  /** Rewrites a served tile or bundle: (path, bytes) → bytes. */
  tamper: ((path: string, bytes: Buffer) => Buffer) | undefined;
  append(bodies: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

export const ORIGIN = 'tiles.example/log';

export async function startTilesLog(key: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey): Promise<TilesLog> {
  const tiles = new MemoryTiles();
  let note = '';
  const log = {
    key,
    bodies: [] as Buffer[],
    dropPartials: false,
    tamper: undefined as TilesLog['tamper'],
    async append(bodies: readonly Buffer[]): Promise<void> {
      log.bodies.push(...bodies);
      tiles.appendData(bodies);
      note = signNote(checkpointText(ORIGIN, log.bodies.length, await rootAt(log.bodies.length, tiles)), key, '127.0.0.1');
    },
  };
  const serve = (path: string): Buffer | undefined => {
    if (path === 'checkpoint') return Buffer.from(note);
    let parsed;
    try {
      parsed = parseTilePath(path);
    } catch {
      return undefined;
    }
    if (parsed.kind === 'entries') {
      const slice = log.bodies.slice(parsed.index * TILE_WIDTH, parsed.index * TILE_WIDTH + parsed.width);
      if (slice.length < parsed.width) return undefined;
      if (log.dropPartials && parsed.width < TILE_WIDTH && log.bodies.length >= (parsed.index + 1) * TILE_WIDTH) return undefined;
      return Buffer.concat(slice.flatMap((b) => [Buffer.from([b.length >> 8, b.length & 0xff]), b]));
    }
    const hashes = tiles.tiles.get(`${parsed.level}/${parsed.index}`);
    if (!hashes || hashes.length < parsed.width) return undefined;
    if (log.dropPartials && parsed.width < TILE_WIDTH && hashes.length === TILE_WIDTH) return undefined;
    return Buffer.concat(hashes.slice(0, parsed.width));
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\//, '');
    const bytes = serve(path);
    if (!bytes) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': path === 'checkpoint' ? 'text/plain' : 'application/octet-stream' });
    res.end(log.tamper?.(path, bytes) ?? bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(log, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
