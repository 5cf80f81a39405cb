/**
 * Errors on the Fulcio API the way grpc-gateway renders a gRPC status (reference §1): a JSON body
 * `{"code": <gRPC code>, "message": "...", "details": []}` with the HTTP status grpc-gateway maps
 * that code to (runtime.HTTPStatusFromCode). Fulcio answers every client mistake InvalidArgument
 * (3 → 400) and CA or CT trouble Internal (13 → 500); overload and shutdown are Unavailable
 * (14 → 503), which clients retry.
 *
 *   400 {"code":3,"message":"There was an error processing the identity token: token is expired","details":[]}
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ErrorCode, SealhouseError } from '../errors.js';
import { CtSubmissionError } from '../ca/ca-service.js';
import { asSealhouseError, clientText, internalErrorMessage } from './error-map.js';
import { retryAfterSeconds } from './retry-after.js';

export interface GrpcStatus {
  readonly grpc: number;
  readonly http: number;
}

export const GRPC = {
  invalidArgument: { grpc: 3, http: 400 },
  notFound: { grpc: 5, http: 404 },
  resourceExhausted: { grpc: 8, http: 429 },
  unimplemented: { grpc: 12, http: 501 },
  internal: { grpc: 13, http: 500 },
  unavailable: { grpc: 14, http: 503 },
} as const satisfies Record<string, GrpcStatus>;

const BY_CODE: Record<ErrorCode, GrpcStatus> = {
  invalid_input: GRPC.invalidArgument,
  schema_violation: GRPC.invalidArgument,
  malformed_note: GRPC.invalidArgument,
  malformed_key: GRPC.invalidArgument,
  malformed_proof: GRPC.invalidArgument,
  malformed_tile_path: GRPC.invalidArgument,
  verification_failed: GRPC.invalidArgument,
  out_of_range: GRPC.invalidArgument,
  unauthenticated: GRPC.invalidArgument, // Fulcio: InvalidArgument for every identity-token failure
  not_found: GRPC.notFound,
  duplicate_entry: GRPC.invalidArgument,
  payload_too_large: { grpc: GRPC.resourceExhausted.grpc, http: 413 },
  unsupported_media_type: { grpc: GRPC.invalidArgument.grpc, http: 415 },
  unavailable: GRPC.unavailable,
  internal: GRPC.internal,
};

export function sendGrpcError(res: Response, status: GrpcStatus, message: string): void {
  res.status(status.http).json({ code: status.grpc, message, details: [] });
}

/** What the client is told: the error's own message, except for bugs, which stay in the log. */
function clientMessage(err: SealhouseError | undefined, requestId: string | undefined): string {
  if (!err) return internalErrorMessage(requestId);
  // Fulcio's fixed text for a failed CT submission is meant for the client, internal or not.
  if (err instanceof CtSubmissionError) return err.message;
  return clientText(err, requestId);
}

/** The Fulcio routers' error handler: gRPC-shaped bodies; a 5xx's cause goes to the log. */
export function fulcioErrorHandler(logger: Logger | undefined) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = asSealhouseError(err);
    const status = known ? BY_CODE[known.code] : GRPC.internal;
    const requestId = res.locals.requestId as string | undefined;
    if (status.http >= 500) logger?.error({ err, path: req.path, requestId }, 'CA request failed');
    if (res.headersSent) return void res.end();
    if (status.http === 503) res.setHeader('Retry-After', String(retryAfterSeconds(known)));
    sendGrpcError(res, status, clientMessage(known, requestId));
  };
}
