/**
 * The one table from error code to HTTP status (DESIGN §5). Bad input is always a 4xx; a 5xx
 * means a bug or an outage, never something the caller did.
 *
 * What a client reads is ours: a SealhouseError's own message (scrubbed of any OpenSSL or
 * socket text a cause left in it), or, for anything unexpected, a generic sentence with the
 * request id under which the details were logged.
 */
import type { ErrorCode } from '../errors.js';
import { SealhouseError } from '../errors.js';
import { socketErrorMeaning } from '../socket-errors.js';

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

/** The client's side of an unexpected failure: nothing about it, but how to find it in the log. */
export function internalErrorMessage(requestId?: string): string {
  return requestId ? `internal error (request id ${requestId}); see the server log` : 'internal error; see the server log';
}

/** Header values and other client text quoted back in a message are cut to this length. */
const QUOTE_MAX = 100;
const quote = (value: unknown): string => {
  const text = String(value).replace(/[^\x20-\x7e]/g, '?');
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
};

/**
 * Decompressors fail with zlib's or brotli's own codes (Z_DATA_ERROR "incorrect header check",
 * Z_BUF_ERROR "unexpected end of file", ERR__ERROR_FORMAT_PADDING_2 …); body-parser passes them
 * on as a 400 without a `type`. They mean the body is not what Content-Encoding says.
 */
function isDecompressionError(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_') || code.startsWith('ERR_BROTLI') || code.startsWith('ERR_ZSTD'));
}

/**
 * Body-parser failures (they carry a `type`, or a decompressor's `code`) as SealhouseErrors, so
 * they get each API's own error shape (Rekor, Fulcio, CT) instead of looking like internal
 * errors. `contentEncoding` is the request's header, to name it in the message.
 */
export function fromBodyParserError(err: unknown, contentEncoding?: string): SealhouseError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, limit, message, code, status, charset, encoding } = err as Record<string, unknown>;
  switch (type) {
    case 'entity.too.large':
      // raw-body counts decompressed bytes, so a compressed body is held to the same limit.
      return new SealhouseError('payload_too_large', `Request Entity Too Large. Limit set to ${String(limit)}`, { cause: err });
    case 'entity.parse.failed':
      return new SealhouseError('invalid_input', `the request body is not valid JSON: ${String(message)}`, { cause: err });
    case 'encoding.unsupported':
      return new SealhouseError('unsupported_media_type', `unsupported content encoding "${quote(encoding ?? contentEncoding)}"`, { cause: err });
    case 'charset.unsupported':
      return new SealhouseError('unsupported_media_type', `unsupported charset "${quote(charset).toUpperCase()}" (send UTF-8)`, { cause: err });
    case 'request.aborted':
      return new SealhouseError('invalid_input', 'the request was aborted by the client', { cause: err });
    case 'request.size.invalid':
      return new SealhouseError('invalid_input', 'the request body is shorter or longer than its Content-Length', { cause: err });
    default:
  }
  if (isDecompressionError(code)) {
    const what = contentEncoding ? `${quote(contentEncoding)} data, as its Content-Encoding says` : 'what its Content-Encoding says';
    return new SealhouseError('invalid_input', `the request body could not be decompressed: it is not valid ${what}`, { cause: err });
  }
  // Any other failure body-parser marks as the client's (4xx, e.g. `stream.not.readable` is not).
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    return new SealhouseError('invalid_input', 'the request body could not be read', { cause: err });
  }
  return undefined;
}

/**
 * Low-level text a cause can leave inside one of our messages, replaced by what it means:
 * OpenSSL's queue (`error:08000068:elliptic curve routines::invalid form`) says which C routine
 * failed, and socket errors (`connect ECONNREFUSED 127.0.0.1:5432`) name internal addresses.
 */
const OPENSSL_ERROR = /error:[0-9A-Fa-f]{8}:[^:\n]*:[^:\n]*:[^\n;,)]*/g;
const SOCKET_ERROR =
  /\b(?:(?:connect|getaddrinfo|read|write|lookup|querySrv|queryA|queryAaaa)\s+)?(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ECONNABORTED|EADDRNOTAVAIL|EPROTO)\b(?:\s+[^\s;,)]+)?/g;

export function scrubInternalText(message: string): string {
  return message
    .replace(OPENSSL_ERROR, 'rejected by the crypto library')
    .replace(SOCKET_ERROR, (_m, code: string) => socketErrorMeaning(code) ?? 'network error');
}

/**
 * Errors from Express and its middleware that mark themselves safe to show (http-errors with
 * `expose` and a 4xx status, e.g. a bad percent-escape in a route parameter).
 */
function fromExposedHttpError(err: unknown): SealhouseError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  if (expose !== true || typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const code: ErrorCode = status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_input';
  return new SealhouseError(code, scrubInternalText(err.message), { cause: err });
}

/**
 * A hot standby cancels a reader's query when replaying the primary's changes needs the rows it
 * reads (SQLSTATE 40001, "conflict with recovery"): nothing is wrong with the request, and the
 * same query succeeds once replayed, so 503 and retry (src/reader-server.ts).
 */
function fromRecoveryConflict(err: unknown): SealhouseError | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '40001' || typeof message !== 'string' || !/conflict with recovery/i.test(message)) return undefined;
  return new SealhouseError('unavailable', 'the read replica cancelled this read while applying changes from the primary; retry it', { cause: err, retryAfterSeconds: 1 });
}

/** Anything thrown while serving a request, as the SealhouseError it amounts to (or undefined: a bug). */
export function asSealhouseError(err: unknown): SealhouseError | undefined {
  if (err instanceof SealhouseError) return err;
  return fromBodyParserError(err) ?? fromExposedHttpError(err) ?? fromRecoveryConflict(err);
}

/** What a client may read of a SealhouseError (internal ones say nothing but the request id). */
export function clientText(err: SealhouseError, requestId?: string): string {
  return err.code === 'internal' ? internalErrorMessage(requestId) : scrubInternalText(err.message);
}

export function toHttpError(err: unknown, requestId?: string): HttpError {
  const known = asSealhouseError(err);
  if (!known) return { status: 500, message: internalErrorMessage(requestId), cause: err };
  return { status: STATUS[known.code], message: clientText(known, requestId), cause: err };
}
