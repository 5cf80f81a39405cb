/**
 * Group commit (shared by the Rekor sequencer and the CT log): callers submit items one at a time; items are committed in batches, one
 * `commit` call (one database transaction) per batch. A batch closes when it holds `maxBatch`
 * items or when its oldest item has waited `maxDelayMs`; only one batch commits at a time, so
 * under load the next batch fills while the previous one commits.
 *
 * Nothing is answered before its batch's commit has resolved; if a commit throws, every item in
 * that batch is rejected with the error (and nothing of it was committed).
 *
 * Optimistic inserts: duplicates are rare, so a commit may first run without looking them up
 * and insert with ON CONFLICT DO NOTHING; if it finds that it skipped a row it throws
 * AlreadyLogged (rolling its transaction back) and GroupCommit runs it once more with
 * `lookUpExisting`, so every log gets the same retry from one place.
 */
import { SealhouseError } from '../errors.js';

export interface GroupCommitOptions {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  /** Submissions beyond this many waiting items are refused (backpressure), not queued. */
  readonly maxQueue: number;
  /**
   * Fair share: one client (the caller's key, e.g. its IP address) may have at most this many
   * items waiting or committing, so a flood from one client leaves room for everyone else.
   * Default: the whole queue (no per-client limit).
   */
  readonly maxQueuePerClient?: number;
}

/** Refused for load, not for what was sent: the HTTP layer adds Retry-After from this. */
function overloaded(message: string): SealhouseError {
  return new SealhouseError('unavailable', message, { retryAfterSeconds: 1 });
}

/** Thrown by an optimistic commit that met an already-logged item: roll back, retry with the lookup. */
export class AlreadyLogged extends Error {
  constructor() {
    super('the batch met an already-logged item; retried with a lookup');
    this.name = 'AlreadyLogged';
  }
}

export interface CommitAttempt {
  /** Look up already-logged items first (the retry after AlreadyLogged). */
  readonly lookUpExisting: boolean;
}

/** The commit function returns, per item in order, its result or the error for that item alone. */
export type CommitFn<I, O> = (items: readonly I[], attempt: CommitAttempt) => Promise<readonly (O | Error)[]>;

interface Waiting<I, O> {
  item: I;
  client: string | undefined;
  since: number;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export interface BatchObserver {
  onBatch?(size: number, durationMs: number, failed: boolean): void;
}

export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private committing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Items per client key, queued or in the committing batch. */
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly commit: CommitFn<I, O>,
    private readonly observer: BatchObserver = {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** `client` identifies the submitter for the fair share (maxQueuePerClient); omit it to be exempt. */
  submit(item: I, client?: string): Promise<O> {
    if (this.closed) return Promise.reject(overloaded('the log is shutting down and accepts no new entries'));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(overloaded(`the log is overloaded (${this.queue.length} entries waiting); retry shortly`));
    }
    const share = this.options.maxQueuePerClient;
    const mine = client === undefined ? 0 : (this.perClient.get(client) ?? 0);
    if (client !== undefined && share !== undefined && mine >= share) {
      return Promise.reject(overloaded(`you have ${mine} entries waiting, your share of the queue; retry when some have been answered`));
    }
    if (client !== undefined) this.perClient.set(client, mine + 1);
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, client, since: Date.now(), resolve, reject });
      this.schedule();
    });
  }

  private settled(w: Waiting<I, O>): void {
    if (w.client === undefined) return;
    const left = (this.perClient.get(w.client) ?? 1) - 1;
    if (left > 0) this.perClient.set(w.client, left);
    else this.perClient.delete(w.client);
  }

  /** Refuse new submissions and wait until every queued item has been committed or rejected. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.committing) {
      if (!this.committing) this.flush();
      await this.committing;
    }
  }

  private schedule(): void {
    if (this.committing || this.queue.length === 0) return;
    const oldest = this.queue[0] as Waiting<I, O>;
    const waited = Date.now() - oldest.since;
    if (this.closed || this.queue.length >= this.options.maxBatch || waited >= this.options.maxDelayMs) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.options.maxDelayMs - waited);
    }
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.committing = this.runBatch(batch).finally(() => {
      this.committing = undefined;
      this.schedule();
    });
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    const started = performance.now();
    try {
      const items = batch.map((w) => w.item);
      const results = await this.commit(items, { lookUpExisting: false }).catch((err: unknown) => {
        if (err instanceof AlreadyLogged) return this.commit(items, { lookUpExisting: true });
        throw err;
      });
      this.observer.onBatch?.(batch.length, performance.now() - started, false);
      batch.forEach((w, i) => {
        const result = results[i];
        if (result instanceof Error) w.reject(result);
        else if (result === undefined) w.reject(new SealhouseError('internal', 'commit returned no result for an item'));
        else w.resolve(result);
      });
    } catch (err) {
      this.observer.onBatch?.(batch.length, performance.now() - started, true);
      for (const w of batch) w.reject(err);
    } finally {
      for (const w of batch) this.settled(w);
    }
  }
}
