/**
 * The one pool of worker threads (DESIGN §2, room `workers/`): the SET signer, the CA's crypto
 * and DSSE matching each run their CPU-bound jobs through one of these, so that the rules are
 * written once:
 *
 * - bounded: at most `maxQueue` jobs owed at once; one more is refused with 'unavailable' and
 *   `retryAfterSeconds`, which the HTTP layer turns into 503 + Retry-After;
 * - a crashed worker is replaced and what it owed runs inline (`inline` is the same function the
 *   worker runs), so a worker is an optimisation, never a reason to fail a request; a worker that
 *   keeps dying (MAX_CONSECUTIVE_FAILURES without an answer) is given up and jobs run inline;
 * - close() drains: new jobs run inline, owed answers are awaited, then the threads stop;
 * - the `init` message (a private key, for the signers) is posted to each thread and kept in a
 *   private field: it never appears in an error, a log line or util.inspect of the pool.
 *
 * An idle worker does not keep the process alive; a busy one does, like pending I/O would.
 * The worker side of the protocol is worker-main.ts.
 */
import { Worker } from 'node:worker_threads';
import { SealhouseError, type ErrorCode } from '../errors.js';
import { POOL_WORKER_MARK, type WorkerAnswer } from './worker-main.js';

export interface WorkerPoolOptions<Job, Answer> {
  /** What the pool does, in messages: "DSSE signature verification". */
  readonly name: string;
  /** The worker script: a module that calls serveJobs (worker-main.ts). */
  readonly script: URL;
  /** How many threads. */
  readonly size: number;
  /** Jobs owed at once before new ones are refused. */
  readonly maxQueue: number;
  /** Posted once to each thread before any job (e.g. a key as PKCS#8 DER). */
  readonly init?: unknown;
  /** Start the threads on the first job instead of at construction. */
  readonly lazy?: boolean;
  /** The job on the main thread: the fallback when no worker can answer. */
  readonly inline: (job: Job) => Answer | Promise<Answer>;
  /** Seconds a refused caller should wait (default 1). */
  readonly retryAfterSeconds?: number;
}

interface Owed<Job, Answer> {
  readonly job: Job;
  readonly slot: Slot;
  resolve(answer: Answer): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  owed: number;
}

/** Deaths in a row (no answer in between) after which the pool stops starting workers. */
const MAX_CONSECUTIVE_FAILURES = 3;

export class WorkerPool<Job, Answer> {
  readonly #options: WorkerPoolOptions<Job, Answer>;
  readonly #init: unknown;
  #slots: Slot[] = [];
  readonly #owed = new Map<number, Owed<Job, Answer>>();
  #nextId = 0;
  #failures = 0;
  #closed = false;
  #online = 0;
  #workerAnswers = 0;

  constructor(options: WorkerPoolOptions<Job, Answer>) {
    this.#options = options;
    this.#init = options.init;
    if (!options.lazy) this.#fill();
  }

  /** Threads that came online so far (replacements included): evidence that a worker ran. */
  get started(): number {
    return this.#online;
  }

  /** Jobs answered by a worker thread, not inline. */
  get workerAnswers(): number {
    return this.#workerAnswers;
  }

  #gaveUp(): boolean {
    return this.#failures >= MAX_CONSECUTIVE_FAILURES;
  }

  #fill(): void {
    while (!this.#closed && !this.#gaveUp() && this.#slots.length < this.#options.size) {
      if (!this.#start()) return;
    }
  }

  #start(): boolean {
    let worker: Worker;
    try {
      worker = new Worker(this.#options.script, { workerData: { [POOL_WORKER_MARK]: true } });
    } catch {
      this.#failures = MAX_CONSECUTIVE_FAILURES;
      return false;
    }
    const slot: Slot = { worker, owed: 0 };
    if (this.#init !== undefined) worker.postMessage({ init: this.#init });
    worker.once('online', () => this.#online++);
    worker.on('message', (answer: WorkerAnswer<Answer>) => this.#answered(slot, answer));
    // 'error' is followed by 'exit'; a worker is only mourned once, at exit.
    worker.on('error', () => undefined);
    worker.once('exit', () => this.#died(slot));
    worker.unref();
    this.#slots.push(slot);
    return true;
  }

  #answered(slot: Slot, answer: WorkerAnswer<Answer>): void {
    const owed = this.#owed.get(answer.id);
    if (!owed) return;
    this.#owed.delete(answer.id);
    this.#failures = 0;
    if (--slot.owed === 0) slot.worker.unref();
    this.#workerAnswers++;
    if ('answer' in answer) owed.resolve(answer.answer);
    else owed.reject(new SealhouseError((answer.error.code as ErrorCode | undefined) ?? 'internal', answer.error.message));
  }

  /** A worker exited: replace it (unless closing) and run what it owed inline. */
  #died(slot: Slot): void {
    this.#slots = this.#slots.filter((s) => s !== slot);
    const orphans = [...this.#owed].filter(([, o]) => o.slot === slot);
    for (const [id] of orphans) this.#owed.delete(id);
    if (!this.#closed) {
      this.#failures++;
      this.#fill();
    }
    for (const [, o] of orphans) void this.#runInline(o.job).then(o.resolve, o.reject);
  }

  async #runInline(job: Job): Promise<Answer> {
    return this.#options.inline(job);
  }

  /** The job in the least busy worker, or inline when there is none. */
  run(job: Job): Promise<Answer> {
    if (this.#options.lazy) this.#fill();
    const slot = this.#slots.reduce<Slot | undefined>((best, s) => (best && best.owed <= s.owed ? best : s), undefined);
    if (!slot || this.#closed) return this.#runInline(job);
    if (this.#owed.size >= this.#options.maxQueue) {
      return Promise.reject(
        new SealhouseError('unavailable', `too many ${this.#options.name} jobs are in progress; retry shortly`, {
          retryAfterSeconds: this.#options.retryAfterSeconds ?? 1,
        }),
      );
    }
    const id = this.#nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.#owed.set(id, { job, slot, resolve, reject });
      if (slot.owed++ === 0) slot.worker.ref();
      slot.worker.postMessage({ id, job });
    });
  }

  /** Stop taking jobs into workers (later ones run inline), wait for what is owed, stop the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const owed = [...this.#owed.values()].map((o) => new Promise<void>((done) => {
      const { resolve, reject } = o;
      o.resolve = (a) => { resolve(a); done(); };
      o.reject = (e) => { reject(e); done(); };
    }));
    await Promise.all(owed);
    const slots = this.#slots;
    this.#slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
