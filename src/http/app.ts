/**
 * The Express application: CORS, body limits, request logs and metrics around the API routers,
 * health endpoints, and the one error handler that maps every failure to a status and a body.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { OpenAPIBackend } from 'openapi-backend';
import { SealhouseError } from '../errors.js';
import { toHttpError } from './error-map.js';
import { retryAfterSeconds } from './retry-after.js';
import { parseJsonBodies, rejectUnparsedBody } from './json-body.js';
import { createLogEntryShortcut } from './rekor-api.js';
import type { Metrics } from './metrics.js';

export interface AppDeps {
  readonly rekor: OpenAPIBackend;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Is the service able to take traffic (database reachable, not draining)? Details (a reader's replica lag) go into the /readyz body. */
  readonly ready: () => Promise<boolean | { readonly ready: boolean; readonly [detail: string]: unknown }>;
  /** Extra routers mounted before the API (CA, UI, trust documents). */
  readonly routers?: readonly express.Router[];
  /** Routers that read their own request bodies, with their own limits (Rekor v2's 4 MiB): mounted before the JSON body parser. */
  readonly rawBodyRouters?: readonly express.Router[];
}

/** Permissive CORS, as Rekor's default handler: browsers (the search UI) call the API directly. */
function cors(req: Request, res: Response, next: NextFunction): void {
  res.set('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.set('Access-Control-Allow-Methods', 'GET, POST, HEAD, OPTIONS');
    res.set('Access-Control-Allow-Headers', 'Content-Type, Accept, Authorization');
    res.set('Access-Control-Max-Age', '600');
    res.status(204).end();
    return;
  }
  next();
}

/** openapi-backend decodes path parameters and would throw a URIError (a 500) on a bad escape. */
function checkPercentEncoding(path: string): void {
  try {
    decodeURIComponent(path);
  } catch {
    throw new SealhouseError('invalid_input', `the request path is not valid percent-encoding: ${path.slice(0, 200)}`);
  }
}

/**
 * 8 random bytes as 16 hex digits, as before, drawn from a block refilled every 512 requests:
 * one randomBytes(8) call per request was ≈ 10–15 µs of the server's limiting thread.
 */
const ID_BYTES = 8;
let idBlock = Buffer.alloc(0);
let idOffset = 0;
function nextRequestId(): string {
  if (idOffset + ID_BYTES > idBlock.length) {
    idBlock = randomBytes(ID_BYTES * 512);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idBlock.toString('hex', idOffset - ID_BYTES, idOffset);
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // Rekor sets ETag only on created entries, with the entry ID.

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // The full path, taken now: routers mounted under a prefix (/api/v1) see req.path without it,
    // and the request log used to say "/log" for GET /api/v1/log. No query string (it can be long).
    const path = req.originalUrl.split('?', 1)[0]?.slice(0, 300) ?? '';
    // Quoted by a client that got "internal error", it finds the log lines of its request.
    const requestId = nextRequestId();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = String(res.locals.operation ?? 'other');
      deps.metrics.requestDuration.observe({ operation, status: String(res.statusCode) }, seconds);
      deps.logger.info({ method: req.method, path, operation, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, requestId }, 'request');
    });
    next();
  });
  app.use(cors);

  app.get('/healthz', (_req, res) => {
    res.locals.operation = 'healthz';
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    res.locals.operation = 'readyz';
    const answer = await deps.ready().catch(() => false);
    const { ready, ...detail } = typeof answer === 'boolean' ? { ready: answer } : answer;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...detail });
  });
  app.get('/metrics', async (_req, res) => {
    res.locals.operation = 'metrics';
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  for (const router of deps.rawBodyRouters ?? []) app.use(router);
  app.use(parseJsonBodies(deps.maxBodyBytes));
  // The write hot path, for the bodies the schema certainly accepts (the rest fall through,
  // rekor-api.ts). Ahead of the other routers, none of which answers POST /api/v1/log/entries:
  // walking their layers cost ≈ 50–100 µs per entry of the server's limiting thread.
  const shortcut = createLogEntryShortcut(deps.rekor);
  if (shortcut !== undefined) app.post('/api/v1/log/entries', shortcut);
  for (const router of deps.routers ?? []) app.use(router);

  app.use('/api/v1', rejectUnparsedBody, async (req, res, next) => {
    try {
      const path = req.originalUrl.split('?')[0] ?? req.path;
      checkPercentEncoding(path);
      await deps.rekor.handleRequest(
        // HEAD is GET without the body (rs/cors and net/http allow it on every GET route).
        { method: req.method === 'HEAD' ? 'GET' : req.method, path, query: req.query as Record<string, string>, headers: req.headers as Record<string, string>, body: req.body },
        req,
        res,
      );
    } catch (err) {
      next(err);
    }
  });

  app.use((_req: Request, res: Response) => void res.status(404).json({ code: 404, message: 'no such path' }));

  // Express recognises error handlers by their four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string | undefined;
    const http = toHttpError(err, requestId);
    if (http.status >= 500) deps.logger.error({ err: http.cause, path: req.path, requestId }, 'request failed');
    if (res.headersSent) return void res.end();
    if (http.status === 503) res.set('Retry-After', String(retryAfterSeconds(err)));
    res.status(http.status).json({ code: http.status, message: http.message });
  });
  return app;
}
