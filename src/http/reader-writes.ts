/**
 * What a reader (a process serving from a replica, src/reader-server.ts) does with a write:
 * every request that is not a read is sent to the writers with 307 (same method and body, so a
 * client that follows redirects just works) when SEALHOUSE_WRITE_URL is set; otherwise 503 with
 * Retry-After and a message that says where writes go. Mounted before every other router, so
 * no write reaches code that would try one on a read-only database.
 */
import express, { type Request, type Response } from 'express';

/** Rekor v1's searches are POSTs that only read: a reader serves them. */
const READS_BY_POST = new Set(['/api/v1/log/entries/retrieve', '/api/v1/index/retrieve']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A 503 without a writer to point at: a client retrying later may find the deployment fixed. */
export const READER_RETRY_AFTER_SECONDS = 30;

export function isWrite(req: Request): boolean {
  if (READ_METHODS.has(req.method)) return false;
  const path = (req.originalUrl.split('?', 1)[0] ?? '').replace(/\/+$/, '');
  return !(req.method === 'POST' && READS_BY_POST.has(path));
}

/**
 * The writer's URL for this request: its origin and path prefix, then this request's path and
 * query as sent. Concatenated, never resolved: a path "//evil.example/x" must stay a path on
 * the writer's host, not become another host.
 */
export function writerLocation(writeUrl: URL, req: Request): string {
  return `${writeUrl.origin}${writeUrl.pathname.replace(/\/+$/, '')}${req.originalUrl}`;
}

export function createReaderWritesRouter(writeUrl: URL | undefined): express.Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next) => {
    if (!isWrite(req)) return next();
    res.locals.operation = 'write_to_reader';
    if (writeUrl) {
      res.status(307).set('Location', writerLocation(writeUrl, req)).json({ code: 307, message: `this Sealhouse process only reads (from a database replica); writes go to ${writeUrl.origin}` });
      return;
    }
    res
      .status(503)
      .set('Retry-After', String(READER_RETRY_AFTER_SECONDS))
      .json({
        code: 503,
        message:
          'this Sealhouse process only reads (from a database replica) and takes no writes: send this request to a writer of this log ' +
          '(the instances on the primary database); its operator can set SEALHOUSE_WRITE_URL on the reader to have writes redirected there',
      });
  });
  return router;
}
