/**
 * The Clock seam (DESIGN §2): certificate validity, SCT timestamps and token expiry all read time
 * through it, so tests can pin "now" and the CA and the logs can share one source of time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
