/**
 * Two Sealhouse processes appending to one Postgres at the same time must never assign an
 * index twice or fork the tree. Postgres only: PGlite is a single-process database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LogService } from '../../src/log/log-service.js';
import { loadLogKey } from '../../src/log/log-key.js';
import { auditLog, checkReceivedCheckpoints } from '../helpers/audit.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../helpers/db.js';
import { logKeyFile } from '../helpers/log.js';
import { startWorker } from '../helpers/worker.js';

const HOST = 'multi.test.example';

describe('two processes, one Postgres', { skip: usingPostgres() ? false : 'needs DATABASE_URL (PGlite cannot be shared between processes)' }, () => {
  let db: TestDatabase;
  const keyPath = logKeyFile();
  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => db.close());

  it('interleave appends without duplicate indexes, and the tree is one consistent history', async () => {
    const env = { ...db.env, SEALHOUSE_LOG_KEY: keyPath, SEALHOUSE_URL: `https://${HOST}`, WORKER_COUNT: '1500', WORKER_CONCURRENCY: '48', SEALHOUSE_BATCH_SIZE: '100', SEALHOUSE_BATCH_MS: '3' };
    const a = startWorker({ ...env, WORKER_PREFIX: 'a' });
    const b = startWorker({ ...env, WORKER_PREFIX: 'b' });
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
    assert.ok(a.output.done && b.output.done);

    const acks = [...a.output.acks, ...b.output.acks];
    assert.equal(acks.length, 3000);
    assert.equal(new Set(acks.map((x) => x.index)).size, 3000, 'no index assigned twice');
    const interleaved = a.output.acks.some((x) => x.index > Math.min(...b.output.acks.map((y) => y.index)));
    assert.ok(interleaved, 'both processes really wrote concurrently');

    const key = loadLogKey(keyPath);
    const log = await LogService.open(db.sql, { key, host: HOST, maxBatch: 10, maxDelayMs: 1, maxQueue: 10 });
    const { treeSize } = await auditLog(log, key.publicKey, HOST);
    assert.equal(treeSize, 3000);
    const stored = await log.entriesByIndex(acks.map((x) => x.index));
    const byIndex = new Map(stored.map((e) => [e.index, e.leafHash.toString('hex')]));
    for (const ack of acks) assert.equal(byIndex.get(ack.index), ack.leaf, `entry ${ack.label} is where it was acknowledged`);
    await checkReceivedCheckpoints(log, [...a.output.checkpoints, ...b.output.checkpoints], createPublicKey(readFileSync(keyPath, 'utf8')), HOST);
    await log.close();
  });
});
