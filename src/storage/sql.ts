/**
 * The Sql seam: the only way Sealhouse talks to a database. Two adapters implement it — `pg`
 * against a Postgres server and PGlite (Postgres compiled to WASM) in a data directory — and
 * both run the same SQL. The adapters own type normalisation so callers always see:
 *   int8/bigint → number (asserted to be a safe integer), bytea → Buffer, text → string.
 */

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SqlTx extends Queryable {
  /** Run a multi-statement script without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Run `fn` only once this transaction has committed (e.g. to update an in-memory cache). */
  afterCommit(fn: () => void): void;
}

export interface Sql extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Run `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  tx<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Run a multi-statement script (migrations); no parameters. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** Collects after-commit callbacks for one transaction. */
export class CommitHooks {
  private readonly hooks: (() => void)[] = [];

  add(fn: () => void): void {
    this.hooks.push(fn);
  }

  run(): void {
    for (const fn of this.hooks) fn();
  }
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected bytea, got ${typeof value}`);
}

export function toSafeNumber(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`expected a safe integer, got ${String(value)}`);
  return n;
}
