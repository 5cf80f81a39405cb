/**
 * The Sql seam over PGlite: Postgres compiled to WASM, running inside this process on a data
 * directory (or in memory). It has a single connection, so transactions are serialised here;
 * queries outside a transaction wait for a running transaction to finish rather than
 * interleaving with it.
 *
 * PGlite runs Postgres as a single-user backend: there is no checkpointer process, so
 * checkpoint_timeout never fires and a checkpoint comes only at a clean close or when the WAL
 * reaches max_wal_size (1 GB). A process killed under load then replays all of that WAL at its
 * next start (measured: 160 MB of WAL, 4.7 s to reopen; 2.6 s after a CHECKPOINT, on a loaded
 * machine). So a database on disk checkpoints itself once CHECKPOINT_WAL_BYTES of WAL have been
 * written, or CHECKPOINT_MAX_MS after the last checkpoint if anything was.
 */
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tightenTree } from '../private-files.js';
import { preparePgliteArtifacts } from './pglite-artifacts.js';
import { usableTemplate } from './pglite-template.js';
import { CommitHooks, toBuffer, toSafeNumber, type Row, type Sql, type SqlTx } from './sql.js';

/** WAL written since the last checkpoint that makes the next one due (bounds replay after a kill). */
export const CHECKPOINT_WAL_BYTES = 64 * 1024 * 1024;
/** A checkpoint is also due this long after the last one, when any WAL was written since. */
const CHECKPOINT_MAX_MS = 60_000;
/** How often the WAL position is looked at (one cheap query). */
const CHECKPOINT_POLL_MS = 2_000;

const parsers = {
  [pgliteTypes.INT8]: (value: string) => toSafeNumber(value),
};

export class PgliteSql implements Sql {
  readonly kind = 'pglite' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** The WAL position of the last checkpoint this process made (or of the open). */
  private checkpointedAt: { lsn: string; ms: number } | undefined;

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
    // Compiled once per process, usually already while the server's modules loaded (pglite-artifacts.ts).
    const artifacts = await preparePgliteArtifacts();
    const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers, ...artifacts, ...(template ? { loadDataDir: template } : {}) });
    if (dataDir) tightenTree(dataDir);
    const sql = new PgliteSql(db);
    if (dataDir) sql.startCheckpoints();
    return sql;
  }

  private startCheckpoints(): void {
    this.checkpointTimer = setInterval(() => {
      this.checkpointIfDue().catch(() => undefined); // a failing database fails the next query too, where it is reported
    }, CHECKPOINT_POLL_MS);
    this.checkpointTimer.unref();
  }

  /** CHECKPOINT when enough WAL (or enough time with any WAL) has passed since the last one; returns whether it did. */
  async checkpointIfDue(walBytes = CHECKPOINT_WAL_BYTES): Promise<boolean> {
    return this.serial(async () => {
      const lsn = (await this.db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]?.lsn as string;
      const last = (this.checkpointedAt ??= { lsn, ms: Date.now() });
      const written = Number((await this.db.query<{ d: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d', [lsn, last.lsn])).rows[0]?.d ?? 0);
      if (written < walBytes && !(written > 0 && Date.now() - last.ms >= CHECKPOINT_MAX_MS)) return false;
      await this.db.exec('CHECKPOINT');
      this.checkpointedAt = { lsn: (await this.db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]?.lsn as string, ms: Date.now() };
      return true;
    });
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
    clearInterval(this.checkpointTimer);
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
