/**
 * PGlite's single-user Postgres has no checkpointer, so PgliteSql checkpoints a database on disk
 * itself (src/storage/pglite-sql.ts): once enough WAL has been written, not before, and a
 * process killed after a checkpoint reopens with everything it committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PgliteSql } from '../../src/storage/pglite-sql.js';

const dir = mkdtempSync(join(tmpdir(), 'sealhouse-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('PGlite checkpoints', () => {
  it('checkpoints once the WAL written since the last one reaches the threshold, and not before', async () => {
    const sql = await PgliteSql.open(join(dir, 'threshold'));
    try {
      await sql.exec('CREATE TABLE t (v text)');
      assert.equal(await sql.checkpointIfDue(1 << 30), false, 'far below the threshold');
      await sql.exec("INSERT INTO t SELECT repeat('x', 1000) FROM generate_series(1, 100)");
      assert.equal(await sql.checkpointIfDue(1), true, 'WAL was written');
      assert.equal(await sql.checkpointIfDue(1), false, 'nothing written since');
    } finally {
      await sql.close();
    }
  });

  it('a process SIGKILLed after writing reopens with every committed row', async () => {
    const data = join(dir, 'killed');
    const pglite = new URL('../../src/storage/pglite-sql.js', import.meta.url).href;
    const script = `const { PgliteSql } = await import(${JSON.stringify(pglite)});
const sql = await PgliteSql.open(${JSON.stringify(data)});
await sql.exec('CREATE TABLE t (v int)');
for (let i = 1; i <= 50; i++) { await sql.query('INSERT INTO t VALUES ($1)', [i]); if (i === 25) await sql.checkpointIfDue(1); }
console.log('written');
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the writer exited (${code})`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const sql = await PgliteSql.open(data);
    try {
      assert.deepEqual(await sql.query('SELECT count(*)::int AS n, max(v) AS top FROM t'), [{ n: 50, top: 50 }]);
    } finally {
      await sql.close();
    }
  });
});
