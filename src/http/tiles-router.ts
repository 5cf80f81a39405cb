/**
 * The C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles) for any log, under a path prefix:
 *
 *   <prefix>/checkpoint                     text/plain; charset=utf-8, no-cache (it changes)
 *   <prefix>/tile/<L>/<N>[.p/<W>]            application/octet-stream, hashes of tile level L
 *   <prefix>/tile/entries/<N>[.p/<W>]        application/octet-stream, uint16-length-prefixed entries
 *
 * Full tiles and full entry bundles never change, so they are cached for a year as immutable;
 * a partial one is superseded by a wider one as the tree grows (and the spec lets a log delete
 * it), so it is `no-cache`. Paths are read strictly (merkle/tiles.ts parseTilePath) from the raw
 * request path, so a percent-encoded or otherwise non-canonical spelling is a 400, a tile the
 * tree does not hold yet a 404 — never a 5xx for anything the caller sent. Error answers are
 * plain text and `no-store`: a 404 for a tile beyond the tree must not outlive the tree's growth.
 * A path once served is served again from memory (tile-response-cache.ts): its bytes never change.
 * Entry bundles are gzipped for clients that accept it (Vary: Accept-Encoding). GET and HEAD
 * only; other methods get 405.
 *
 * The same router serves the Rekor v1 tree (`/tlog/v1`, through LogService) and the Rekor v2
 * log (`/` and `/tlog/v2`), each through its own TileLog. A log that has rotated its key serves
 * each later shard under `<prefix>/shards/N` (createShardTilesRouter; core/shard-paths.ts).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SealhouseError } from '../errors.js';
import { toHttpError } from './error-map.js';
import { TileResponseCache } from './tile-response-cache.js';
import { shardPath } from '../core/shard-paths.js';

/** What a log offers to this router: tiles and bundles by C2SP path, and its current checkpoint. */
export interface TileLog {
  /**
   * The tile or entry bundle at `path` ("tile/0/x001/234.p/7", "tile/entries/000"), exactly
   * as wide as the path says. SealhouseError 'malformed_tile_path' for a non-canonical path,
   * 'not_found' for one the tree does not (yet) hold.
   */
  tile(path: string): Promise<Buffer>;
  /** The signed checkpoint note as served, ending in a newline. */
  checkpoint(): Promise<string>;
}

export interface TilesRouterDeps {
  readonly log: TileLog;
  /** Path prefix of the log: '' (served at the root) or e.g. '/tlog/v1'. */
  readonly prefix: string;
  /** Bytes of served tiles kept in memory (tile-response-cache.ts); 0 turns the cache off. */
  readonly cacheBytes?: number;
}

/** 16 MiB per router (the v2 log is mounted twice): about 2,000 full hash tiles. */
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

const gzipAsync = promisify(gzip);

const IMMUTABLE = 'public, max-age=31536000, immutable';
const MUTABLE = 'no-cache';

/** A partial tile or bundle path ends in ".p/<W>". */
const isPartial = (path: string): boolean => /\.p\/[0-9]+$/.test(path);

/** '' for the root; otherwise "/a/b" without a trailing slash, whatever spelling was given. */
function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (/\/\/|[?#]/.test(trimmed)) throw new SealhouseError('internal', `tiles prefix ${JSON.stringify(prefix)} is not a plain path`);
  return trimmed === '' ? '' : `/${trimmed}`;
}

export function createTilesRouter(deps: TilesRouterDeps): express.Router {
  const { log } = deps;
  const base = normalisePrefix(deps.prefix);
  const checkpointPath = `${base}/checkpoint`;
  const tilePrefix = `${base}/tile/`;
  const cache = new TileResponseCache(deps.cacheBytes ?? DEFAULT_CACHE_BYTES);
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    // req.path is the raw (undecoded) path: exact comparisons, so Express's case-insensitive,
    // trailing-slash-tolerant matching cannot give one tile two names.
    const path = req.path;
    const isCheckpoint = path === checkpointPath;
    if (!isCheckpoint && !path.startsWith(tilePrefix)) return next();
    const tilePath = path.slice(base.length + 1);
    res.locals.operation = isCheckpoint ? 'tiles-checkpoint' : tilePath.startsWith('tile/entries/') ? 'tiles-entries' : 'tiles-tile';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, HEAD').set('Cache-Control', 'no-store').type('text/plain').send(`${req.method} is not allowed here: the tlog-tiles API is read-only (GET, HEAD)\n`);
      return;
    }
    const answer = isCheckpoint ? serveCheckpoint(log, res) : serveTile(log, cache, tilePath, req, res);
    answer.catch((err: unknown) => {
      const http = toHttpError(err, res.locals.requestId as string | undefined);
      // Unexpected failures go to the app's error handler, which logs them under the request id.
      if (http.status >= 500) return next(err);
      if (res.headersSent) return void res.end();
      res.status(http.status).set('Cache-Control', 'no-store').type('text/plain').send(`${http.message}\n`);
    });
  });
  return router;
}

