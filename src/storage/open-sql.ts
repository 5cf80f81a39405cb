/**
 * Choosing the store: Postgres when a connection string is configured, otherwise the embedded
 * PGlite database in `<dataDir>/pglite` (one process only: PGlite cannot be shared).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PgSql } from './pg-sql.js';
import { PgliteSql } from './pglite-sql.js';
import type { Sql } from './sql.js';

export interface StoreSettings {
  readonly databaseUrl: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly dataDir: string;
}

export async function openSql(settings: StoreSettings): Promise<Sql> {
  if (settings.databaseUrl) {
    return new PgSql({
      connectionString: settings.databaseUrl,
      ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}),
    });
  }
  const dir = join(settings.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return PgliteSql.open(dir);
}

export function describeStore(settings: StoreSettings): string {
  if (!settings.databaseUrl) return `embedded PGlite in ${join(settings.dataDir, 'pglite')}`;
  const url = new URL(settings.databaseUrl);
  return `Postgres ${url.host}${url.pathname}${settings.databaseSchema ? ` (schema ${settings.databaseSchema})` : ''}`;
}
