/**
 * The RFC 3161 timestamp authority's HTTP API, as sigstore's timestamp-authority serves it
 * (pkg/api/timestamp.go, openapi.yaml):
 *
 *   POST /api/v1/timestamp            application/timestamp-query (DER TimeStampReq) or
 *                                     application/json {"artifactHash", "hashAlgorithm", …}
 *                                     → 200 application/timestamp-reply (DER TimeStampResp)
 *   GET  /api/v1/timestamp/certchain  → 200 application/pem-certificate-chain (leaf first)
 *
 * Errors are the API's JSON `{code, message}`. Like timestamp-authority, a refused request is a
 * 400 (weak or unknown hash, wrong digest length, other policy, extensions, bad DER, a body too
 * large), a Content-Type other than those two is a 415, and nothing a client sends is a 5xx.
 * The JSON body arrives parsed by json-body.ts; the DER body is left unread there and read here
 * as bytes, capped far below the server-wide limit since a TimeStampReq is about 100 bytes.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import { SealhouseError } from '../errors.js';
import { parseJsonTimestampRequest, parseTimestampQuery, type TimestampRequest } from '../tsa/timestamp-request.js';
import type { TimestampSigner } from '../tsa/timestamp-signer.js';
import { fromBodyParserError } from './error-map.js';
import { bodyError, isTimestampQuery } from './json-body.js';

export const TIMESTAMP_PATH = '/api/v1/timestamp';

/** A TimeStampReq with a SHA-512 imprint, a policy and a 20-byte nonce is under 120 bytes. */
export const MAX_QUERY_BYTES = 8 * 1024;

export interface TsaRouterDeps {
  readonly signer: TimestampSigner;
  /** Where `sealhouse_timestamps_issued_total` is registered (the server's metrics registry). */
  readonly registry?: Registry;
}

const readQuery = express.raw({ type: () => true, limit: MAX_QUERY_BYTES });

/** A body that could not be read, as the 400 timestamp-authority answers (an oversized one included). */
function bodyProblem(err: unknown, contentEncoding: string | undefined): SealhouseError {
  const known = err instanceof SealhouseError ? err : fromBodyParserError(err, contentEncoding);
  if (!known) return new SealhouseError('invalid_input', 'the timestamp request body could not be read', { cause: err });
  if (known.code === 'payload_too_large') return new SealhouseError('invalid_input', `the timestamp request is too large: ${known.message}`, { cause: err });
  return known;
}

function requestOf(req: Request, res: Response): TimestampRequest {
  const type = req.headers['content-type'];
  if (isTimestampQuery(type)) {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new SealhouseError('invalid_input', 'the timestamp request body is empty');
    return parseTimestampQuery(req.body);
  }
  if (req.is('application/json')) {
    if (bodyError(res) !== undefined) throw bodyProblem(bodyError(res), req.headers['content-encoding']);
    return parseJsonTimestampRequest(req.body);
  }
  throw new SealhouseError(
    'unsupported_media_type',
    `Content-Type must be application/timestamp-query (a DER TimeStampReq) or application/json, not ${JSON.stringify((type ?? '').slice(0, 100))}`,
  );
}

export function createTsaRouter(deps: TsaRouterDeps): express.Router {
  const router = express.Router();
  const issued = new Counter({
    name: 'sealhouse_timestamps_issued_total',
    help: 'RFC 3161 timestamp tokens issued',
    labelNames: ['form'],
    registers: deps.registry ? [deps.registry] : [],
  });

  router.post(
    TIMESTAMP_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      res.locals.operation = 'timestamp';
      if (!isTimestampQuery(req.headers['content-type'])) return next();
      readQuery(req, res, (err?: unknown) => next(err === undefined ? undefined : bodyProblem(err, req.headers['content-encoding'])));
    },
    (req: Request, res: Response) => {
      const form = isTimestampQuery(req.headers['content-type']) ? 'der' : 'json';
      const { response } = deps.signer.issue(requestOf(req, res));
      issued.inc({ form });
      res.status(200).type('application/timestamp-reply').set('Cache-Control', 'no-store').send(response);
    },
  );
  router.get(`${TIMESTAMP_PATH}/certchain`, (_req, res) => {
    res.locals.operation = 'timestampCertChain';
    // Read per request: a rotation (`sealhouse rotate tsa`) swaps the chain under a running server.
    // A Buffer, so Express adds no charset: the type is timestamp-authority's, exactly.
    res.status(200).type('application/pem-certificate-chain').send(Buffer.from(deps.signer.chainPem, 'utf8'));
  });
  return router;
}