/** Frozen shards are read far less than the one in use: a smaller tile cache each. */
const SHARD_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * The tiles of a log's shards N ≥ 2 at `<prefix>/shards/N/…`, each through its own tiles
 * router, made when the shard is first asked for. `logOf` answers only for shards the log has
 * (it may look in the database for one another process started), so a request for any other N
 * falls through (404) without making anything.
 */
export function createShardTilesRouter(prefix: string, logOf: (ordinal: number) => TileLog | undefined | Promise<TileLog | undefined>): express.Router {
  const base = normalisePrefix(prefix);
  const shardPrefix = `${base}/shards/`;
  const routers = new Map<number, express.Router>();
  const router = express.Router();
  const serve = (ordinal: number, log: TileLog | undefined, req: Request, res: Response, next: NextFunction): void => {
    if (!log) return next();
    let shard = routers.get(ordinal);
    if (!shard) {
      shard = createTilesRouter({ prefix: `${base}${shardPath(ordinal)}`, log, cacheBytes: SHARD_CACHE_BYTES });
      routers.set(ordinal, shard);
    }
    shard(req, res, next);
  };
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith(shardPrefix)) return next();
    const m = /^([1-9][0-9]{0,8})\//.exec(req.path.slice(shardPrefix.length));
    const ordinal = m ? Number(m[1]) : 1;
    if (ordinal === 1) return next(); // shard 1 is the log's own prefix
    const known = routers.get(ordinal);
    if (known) return known(req, res, next);
    Promise.resolve(logOf(ordinal)).then((log) => serve(ordinal, log, req, res, next), next);
  });
  return router;
}

async function serveCheckpoint(log: TileLog, res: Response): Promise<void> {
  const note = await log.checkpoint();
  res.status(200).set('Cache-Control', MUTABLE).set('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send(note);
}

/**
 * Entry bundles are gzipped when the client lists gzip in Accept-Encoding (the spec: they SHOULD
 * be compressed at the HTTP layer; canonical JSON bodies shrink several times). Hash tiles are
 * random bytes and are never compressed. A request without Accept-Encoding gets identity bytes,
 * so `curl` and hand-written mirrors read what they expect.
 */
function wantsGzip(req: Request, path: string): boolean {
  return path.startsWith('tile/entries/') && req.headers['accept-encoding'] !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
}

async function serveTile(log: TileLog, cache: TileResponseCache, path: string, req: Request, res: Response): Promise<void> {
  const gzipped = wantsGzip(req, path);
  const key = `${gzipped ? 'gzip' : 'identity'} ${path}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = await log.tile(path);
    if (gzipped) bytes = await gzipAsync(bytes);
    cache.set(key, bytes);
  }
  if (path.startsWith('tile/entries/')) res.set('Vary', 'Accept-Encoding');
  if (gzipped) res.set('Content-Encoding', 'gzip');
  res
    .status(200)
    .set('Cache-Control', isPartial(path) ? MUTABLE : IMMUTABLE)
    .set('X-Content-Type-Options', 'nosniff')
    .type('application/octet-stream')
    .send(bytes);
}
