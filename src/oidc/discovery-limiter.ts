/**
 * A bound on NEW OIDC discoveries: how many run at once, and how many start per minute (a token
 * bucket). Every meta-issuer match with an `iss` not yet cached costs an outbound fetch before any
 * signature can be checked, and anyone can mint unsigned tokens with fresh `iss` values that match
 * a wildcard; without this bound the CA fetches whatever it is told, as fast as it is told.
 *
 * Defaults: 8 at once, 60 a minute with a burst of 60. Filling Fulcio's 100-provider cache from
 * cold then takes under a minute, one new cluster issuer a second is far above what real
 * deployments see, and an attacker gets at most one fetch a second out of the CA. Cached issuers
 * are not counted, so known issuers keep working while the limit is hit.
 *
 * Excess is refused at once with 'unavailable' (503 + Retry-After, gRPC 14) rather than 400: the
 * token may be perfectly good, it is the CA that will not fetch now, and clients retry 503s.
 */
import { SealhouseError } from '../errors.js';

export interface DiscoveryLimits {
  /** Discoveries in flight at once (default 8). */
  readonly maxConcurrent: number;
  /** Sustained new discoveries per minute (default 60). */
  readonly perMinute: number;
  /** How many may start back to back after a quiet spell (default 60). */
  readonly burst: number;
}

export const DEFAULT_DISCOVERY_LIMITS: DiscoveryLimits = { maxConcurrent: 8, perMinute: 60, burst: 60 };

/** A refusal for load, not for the request: carries how long to wait (the HTTP Retry-After). */
export class RetryLaterError extends SealhouseError {
  declare readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super('unavailable', message, { retryAfterSeconds });
    this.name = 'RetryLaterError';
  }
}

export class DiscoveryLimiter {
  private readonly limits: DiscoveryLimits;
  private active = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    limits: Partial<DiscoveryLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_DISCOVERY_LIMITS, ...limits };
    this.tokens = this.limits.burst;
    this.refilledAt = now();
  }

  /** Discoveries in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** A slot for one new discovery, or a RetryLaterError. Call the returned function exactly once when it settles. */
  acquire(): () => void {
    const { maxConcurrent, perMinute, burst } = this.limits;
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perMinute) / 60_000);
    this.refilledAt = now;
    if (this.active >= maxConcurrent) {
      throw new RetryLaterError(`too many OIDC discoveries of new issuers at once (limit ${maxConcurrent}); retry in a second`, 1);
    }
    if (this.tokens < 1) {
      const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 60) / perMinute));
      throw new RetryLaterError(`too many OIDC discoveries of new issuers in the last minute (limit ${perMinute} a minute); retry in ${wait} s`, wait);
    }
    this.tokens -= 1;
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
    };
  }
}
