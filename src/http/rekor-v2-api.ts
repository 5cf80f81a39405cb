/**
 * The Rekor v2 write API, `POST /api/v2/log/entries`, as sigstore/rekor-tiles' HTTP gateway
 * answers it (internal/server/http.go, service.go): a protojson CreateEntryRequest in, unknown
 * fields refused; 201 with the protojson TransparencyLogEntry, every field emitted
 * (EmitUnpopulated: `integratedTime` "0", `inclusionPromise` null, int64s as strings); errors in
 * grpc-gateway's shape `{"code": <gRPC code>, "message": …, "details": []}` — 400 (code 3) for
 * an invalid request, 409 (code 6) with `x-log-index` for an equivalent entry already logged,
 * 503 (code 14) with Retry-After under pushback or while draining.
 *
 * Its body limit is its own (rekor-tiles' default 4 MiB, above the v1 API's), so this router is
 * mounted before the application's JSON body parser and reads the raw body itself.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { DuplicateEntryError, SealhouseError } from '../errors.js';
import { API_VERSION, KIND } from '../rekor-v2/hashedrekord-v002.js';
import type { RekorV2Log, V2SequencedEntry } from '../rekor-v2/rekor-v2-log.js';
import { fromBodyParserError, toHttpError } from './error-map.js';
import { retryAfterSeconds } from './retry-after.js';

export const REKOR_V2_ENTRIES_PATH = '/api/v2/log/entries';
/**
 * Shard N ≥ 2's write URL (core/shard-paths.ts). A POST to any shard's URL, frozen or not,
 * appends to the active shard, as Rekor v1 does across shards: a client with a signing config
 * from before a rotation keeps working, and its entry's logId and checkpoint say where it went.
 */
const SHARD_ENTRIES_PATH = /^\/shards\/([1-9][0-9]{0,8})\/api\/v2\/log\/entries$/;
const ENTRIES_PATHS = [REKOR_V2_ENTRIES_PATH, SHARD_ENTRIES_PATH];
/** rekor-tiles' --max-request-body-size default. */
export const REKOR_V2_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface RekorV2ApiDeps {
  readonly log: RekorV2Log;
  /** True while shutting down: new entries are refused with 503. */
  readonly draining: () => boolean;
  readonly logger: Logger;
  readonly maxBodyBytes?: number;
  /** Called once per committed entry (metrics). */
  readonly onAppended?: () => void;
}

/** gRPC status codes (google.golang.org/grpc/codes) by the HTTP status grpc-gateway maps them to. */
const GRPC_CODE: Record<number, number> = { 400: 3, 404: 5, 409: 6, 413: 3, 415: 3, 422: 3, 503: 14, 500: 13 };

/** The TransparencyLogEntry rekor-tiles returns, fields in proto order, unpopulated ones emitted. */
function transparencyLogEntryJson(entry: V2SequencedEntry): Record<string, unknown> {
  return {
    logIndex: String(entry.index),
    logId: { keyId: entry.logId.toString('base64') },
    kindVersion: { kind: KIND, version: API_VERSION },
    integratedTime: '0',
    inclusionPromise: null,
    inclusionProof: {
      logIndex: String(entry.proof.logIndex),
      rootHash: entry.proof.rootHash.toString('base64'),
      treeSize: String(entry.proof.treeSize),
      hashes: entry.proof.hashes.map((h) => h.toString('base64')),
      checkpoint: { envelope: entry.proof.checkpoint },
    },
    canonicalizedBody: entry.body.toString('base64'),
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseBody(req: Request): unknown {
  const raw = req.body as unknown;
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new SealhouseError('invalid_input', 'the request body is empty; send a JSON CreateEntryRequest');
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    // protojson refuses invalid UTF-8; decoding it leniently would log U+FFFD instead of what was sent.
    throw new SealhouseError('invalid_input', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SealhouseError('invalid_input', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function createRekorV2Router(deps: RekorV2ApiDeps): express.Router {
  const router = express.Router();
  // Any content type, as the gateway's wildcard marshaler; inflated bytes count against the limit.
  const raw = express.raw({ limit: deps.maxBodyBytes ?? REKOR_V2_MAX_BODY_BYTES, type: () => true });

  router.post(ENTRIES_PATHS, (req, res, next) => {
    res.locals.operation = 'createEntryV2';
    raw(req, res, (err?: unknown) => {
      if (err !== undefined) return next(fromBodyParserError(err, req.headers['content-encoding']) ?? err);
      void (async () => {
        const shard = SHARD_ENTRIES_PATH.exec(req.path)?.[1];
        // A shard this process has not seen yet may have been started by another one: findShard looks.
        if (shard !== undefined && (shard === '1' || !(await deps.log.findShard(Number(shard))))) throw new SealhouseError('not_found', `the Rekor v2 log has no shard ${shard}`);
        if (deps.draining()) throw new SealhouseError('unavailable', 'the log is shutting down and accepts no new entries');
        const entry = await deps.log.submit(parseBody(req), req.socket.remoteAddress);
        deps.onAppended?.();
        res.status(201).json(transparencyLogEntryJson(entry));
      })().catch(next);
    });
  });
  router.all(ENTRIES_PATHS, (_req, res) => {
    res.set('Allow', 'POST').status(405).json({ code: 12, message: 'Method Not Allowed', details: [] });
  });

  router.use(ENTRIES_PATHS, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const requestId = res.locals.requestId as string | undefined;
    const http = toHttpError(err, requestId);
    const status = http.status === 422 ? 400 : http.status;
    if (status >= 500) deps.logger.error({ err: http.cause, path: req.originalUrl.split('?')[0], requestId }, 'request failed');
    if (err instanceof DuplicateEntryError) res.set('x-log-index', String(err.index));
    if (status === 503) res.set('Retry-After', String(retryAfterSeconds(err)));
    res.status(status).json({ code: GRPC_CODE[status] ?? 2, message: http.message, details: [] });
  });
  return router;
}
