/**
 * A worker for the WorkerPool tests: each job says which thread answered it, and some jobs fail,
 * stall or kill their thread on purpose.
 */
import { threadId } from 'node:worker_threads';
import { SealhouseError } from '../../src/errors.js';
import { serveJobs } from '../../src/workers/worker-main.js';

export type ProbeJob =
  | { readonly kind: 'who' }
  | { readonly kind: 'fail' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'init' };

export interface ProbeAnswer {
  readonly threadId: number;
  readonly init?: string;
}

/** The job, on whichever thread runs it (the pool's inline path calls this too). */
export function probe(job: ProbeJob, init: unknown): ProbeAnswer {
  switch (job.kind) {
    case 'fail':
      throw new SealhouseError('invalid_input', 'the probe refused this job');
    case 'crash':
      // Only a pool thread may die; inline on the main thread this is an ordinary refusal.
      if (threadId !== 0) process.exit(3);
      throw new SealhouseError('internal', 'crash job run inline');
    case 'slow': {
      const until = Date.now() + job.ms;
      while (Date.now() < until) {
        // Busy: the thread is really occupied, as a signing job would keep it.
      }
      return { threadId };
    }
    case 'init':
      if (typeof init !== 'string' || init.startsWith('bad')) throw new Error('the probe key would not load');
      return { threadId, init: `${init.length} characters` };
    default:
      return { threadId };
  }
}

serveJobs<ProbeJob, ProbeAnswer>((init) => {
  if (init === 'throw in setup') throw new Error('setup failed without saying what it was given');
  return (job) => probe(job, init);
});
