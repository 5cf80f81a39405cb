/**
 * What a reader process (src/reader-server.ts) asks of its database: whether the schema is the
 * one its code reads (a replica cannot be migrated: it takes its schema from the primary), and
 * how far behind the primary the replica is.
 */
import { SealhouseError } from '../errors.js';
import { loadMigrations, type Migration } from './migrate.js';
import type { Queryable } from './sql.js';

/**
 * Refuse a schema older than this code: its reads would name columns and tables the replica
 * has not got yet. A newer one is fine (the primary's writers were upgraded first; migrations
 * only add). The remedy is on the primary, which is the only place a migration can run.
 */
export async function requireCurrentSchema(q: Queryable, migrations: readonly Migration[] = loadMigrations()): Promise<number> {
  const need = migrations.length;
  const [table] = await q.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  const [row] = table?.present ? await q.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations') : [];
  const have = row?.version ?? 0;
  if (have < need) {
    throw new SealhouseError(
      'unavailable',
      `the read database's schema is at migration ${have}, and this Sealhouse reads schema ${need}: a reader never migrates (a replica is read-only); ` +
        'start an upgraded writer on the primary (or run `sealhouse migrate` against it), wait for the replica to replay it, then start the reader',
    );
  }
  return have;
}

export interface ReplicaStatus {
  /** pg_is_in_recovery(): false when the "replica" is really a primary (then there is no lag). */
  readonly replica: boolean;
  /**
   * Seconds since the last transaction the replica replayed, while WAL it has received is still
   * waiting to be replayed; 0 when it has replayed all it received (an idle primary sends no
   * transactions, and then an old replay time is no lag); undefined before it replayed any.
   */
  readonly lagSeconds: number | undefined;
  /** pg_wal_replay_pause() is in force: the replica serves an older state until resumed. */
  readonly replayPaused: boolean;
}

export async function replicaStatus(q: Queryable): Promise<ReplicaStatus> {
  const [row] = await q.query<{ replica: boolean; lag: number | string | null; paused: boolean }>(
    `SELECT pg_is_in_recovery() AS replica,
            CASE WHEN NOT pg_is_in_recovery() THEN 0
                 WHEN pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                 ELSE greatest(0, EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())))::float8 END AS lag,
            CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused`,
  );
  const lag = row?.lag;
  return { replica: row?.replica === true, lagSeconds: lag === null || lag === undefined ? undefined : Number(lag), replayPaused: row?.paused === true };
}
