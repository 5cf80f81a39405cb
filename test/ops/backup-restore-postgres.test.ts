/**
 * Backup and restore on Postgres (README "Backups and restore"): `pg_dump --format=custom` of the
 * database plus an archive of the key files is the backup; restoring is `pg_restore` into a fresh
 * database and the key files put back. The restored instance must answer as the original did
 * under the keys its clients pinned (restore-checks.ts) and pass `sealhouse fsck`. The negative
 * twin: the same dump restored without the key files is refused at start with one line.
 * Runs only when DATABASE_URL names a Postgres server it may create databases on; it creates and
 * drops its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { assertFsckClean, checkRestored, instanceEnv, populate, refusedStart, startOn, type Recorded } from './restore-checks.js';

const serverUrl = process.env.DATABASE_URL;

/** The client tool from the newest installed PostgreSQL (pg_dump refuses servers newer than itself), else from PATH. */
function pgTool(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin', name)).find((p) => existsSync(p));
  return found ?? name;
}

function databaseUrl(name: string): string {
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  return url.href;
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const skip = serverUrl ? false : 'DATABASE_URL is not set: the Postgres backup test needs a server (e.g. postgres://postgres@127.0.0.1:5432/postgres)';

describe('backup and restore: pg_dump plus the key files', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-pg-backup-'));
  const suffix = randomBytes(4).toString('hex');
  const [source, restoredDb, bareDb] = ['source', 'restored', 'nokeys'].map((n) => `sealhouse_backup_${n}_${suffix}`) as [string, string, string];
  const dump = join(work, 'sealhouse.dump');
  const keys = join(work, 'sealhouse-keys.tgz');
  let port = 0;
  let rec: Recorded;

  before(async () => {
    for (const db of [source, restoredDb, bareDb]) await admin(`CREATE DATABASE ${db}`);
    port = await freePort();
    const dataDir = join(work, 'data');
    const server = await startOn(instanceEnv(dataDir, port, databaseUrl(source)));
    try {
      rec = await populate(server.address, dataDir, work);
    } finally {
      await server.close();
    }
    // The backup: the database (it may stay up; pg_dump reads one consistent snapshot) and the key files.
    execFileSync(pgTool('pg_dump'), ['--format=custom', `--file=${dump}`, databaseUrl(source)]);
    execFileSync('tar', ['-C', work, '-czf', keys, 'data']);
  });
  after(async () => {
    for (const db of [source, restoredDb, bareDb]) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(work, { recursive: true, force: true });
  });

  it('the data directory holds only key files (no database)', () => {
    assert.deepEqual(readdirSync(join(work, 'data')).sort(), ['ca', 'ct-key.pem', 'dev-oidc-key.pem', 'log-key.pem', 'rekor-v2-key.pem', 'tsa']);
  });

  it('pg_restore into a fresh database and the keys unpacked: every entry verifies, both trees grow, monitors agree, fsck is clean', async () => {
    execFileSync(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${databaseUrl(restoredDb)}`, dump]);
    const into = join(work, 'restored');
    mkdirSync(into);
    execFileSync('tar', ['-C', into, '-xzf', keys]);
    const env = instanceEnv(join(into, 'data'), port, databaseUrl(restoredDb));
    const server = await startOn(env);
    try {
      await checkRestored(server.address, join(into, 'data'), rec);
    } finally {
      await server.close();
    }
    await assertFsckClean(env, rec.v1.length + 1);
  });

  it('the dump restored without the key files is refused at start', async () => {
    execFileSync(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${databaseUrl(bareDb)}`, dump]);
    const { status, line } = await refusedStart(instanceEnv(join(work, 'empty'), port, databaseUrl(bareDb)));
    assert.equal(status, 1);
    assert.match(line, /^sealhouse: the configured signing key does not match the key tree \d+ was created with; start with the original key \(SEALHOUSE_LOG_KEY \/ the data directory it was generated in\)$/);
  });
});
