/**
 * Durability: SIGKILL a log process in the middle of a stream of appends, restart on the same
 * store, and check that every acknowledged entry is there at its index, that nothing is
 * half-written, and that every checkpoint published before the kill is consistent with the new
 * head. Runs on PGlite (a data directory) and on Postgres (DATABASE_URL).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogService } from '../../src/log/log-service.js';
import { loadLogKey } from '../../src/log/log-key.js';
import { migrate } from '../../src/storage/migrate.js';
import { openSql } from '../../src/storage/open-sql.js';
import type { Sql } from '../../src/storage/sql.js';
import { auditLog, checkReceivedCheckpoints } from '../helpers/audit.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../helpers/db.js';
import { logKeyFile, syntheticEntry } from '../helpers/log.js';
import { startWorker } from '../helpers/worker.js';

const HOST = 'crash.test.example';

describe('crash recovery after SIGKILL', () => {
  const keyPath = logKeyFile();
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-crash-'));
  let db: TestDatabase | undefined;
  let storeEnv: Record<string, string>;

  before(async () => {
    if (usingPostgres()) {
      db = await openTestDatabase();
      storeEnv = db.env;
    } else {
      storeEnv = { SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: '' };
    }
  });
  after(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function reopen(): Promise<Sql> {
    if (db) return db.sql;
    const sql = await openSql({ databaseUrl: undefined, dataDir });
    await migrate(sql);
    return sql;
  }

  for (const round of [1, 2]) {
    it(`round ${round}: every acknowledged entry survives, and history stays consistent`, async () => {
      const worker = startWorker({
        ...storeEnv,
        SEALHOUSE_LOG_KEY: keyPath,
        SEALHOUSE_URL: `https://${HOST}`,
        WORKER_COUNT: '1000000',
        WORKER_CONCURRENCY: '64',
        WORKER_PREFIX: `round${round}`,
        SEALHOUSE_BATCH_SIZE: '50',
        SEALHOUSE_BATCH_MS: '2',
      });
      await worker.waitForAcks(400);
      worker.child.kill('SIGKILL');
      await worker.exited;
      assert.ok(!worker.output.done, 'the worker was killed mid-stream');

      const sql = await reopen();
      const key = loadLogKey(keyPath);
      const log = await LogService.open(sql, { key, host: HOST, maxBatch: 16, maxDelayMs: 1, maxQueue: 100 });
      const { treeSize } = await auditLog(log, key.publicKey, HOST);
      assert.ok(treeSize >= worker.output.acks.length, 'at least every acknowledged entry is in the tree');
      const stored = await log.entriesByIndex(worker.output.acks.map((a) => a.index));
      assert.equal(stored.length, worker.output.acks.length, 'every acknowledged entry is stored');
      const byIndex = new Map(stored.map((e) => [e.index, e.leafHash.toString('hex')]));
      for (const ack of worker.output.acks) assert.equal(byIndex.get(ack.index), ack.leaf, `${ack.label} kept index ${ack.index}`);
      await checkReceivedCheckpoints(log, worker.output.checkpoints, key.publicKey, HOST);

      // The restarted log keeps appending on the same history.
      const r = await log.append(syntheticEntry(`after-crash-${round}`));
      assert.equal(r.index, treeSize);
      await log.close();
      if (!db) await sql.close();
    });
  }
});
