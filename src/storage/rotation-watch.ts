/**
 * How a running process learns of a key rotation that another process (`sealhouse rotate`)
 * recorded in the database: it polls a fingerprint of the rotation records — the authority
 * epochs (CA, TSA) and the log shards (Rekor v1, Rekor v2, CT) — and calls its listeners when
 * the fingerprint changes. Polling, not LISTEN/NOTIFY, because it works the same on PGlite and
 * through any connection pooler, and one small query every few seconds costs nothing.
 *
 * Listeners run one change at a time, in registration order, and must be idempotent (apply
 * the state the database now records): one that throws is reported, the others still run, and
 * the next poll runs them all again — a new key file not yet in place is picked up once it is.
 * `poke()` checks at once (after a batch met a frozen shard, say).
 */
import type { Queryable } from './sql.js';

/** What changes when anything rotates: the current epoch of each authority kind, the shard count of each log. */
const FINGERPRINT_SQL = `
  SELECT coalesce((SELECT string_agg(kind || ':' || epoch::text || ':' || coalesce(valid_until::text, ''), ',' ORDER BY kind, epoch) FROM authority_epochs), '') AS authorities,
         coalesce((SELECT string_agg(log_name || ':' || ordinal::text || ':' || coalesce(frozen_at::text, ''), ',' ORDER BY log_name, ordinal) FROM log_shards), '') AS shards`;

export type RotationListener = () => Promise<void> | void;

export class RotationWatch {
  private readonly listeners: RotationListener[] = [];
  private fingerprint: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly sql: Queryable,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Called after every change seen from now on. */
  onChange(listener: RotationListener): void {
    this.listeners.push(listener);
  }

  /** Record the current state (changes before this are not reported) and start polling. */
  async start(): Promise<void> {
    this.fingerprint = await this.read();
    this.schedule();
  }

  /** Check now; resolves once any change found has been handed to every listener. */
  poke(): Promise<void> {
    this.running = this.running.then(() => this.check());
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.poke().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async read(): Promise<string> {
    const [row] = await this.sql.query<{ authorities: string; shards: string }>(FINGERPRINT_SQL);
    return `${row?.authorities ?? ''}|${row?.shards ?? ''}`;
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    let now: string;
    try {
      now = await this.read();
    } catch (err) {
      this.onError(err); // a lost connection: the next poll tries again
      return;
    }
    if (now === this.fingerprint) return;
    let failed = false;
    for (const listener of this.listeners) {
      try {
        await listener();
      } catch (err) {
        failed = true;
        this.onError(err);
      }
    }
    if (!failed) this.fingerprint = now;
  }
}
