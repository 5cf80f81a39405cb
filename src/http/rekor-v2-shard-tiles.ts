/**
 * The tlog-tiles read API of the Rekor v2 log's shards N ≥ 2 (storage/shard-paths.ts):
 * `/shards/N/checkpoint`, `/shards/N/tile/...`, and the same under `/tlog/v2`. Shard 1 keeps the
 * routers it always had (the base URL and /tlog/v2, server.ts). A frozen shard is served as long
 * as its tree exists: its tiles and last checkpoint never change and verify with its old key. A
 * shard started by another process is found in the database on its first request here.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { RekorV2Log } from '../rekor-v2/rekor-v2-log.js';
import { createTilesRouter } from './tiles-router.js';

const SHARD_PREFIX = /^(\/tlog\/v2)?\/shards\/([1-9][0-9]{0,8})\//;

export function createRekorV2ShardTilesRouter(log: RekorV2Log): express.Router {
  const routers = new Map<string, express.Router>();
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    const m = SHARD_PREFIX.exec(req.path);
    const ordinal = Number(m?.[2]);
    if (!m || ordinal < 2) return next();
    log.findShard(ordinal).then((shard) => {
      if (!shard) return next();
      const prefix = `${m[1] ?? ''}${shard.path}`;
      let tiles = routers.get(prefix);
      if (!tiles) {
        tiles = createTilesRouter({ prefix, log: shard });
        routers.set(prefix, tiles);
      }
      tiles(req, res, next);
    }, next);
  });
  return router;
}
