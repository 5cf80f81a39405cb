/**
 * The worker side of WorkerPool (worker-pool.ts): receives the pool's `init` message once (if
 * any), then jobs `{id, job}`, and answers each with `{id, answer}` or `{id, error}` carrying the
 * SealhouseError code and message for the pool to rethrow. Only the job's own error message
 * crosses back, never the init data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSealhouseError } from '../errors.js';

export type WorkerAnswer<Answer> =
  | { readonly id: number; readonly answer: Answer }
  | { readonly id: number; readonly error: { readonly code?: string; readonly message: string } };

type Incoming<Job> = { readonly init: unknown } | { readonly id: number; readonly job: Job };

/** Set in workerData by WorkerPool, so only its own threads answer jobs. */
export const POOL_WORKER_MARK = 'sealhouseWorkerPool';

/**
 * Serve jobs on this thread. `setup` receives the init message (undefined when the pool sends
 * none) and returns the job handler. Does nothing except in a thread a WorkerPool started, so a
 * worker module can also be imported for its job function (the inline path), even by code that
 * itself runs in some other worker thread.
 */
export function serveJobs<Job, Answer>(setup: (init: unknown) => (job: Job) => Answer): void {
  const port = parentPort;
  if (!port || (workerData as Record<string, unknown> | null)?.[POOL_WORKER_MARK] !== true) return;
  let handle: ((job: Job) => Answer) | undefined;
  port.on('message', (message: Incoming<Job>) => {
    if ('init' in message) {
      // A setup failure (a key that will not load) fails each job with its message instead of
      // killing the thread, which the pool would only replace with another that fails the same way.
      try {
        handle = setup(message.init);
      } catch (err) {
        handle = () => {
          throw err;
        };
      }
      return;
    }
    let reply: WorkerAnswer<Answer>;
    try {
      handle ??= setup(undefined);
      reply = { id: message.id, answer: handle(message.job) };
    } catch (err) {
      reply = { id: message.id, error: { ...(isSealhouseError(err) ? { code: err.code } : {}), message: (err as Error).message } };
    }
    port.postMessage(reply);
  });
}
