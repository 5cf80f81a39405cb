/**
 * Signing the SETs of a batch off the main thread. Inside a batch transaction the main thread
 * mostly waits on Postgres (tile, head and index-key writes) while ECDSA signing is pure CPU,
 * so handing the signatures to a worker lets both cores work at once: measured on the 2-core
 * machine, this cut the batch commit of 1,000 entries by about a third.
 *
 * Only a batch of one is signed inline: the hop costs the main thread a few µs of posting, a
 * signature ~40 µs, and at a steady 1,000 entries/s batches hold 5–8 entries, so signing those
 * inline (as below 32 entries once did) spent ~5 % of the thread that limits the server. If the
 * worker cannot start, dies or fails, signing falls back to the main thread (WorkerPool): it is
 * never a reason to fail a batch.
 */
import type { KeyObject } from 'node:crypto';
import { WorkerPool } from '../workers/worker-pool.js';
import { signBatch, type SignJob } from './set-sign-worker.js';

const INLINE_BELOW = 2;
/** Batches are integrated one at a time, so a few owed at once is already unusual. */
const MAX_QUEUE = 16;

export interface SetBatch {
  readonly bodies: readonly Buffer[];
  readonly firstIndex: number;
  readonly integratedTime: number;
}

export class SetSigner {
  private readonly pool: WorkerPool<SignJob, Uint8Array[]> | undefined;

  constructor(
    private readonly privateKey: KeyObject,
    private readonly logIdHex: string,
    useWorker = true,
  ) {
    this.pool = useWorker
      ? new WorkerPool<SignJob, Uint8Array[]>({
          name: 'SET signing',
          script: new URL('./set-sign-worker.js', import.meta.url),
          size: 1,
          maxQueue: MAX_QUEUE,
          init: privateKey.export({ format: 'der', type: 'pkcs8' }),
          inline: (job) => signBatch(job, privateKey),
        })
      : undefined;
  }

  /** Batches signed by the worker thread so far (tests and diagnostics). */
  get workerBatches(): number {
    return this.pool?.workerAnswers ?? 0;
  }

  async sign(batch: SetBatch): Promise<Buffer[]> {
    const job: SignJob = { ...batch, logIdHex: this.logIdHex };
    if (!this.pool || batch.bodies.length < INLINE_BELOW) return signBatch(job, this.privateKey);
    try {
      const signatures = await this.pool.run(job);
      return signatures.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
    } catch {
      return signBatch(job, this.privateKey);
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
