/**
 * The Sql seam over node-postgres: a connection Pool against a Postgres server (DATABASE_URL).
 * int8 is parsed to a JS number (checked to be safe); bytea already arrives as Buffer.
 */
import pg from 'pg';
import { SealhouseError } from '../errors.js';
import { isConnectionLoss } from './connection-loss.js';
import { CommitHooks, toSafeNumber, type Row, type Sql, type SqlTx } from './sql.js';

const INT8_OID = 20;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => toSafeNumber(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** How long a caller is told to wait when the database is away (HTTP Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The error a caller sees for a lost database: 503 with Retry-After; the details stay in `cause`. */
export function unavailable(err: unknown): SealhouseError {
  return new SealhouseError('unavailable', 'the database is unreachable; nothing of this request was stored, retry shortly', {
    cause: err,
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  });
}

const translate = (err: unknown): unknown => (isConnectionLoss(err) ? unavailable(err) : err);

export interface PgSqlOptions {
  connectionString: string;
  maxConnections?: number;
  /** Schema to use (search_path); tests use one schema per run. */
  schema?: string;
}

export class PgSql implements Sql {
  readonly kind = 'pg' as const;
  private readonly pool: pg.Pool;

  constructor(options: PgSqlOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      types,
      // Bounded waits while the server is away (a restart refuses or stalls new connections).
      connectionTimeoutMillis: 10_000,
      // TCP keepalive finds a half-open connection (a failover that sent no RST) instead of waiting forever.
      keepAlive: true,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client that loses its connection must not crash the process; the next query retries.
    this.pool.on('error', () => undefined);
    // Nor may one between checkout and our own listener: when a connection's ReadyForQuery and
    // its termination arrive in one TCP read, pg-pool hands the client out (dropping its idle
    // listener) and the 'error' follows synchronously, before our code runs. Observed under
    // pg_terminate_backend; so every client keeps a listener for life (withClient adds its own).
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.withClient(async (client) => (await client.query<T>(text, params as unknown[])).rows);
  }

  async exec(script: string): Promise<void> {
    await this.withClient((client) => client.query(script));
  }

  /**
   * One transaction on one checked-out client. The statement in flight when the connection
   * dies rejects, the transaction is void (Postgres rolls back what never committed), and the
   * caller gets 'unavailable'. A COMMIT whose answer was lost may have committed: callers then
   * see 503 and a retry finds the entry (409); in-memory caches only move in afterCommit hooks,
   * which run only after a COMMIT that answered, so they never run ahead of the database.
   */
  async tx<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.withClient(async (client, conn) => {
      const hooks = new CommitHooks();
      // BEGIN goes with the transaction's first statement. When that statement has no parameters
      // both travel as one simple query, so they cost one round trip: on a busy server each round
      // trip waits milliseconds for its turn of the event loop (the write path's head lock is
      // written without parameters for this), and a failing BEGIN skips the statement. Otherwise
      // BEGIN goes first and every statement is sent only once it has succeeded.
      let begun = false;
      let afterBegin: Promise<unknown> | undefined;
      const send = async <R extends Row>(text: string, params: readonly unknown[]): Promise<pg.QueryResult<R>> => {
        if (!begun) {
          begun = true;
          if (params.length === 0) {
            const results = (await client.query<R>(`BEGIN; ${text}`)) as unknown as pg.QueryResult<R>[];
            return results[results.length - 1] as pg.QueryResult<R>;
          }
          afterBegin = client.query('BEGIN');
        }
        // Statements go in call order: .then callbacks run in the order they were attached.
        return afterBegin ? afterBegin.then(() => client.query<R>(text, params as unknown[])) : client.query<R>(text, params as unknown[]);
      };
      try {
        const tx: SqlTx = {
          query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) => (await send<R>(text, params)).rows,
          exec: async (script: string) => {
            await send(script, []);
          },
          afterCommit: (f) => hooks.add(f),
        };
        const value = await fn(tx);
        if (begun) await client.query('COMMIT');
        hooks.run();
        return value;
      } catch (err) {
        // Never send ROLLBACK down a dead socket; the server already dropped the transaction.
        if (conn.lost || isConnectionLoss(err) || !begun) throw err;
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          conn.lost = rollbackErr as Error; // a client that cannot roll back is not reused
        }
        throw err;
      }
    });
  }

  /**
   * Run `fn` on a client checked out of the pool. A checked-out client that loses its
   * connection (backend terminated, server restarted, network reset) emits 'error', possibly
   * more than once — with no listener that kills the process (pg-pool's own pool.query listens
   * only once) — so a listener stays on it for as long as it is ours and, if it broke, for good.
   * A broken client is destroyed instead of returned; connection failures become 'unavailable'.
   */
  private async withClient<T>(fn: (client: pg.PoolClient, conn: { lost?: Error }) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translate(err);
    }
    const conn: { lost?: Error } = {};
    const onError = (err: Error): void => {
      conn.lost ??= err;
    };
    client.on('error', onError);
    try {
      return await fn(client, conn);
    } catch (err) {
      if (!conn.lost && isConnectionLoss(err)) conn.lost = err as Error;
      throw conn.lost ? unavailable(err) : err;
    } finally {
      if (!conn.lost) client.off('error', onError); // back in the pool, whose idle listener takes over
      client.release(conn.lost);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
