/**
 * A fresh, migrated database for one test file: a new schema on the Postgres server named by
 * DATABASE_URL (dropped afterwards), or an in-memory PGlite when DATABASE_URL is unset.
 * CI runs the whole suite once each way.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, type Migration } from '../../src/storage/migrate.js';
import { PgSql } from '../../src/storage/pg-sql.js';
import { PgliteSql } from '../../src/storage/pglite-sql.js';
import type { Sql } from '../../src/storage/sql.js';

export interface TestDatabase {
  readonly sql: Sql;
  /** Connection settings another process can use to reach the same database (Postgres only). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export const usingPostgres = (): boolean => Boolean(process.env.DATABASE_URL);

/**
 * `migrations` migrates only that far (a test of a migration's backfill starts from the schema
 * before it); such a PGlite starts empty, since the template holds every migration.
 */
export async function openTestDatabase(migrations?: Migration[]): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    // Unpacked from the build's migrated template when there is one (pglite-template.ts).
    const sql = await PgliteSql.open(undefined, { fromTemplate: migrations === undefined });
    await migrate(sql, migrations);
    return { sql, env: {}, close: () => sql.close() };
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const sql = new PgSql({ connectionString: url, schema });
  await migrate(sql, migrations);
  return {
    sql,
    env: { DATABASE_URL: url, SEALHOUSE_DB_SCHEMA: schema },
    async close() {
      await sql.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
