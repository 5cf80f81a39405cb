/**
 * The one error type of Sealhouse. Every failure a caller can cause carries a `code` from the
 * union below; the HTTP layer maps codes to statuses in one table (src/http/error-map.ts), so a
 * new failure mode is a new code here, never an ad-hoc status somewhere else.
 */

import { CoreError } from './core/errors.js';

export type ErrorCode =
  /** Input is well-formed JSON/text but semantically wrong (bad base64, wrong lengths, …). */
  | 'invalid_input'
  /** Input fails the API schema (missing field, wrong type, pattern, too many items). */
  | 'schema_violation'
  /** A signed note or checkpoint that cannot be parsed. */
  | 'malformed_note'
  /** A public or private key that cannot be parsed or is not acceptable. */
  | 'malformed_key'
  /** A Merkle proof that is structurally wrong (length, hash size, indexes). */
  | 'malformed_proof'
  /** A tile path that is not a valid C2SP tlog-tiles path. */
  | 'malformed_tile_path'
  /** A signature, proof or root that parses but does not verify. */
  | 'verification_failed'
  /** A tree size or index beyond what the log holds. */
  | 'out_of_range'
  | 'not_found'
  /** The entry already exists; see DuplicateEntryError for its location. */
  | 'duplicate_entry'
  | 'payload_too_large'
  /** A request body in an encoding or charset the server cannot decode. */
  | 'unsupported_media_type'
  /** Authentication of an OIDC identity token failed. */
  | 'unauthenticated'
  /** The server is shutting down or overloaded and refuses new work. */
  | 'unavailable'
  /** An internal invariant broke: a bug, surfaced as 500. */
  | 'internal';

export class SealhouseError extends Error {
  readonly code: ErrorCode;
  /** For 'unavailable': how long the client should wait before retrying (HTTP Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'SealhouseError';
    this.code = code;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A submission whose canonical body is already in the log; carries where the original lives. */
export class DuplicateEntryError extends SealhouseError {
  readonly index: number;
  readonly leafHash: Buffer;

  constructor(index: number, leafHash: Buffer) {
    super('duplicate_entry', `an equivalent entry already exists in the transparency log at index ${index}`);
    this.name = 'DuplicateEntryError';
    this.index = index;
    this.leafHash = leafHash;
  }
}

/** Internal invariant check: a failure is a bug in Sealhouse, never the caller's fault. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SealhouseError('internal', `invariant violated: ${message}`);
}

export function isSealhouseError(err: unknown, code?: ErrorCode): err is SealhouseError {
  return err instanceof SealhouseError && (code === undefined || err.code === code);
}

/**
 * src/core throws CoreErrors (it cannot import this file); they carry the same codes. Where
 * core parses outside input for the server, the failure becomes the SealhouseError it means.
 */
export function fromCoreError(err: unknown): unknown {
  return err instanceof CoreError ? new SealhouseError(err.code, err.message, { cause: err }) : err;
}

/** `fn()`, with a CoreError it throws turned into a SealhouseError (fromCoreError). */
export function coreCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromCoreError(err);
  }
}
