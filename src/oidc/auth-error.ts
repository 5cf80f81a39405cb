/**
 * An identity token refused, as data: the 'unauthenticated' SealhouseError plus a `reason`,
 * set where the verifier rejects, so the CA's metrics label (and anything else that needs to
 * tell an expired token from a bad signature) reads a field instead of matching messages.
 */
import { SealhouseError } from '../errors.js';

export type AuthFailureReason =
  /** Not a compact JWS, not base64url JSON, too large or too deep, no iss. */
  | 'malformed'
  /** Unsigned, an algorithm not accepted, or a signature the issuer's keys do not verify. */
  | 'signature'
  /** An issuer Sealhouse does not accept, or whose discovery failed. */
  | 'issuer'
  /** Expired, not valid yet, no usable exp. */
  | 'time'
  /** The audience does not contain the configured client id. */
  | 'audience'
  /** A claim the issuer type needs is missing or unusable (email, sub, CI claims, SAN values). */
  | 'claims';

export class AuthenticationError extends SealhouseError {
  readonly reason: AuthFailureReason;

  constructor(reason: AuthFailureReason, message: string, options?: { cause?: unknown }) {
    super('unauthenticated', message, options);
    this.name = 'AuthenticationError';
    this.reason = reason;
  }
}

/** The label for a verifier failure: its reason, or whether it was overload or a bug. */
export function authFailureReason(err: unknown): AuthFailureReason | 'unavailable' | 'internal' {
  if (err instanceof AuthenticationError) return err.reason;
  return err instanceof SealhouseError && err.code === 'unavailable' ? 'unavailable' : 'internal';
}
