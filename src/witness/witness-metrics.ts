/**
 * What /metrics shows about the witnesses: every add-checkpoint outcome, the latest size each
 * witness cosigned, and whether its last attempt worked. A witness that refuses or cannot be
 * reached shows here (and in a warn log line); it never holds up an append.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** How one add-checkpoint call ended. */
export type SubmissionOutcome =
  /** 200 with a cosignature that verified and was stored. */
  | 'cosigned'
  /** 409: the witness holds another size; the next attempt proves from it. */
  | 'conflict'
  /** Another 4xx: the witness does not know the origin, refuses the key, the proof or the request. */
  | 'refused'
  /** 5xx, a network error or a timeout. */
  | 'unavailable'
  /** 200, but no cosignature by the configured key, or one that does not verify. */
  | 'bad_cosignature';

export class WitnessMetrics {
  readonly submissions: Counter<'witness' | 'outcome'>;
  readonly cosignedSize: Gauge<'witness'>;
  readonly up: Gauge<'witness'>;

  /** Reuses the metrics already registered (a second service on one registry: a reopened log). */
  constructor(registry: Registry) {
    const existing = registry.getSingleMetric('sealhouse_witness_submissions_total');
    if (existing !== undefined) {
      this.submissions = existing as Counter<'witness' | 'outcome'>;
      this.cosignedSize = registry.getSingleMetric('sealhouse_witness_cosigned_tree_size') as Gauge<'witness'>;
      this.up = registry.getSingleMetric('sealhouse_witness_up') as Gauge<'witness'>;
      return;
    }
    this.submissions = new Counter({
      name: 'sealhouse_witness_submissions_total',
      help: 'add-checkpoint calls to each witness by outcome (cosigned, conflict, refused, unavailable, bad_cosignature)',
      labelNames: ['witness', 'outcome'] as const,
      registers: [registry],
    });
    this.cosignedSize = new Gauge({
      name: 'sealhouse_witness_cosigned_tree_size',
      help: 'Tree size of the latest Rekor v2 checkpoint each witness cosigned',
      labelNames: ['witness'] as const,
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'sealhouse_witness_up',
      help: '1 when the last add-checkpoint to the witness was answered as the protocol expects (200 or 409), else 0',
      labelNames: ['witness'] as const,
      registers: [registry],
    });
  }

  record(witness: string, outcome: SubmissionOutcome): void {
    this.submissions.inc({ witness, outcome });
    this.up.set({ witness }, outcome === 'cosigned' || outcome === 'conflict' ? 1 : 0);
  }
}
