/**
 * Retry-After for a 503: an error may carry its own hint (`retryAfterSeconds`: a rate limiter,
 * a lost database); otherwise one second, enough for a queue to drain or a pool to reconnect.
 */
export function retryAfterSeconds(err: unknown): number {
  const hint = (err as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof hint === 'number' && Number.isInteger(hint) && hint > 0 ? hint : 1;
}
