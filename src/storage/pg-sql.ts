/**
 * The Sql seam over node-postgres: a connection Pool against a Postgres server (DATABASE_URL).
 * int8 is parsed to a JS number (checked to be safe); bytea already arrives as Buffer.
 */
import pg from 'pg';
import { CommitHooks, toSafeNumber, type Row, type Sql, type SqlTx } from './sql.js';

const INT8_OID = 20;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => toSafeNumber(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

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
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client that loses its connection must not crash the process; the next query retries.
    this.pool.on('error', () => undefined);
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query<T>(text, params as unknown[]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async tx<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const hooks = new CommitHooks();
    let release: Error | undefined;
    try {
      await client.query('BEGIN');
      const tx: SqlTx = {
        query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
          (await client.query<R>(text, params as unknown[])).rows,
        exec: async (script: string) => {
          await client.query(script);
        },
        afterCommit: (f) => hooks.add(f),
      };
      const value = await fn(tx);
      await client.query('COMMIT');
      hooks.run();
      return value;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is broken; drop it from the pool instead of reusing it.
        release = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.release(release);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
