/**
 * The result shape of every browser-side verification: named checks that passed, failed with
 * a reason, or were skipped with the reason they could not apply.
 */
export type CheckStatus = 'ok' | 'failed' | 'skipped';

export type CheckId = 'request' | 'uuid' | 'log-key' | 'set' | 'checkpoint' | 'inclusion' | 'cert-time' | 'signature' | 'identity';

export interface Check {
  readonly id: CheckId;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was proven, why it failed, or why it was skipped. */
  readonly detail: string;
}

/** A check from a function that returns what it proved or throws why not; a string means skipped. */
export function run(id: CheckId, title: string, fn: (() => string) | string): Check {
  if (typeof fn === 'string') return { id, title, status: 'skipped', detail: fn };
  try {
    return { id, title, status: 'ok', detail: fn() };
  } catch (err) {
    return { id, title, status: 'failed', detail: err instanceof Error ? err.message : String(err) };
  }
}
