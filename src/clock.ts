/**
 * The one Clock seam (DESIGN §2): integratedTime, SCT and tree-head timestamps, certificate
 * validity and token expiry all read time through it, so tests can pin "now" and the logs and
 * the CA share one source of time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
