/**
 * A real Postgres streaming replica of the server DATABASE_URL names, for the reader tests:
 * `pg_basebackup -R` into a temporary directory and a second `postgres` on a free loopback
 * port (hot standby). Postgres refuses to run as root, so under root both run as the
 * `postgres` user and the directory is handed to it. Closing stops the server and deletes
 * the directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../fixtures/oidc-issuer-process.js';

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

/** The directory holding pg_basebackup and postgres, or undefined. */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((d) => existsSync(join(d, 'postgres')) && existsSync(join(d, 'pg_basebackup')));
}

export interface Replica {
  /** Connection string of the replica (database as the primary's URL names it). */
  readonly url: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<T[]>;
  /** Wait until the replica has received (not necessarily replayed) the primary's WAL up to now. */
  waitReceived(): Promise<void>;
  /** Wait until it has replayed the primary's WAL up to now. */
  waitReplayed(): Promise<void>;
  close(): Promise<void>;
}

/** uid/gid to run Postgres as: ourselves, or `postgres` when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

async function onPrimary<T extends pg.QueryResultRow>(primaryUrl: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: primaryUrl });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startReplica(primaryUrl: string, binDir: string): Promise<Replica> {
  const primary = new URL(primaryUrl);
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-replica-'));
  const data = join(dir, 'data');
  const owner = runAs();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const spawnOpts = owner ? { uid: owner.uid, gid: owner.gid } : {};
  let server: ChildProcess | undefined;
  const cleanUp = async (): Promise<void> => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGINT'); // fast shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const user = decodeURIComponent(primary.username || 'postgres');
    execFileSync(join(binDir, 'pg_basebackup'), ['-h', primary.hostname, '-p', primary.port || '5432', '-U', user, '-D', data, '-R', '-X', 'stream', '-c', 'fast', '-N'], {
      ...spawnOpts,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
    // A hot standby needs these at least as large as the primary's, or it refuses to start.
    const settings = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];
    const values = await onPrimary<{ name: string; setting: string }>(primaryUrl, `SELECT name, setting FROM pg_settings WHERE name IN (${settings.map((s) => `'${s}'`).join(', ')})`);
    const port = await freePort();
    // Debian keeps the configuration in /etc, so the copy has none: ours, loopback only, no Unix socket.
    writeFileSync(
      join(data, 'postgresql.conf'),
      [`listen_addresses = '127.0.0.1'`, `port = ${port}`, `unix_socket_directories = ''`, 'hot_standby = on', 'fsync = off', ...values.map((v) => `${v.name} = ${v.setting}`), ''].join('\n'),
    );
    writeFileSync(join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n');
    writeFileSync(join(data, 'pg_ident.conf'), '');
    if (owner) for (const f of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) chownSync(join(data, f), owner.uid, owner.gid);
    const logFile = join(dir, 'postgres.log');
    const logFd = openSync(logFile, 'a');
    if (owner) chownSync(logFile, owner.uid, owner.gid);
    server = spawn(join(binDir, 'postgres'), ['-D', data], { ...spawnOpts, stdio: ['ignore', logFd, logFd] });
    const url = new URL(primaryUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const replicaUrl = url.href;
    const pool = new pg.Pool({ connectionString: replicaUrl, max: 2 });
    pool.on('error', () => undefined);
    const query = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => (await pool.query<T>(text, params)).rows;
    const exited = (): boolean => server?.exitCode !== null || server?.signalCode !== null;
    await until('the replica to accept connections', async () => {
      if (exited()) throw new Error(`postgres (replica) exited:\n${readFileSync(logFile, 'utf8')}`);
      return (await query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r === true;
    }).catch((err: unknown) => {
      if (exited()) throw new Error(`postgres (replica) exited:\n${readFileSync(logFile, 'utf8')}`);
      throw err;
    });
    const primaryLsn = async (): Promise<string> => (await onPrimary<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn as string;
    const reached = (fn: string) => async (): Promise<void> => {
      const lsn = await primaryLsn();
      await until(`the replica's ${fn} to reach ${lsn}`, async () => (await query<{ ok: boolean }>(`SELECT ${fn}() >= $1::pg_lsn AS ok`, [lsn]))[0]?.ok === true);
    };
    return {
      url: replicaUrl,
      query,
      waitReceived: reached('pg_last_wal_receive_lsn'),
      waitReplayed: reached('pg_last_wal_replay_lsn'),
      async close() {
        await pool.end().catch(() => undefined);
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
