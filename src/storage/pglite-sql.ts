/**
 * The Sql seam over PGlite: Postgres compiled to WASM, running inside this process on a data
 * directory (or in memory). It has a single connection, so transactions are serialised here;
 * queries outside a transaction wait for a running transaction to finish rather than
 * interleaving with it.
 */
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tightenTree } from '../private-files.js';
import { usableTemplate } from './pglite-template.js';
import { CommitHooks, toBuffer, toSafeNumber, type Row, type Sql, type SqlTx } from './sql.js';

const parsers = {
  [pgliteTypes.INT8]: (value: string) => toSafeNumber(value),
};

export class PgliteSql implements Sql {
  readonly kind = 'pglite' as const;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: PGlite) {}

  /**
   * `dataDir` undefined → an in-memory database (tests). A new database's files are copied
   * from PGlite's bundled template with mode 0666 whatever the umask (measured: 969 of 1,008
   * files, postgresql.conf and pg_control among them), so the tree is made 0700/0600 once
   * PGlite has created it; files Postgres creates later are 0600 already.
   *
   * `fromTemplate`: a database that does not exist yet is unpacked from the prepared, migrated
   * template (pglite-template.ts) when this build has one; an existing one is opened as it is.
   */
  static async open(dataDir?: string, options: { fromTemplate?: boolean } = {}): Promise<PgliteSql> {
    const isNew = !dataDir || !existsSync(join(dataDir, 'PG_VERSION'));
    const template = options.fromTemplate && isNew ? usableTemplate() : undefined;
    const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers, ...(template ? { loadDataDir: template } : {}) });
    if (dataDir) tightenTree(dataDir);
    return new PgliteSql(db);
  }

  /** The data directory as an uncompressed tar (what PGlite's loadDataDir takes back). */
  async dump(): Promise<Uint8Array> {
    const blob = await this.serial(() => this.db.dumpDataDir('none'));
    return new Uint8Array(await blob.arrayBuffer());
  }

  /** Serialise work on the single connection, keeping the chain alive after failures. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serial(async () => normalise<T>((await this.db.query<T>(text, params as unknown[])).rows));
  }

  exec(script: string): Promise<void> {
    return this.serial(async () => {
      await this.db.exec(script);
    });
  }

  tx<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const hooks = new CommitHooks();
      const value = await this.db.transaction(async (inner) =>
        fn({
          query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
            normalise<R>((await inner.query<R>(text, params as unknown[])).rows),
          exec: async (script: string) => {
            await inner.exec(script);
          },
          afterCommit: (f) => hooks.add(f),
        }),
      );
      hooks.run();
      return value;
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.db.close());
  }
}

/** PGlite returns bytea as Uint8Array; the seam promises Buffer. */
function normalise<T>(rows: T[]): T[] {
  for (const row of rows as Row[]) {
    for (const [key, value] of Object.entries(row)) {
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = toBuffer(value);
    }
  }
  return rows;
}
