/**
 * A log shard served under a host name of its own (`sealhouse rotate rekor-v2 --url`, as
 * rekor-tiles starts each new Rekor v2 log on a new host): requests for that host name reach the
 * shard's routes at `/shards/N` — the write API, /checkpoint and the tiles, at the root of its
 * host as clients expect of a log's base URL. Mounted before every other router; any other path
 * on that host, and every request for any other host, pass untouched.
 */
import express, { type NextFunction, type Request, type Response } from 'express';

/** What a Rekor v2 log serves at its base URL (rekor-tiles' layout). */
const LOG_PATHS = /^\/(api\/v2\/|checkpoint$|tile\/)/;

/** `pathOfHost` answers a host name with its shard's path ('/shards/N'), or undefined for a host no shard owns. */
export function createShardHostRouter(pathOfHost: (hostname: string) => string | undefined): express.Router {
  const router = express.Router();
  router.use((req: Request, _res: Response, next: NextFunction) => {
    const path = pathOfHost(req.hostname);
    if (path && LOG_PATHS.test(req.path)) req.url = `${path}${req.url}`;
    next();
  });
  return router;
}
