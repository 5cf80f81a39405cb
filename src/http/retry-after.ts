/**
 * Retry-After for a 503: an error may carry its own hint (`retryAfterSeconds`: a rate limiter,
 * a lost database); otherwise one second, enough for a queue to drain or a pool to reconnect.
 */
import { SealhouseError } from '../errors.js';

export function retryAfterSeconds(err: unknown): number {
  const hint = err instanceof SealhouseError ? err.retryAfterSeconds : undefined;
  return hint !== undefined && Number.isInteger(hint) && hint > 0 ? hint : 1;
}
