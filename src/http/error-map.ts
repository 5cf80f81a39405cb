/**
 * The one table from error code to HTTP status (DESIGN §5). Bad input is always a 4xx; a 5xx
 * means a bug or an outage, never something the caller did.
 */
import type { ErrorCode } from '../errors.js';
import { SealhouseError } from '../errors.js';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  schema_violation: 422,
  malformed_note: 400,
  malformed_key: 400,
  malformed_proof: 400,
  malformed_tile_path: 400,
  verification_failed: 400,
  out_of_range: 400,
  not_found: 404,
  duplicate_entry: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 400,
  unavailable: 503,
  internal: 500,
};

export interface HttpError {
  readonly status: number;
  readonly message: string;
  /** The original error, for the log line of a 5xx. */
  readonly cause?: unknown;
}

/**
 * Body-parser failures carry a `type`; as SealhouseErrors they get each API's own error shape
 * (Rekor, Fulcio, CT) instead of looking like internal errors.
 */
export function fromBodyParserError(err: unknown): SealhouseError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, limit, message } = err as { type?: unknown; limit?: unknown; message?: unknown };
  switch (type) {
    case 'entity.too.large':
      return new SealhouseError('payload_too_large', `Request Entity Too Large. Limit set to ${String(limit)}`);
    case 'entity.parse.failed':
      return new SealhouseError('invalid_input', `the request body is not valid JSON: ${String(message)}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SealhouseError('unsupported_media_type', String(message));
    case 'request.aborted':
      return new SealhouseError('invalid_input', 'the request was aborted by the client');
    default:
      return undefined;
  }
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof SealhouseError) {
    const status = STATUS[err.code];
    return status >= 500 && err.code === 'internal'
      ? { status, message: 'internal error; see the server log', cause: err }
      : { status, message: err.message, cause: err };
  }
  const parsed = fromBodyParserError(err);
  if (parsed) return toHttpError(parsed);
  return { status: 500, message: 'internal error; see the server log', cause: err };
}
