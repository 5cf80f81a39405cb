/**
 * Choosing the store: Postgres when a connection string is configured, otherwise the embedded
 * PGlite database in `<dataDir>/pglite` (one process only: PGlite cannot be shared).
 * The data directory and everything in the PGlite tree are private to this user.
 */
import { join } from 'node:path';
import { ensurePrivateDir, tightenTree } from '../private-files.js';
import { PgSql } from './pg-sql.js';
import { PgliteSql } from './pglite-sql.js';
import type { Sql } from './sql.js';

export interface StoreSettings {
  readonly databaseUrl: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly dataDir: string;
}

/**
 * `onTightened` hears of permissions taken away at start: the data directory (which holds the
 * generated keys on either store) and the PGlite tree are made private to this user (0700/0600).
 */
export async function openSql(settings: StoreSettings, onTightened?: (path: string, entries: number) => void): Promise<Sql> {
  if (ensurePrivateDir(settings.dataDir)) onTightened?.(settings.dataDir, 1);
  if (settings.databaseUrl) {
    return new PgSql({
      connectionString: settings.databaseUrl,
      ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}),
    });
  }
  const dir = join(settings.dataDir, 'pglite');
  const changed = (ensurePrivateDir(dir) ? 1 : 0) + tightenTree(dir);
  if (changed > 0) onTightened?.(dir, changed);
  return PgliteSql.open(dir, { fromTemplate: true });
}

export function describeStore(settings: StoreSettings): string {
  if (!settings.databaseUrl) return `embedded PGlite in ${join(settings.dataDir, 'pglite')}`;
  const url = new URL(settings.databaseUrl);
  return `Postgres ${url.host}${url.pathname}${settings.databaseSchema ? ` (schema ${settings.databaseSchema})` : ''}`;
}
