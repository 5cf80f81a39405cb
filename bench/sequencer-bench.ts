/**
 * The log core on real Postgres, without HTTP and without checking submitters' signatures:
 * append BENCH_ENTRIES (default 1,000,000) realistic hashedrekord-sized entries through the
 * sequencer (SETs signed, index keys and checkpoints written) and print appends/s, batch-commit
 * latency percentiles, database bytes per entry, and inclusion-proof time at 10^3..10^6.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node dist/bench/sequencer-bench.js
 *   BENCH_ENTRIES=200000 SEALHOUSE_BATCH_SIZE=2000 SEALHOUSE_BATCH_MS=5 …
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { leafHash } from '../src/merkle/hash.js';
import { LogService } from '../src/log/log-service.js';
import type { PendingEntry } from '../src/log/sequencer.js';
import { migrate } from '../src/storage/migrate.js';
import { PgSql } from '../src/storage/pg-sql.js';
import { DEFAULT_BENCH_DATABASE, benchSchema, fmt, memoryMiB, summarize } from './bench-util.js';

const url = process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE;
const total = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const batchSize = Number(process.env.SEALHOUSE_BATCH_SIZE ?? 1000);
const batchMs = Number(process.env.SEALHOUSE_BATCH_MS ?? 0);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? batchSize * 4);

/** A hashedrekord body the size of a real keyless one (~1.7 KB: certificate, signature, digest). */
const certPemB64 = randomBytes(1000).toString('base64');
function entry(i: number): PendingEntry {
  const digest = createHash('sha256').update(`artifact ${i}`).digest('hex');
  const body = Buffer.from(
    `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"${digest}"}},` +
      `"signature":{"content":"${randomBytes(71).toString('base64')}","publicKey":{"content":"${certPemB64}"}}}}`,
  );
  return { body, leafHash: leafHash(body), indexKeys: [`sha256:${digest}`, `user${i % 5000}@example.com`, 'a'.repeat(64)] };
}

const { schema, drop } = await benchSchema(url);
const sql = new PgSql({ connectionString: url, schema, maxConnections: 4 });
await migrate(sql);
const batchTimes: number[] = [];
const batchSizes: number[] = [];
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const log = await LogService.open(sql, {
  key: { privateKey, publicKey, source: 'bench' },
  host: 'bench.example',
  maxBatch: batchSize,
  maxDelayMs: batchMs,
  maxQueue: inFlight * 2,
  observer: { onBatch: (size, ms) => (batchTimes.push(ms), batchSizes.push(size)) },
});

console.log(`# sequencer benchmark: ${total} entries, batch ≤ ${batchSize} / ${batchMs} ms, ${inFlight} in flight, Postgres ${new URL(url).host} schema ${schema}`);
const started = performance.now();
let submitted = 0;
let done = 0;
let lastReport = started;
await new Promise<void>((resolve, reject) => {
  const pump = (): void => {
    while (submitted < total && submitted - done < inFlight) {
      const e = entry(submitted++);
      log.append(e).then(() => {
        done++;
        const now = performance.now();
        if (now - lastReport > 10_000) {
          lastReport = now;
          console.log(`  ${done} appended, ${fmt(done / ((now - started) / 1000), 0)}/s so far, ${memoryMiB()}`);
        }
        if (done === total) resolve();
        else pump();
      }, reject);
    }
  };
  pump();
});
const seconds = (performance.now() - started) / 1000;
const batches = summarize(batchTimes);
const sizes = summarize(batchSizes);

const [bytes] = await sql.query<{ total: number }>(
  `SELECT sum(pg_total_relation_size(c.oid))::bigint AS total FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind = 'r'`,
  [schema],
);
const [entryBytes] = await sql.query<{ total: number }>(
  `SELECT (pg_total_relation_size('rekor_entries') + pg_total_relation_size('rekor_index_keys'))::bigint AS total`,
);

console.log(`appends/s            ${fmt(total / seconds, 0)}  (${total} in ${fmt(seconds, 1)} s)`);
console.log(`batch commit ms      p50 ${fmt(batches.p50)}  p99 ${fmt(batches.p99)}  max ${fmt(batches.max)}  (${batches.n} batches, median size ${sizes.p50})`);
console.log(`database bytes/entry ${fmt((bytes?.total ?? 0) / total, 0)} all tables (entries + index keys: ${fmt((entryBytes?.total ?? 0) / total, 0)}; body ≈ ${entry(0).body.length})`);
console.log(`memory               ${memoryMiB()}`);

for (let size = 1000; size <= total; size *= 10) {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 200; i++) {
    const index = Math.floor(Math.random() * size);
    let t = performance.now();
    await log.inclusionPath(index, size);
    const first = performance.now() - t;
    t = performance.now();
    await log.inclusionPath(index, size);
    (i < 100 ? cold : warm).push(first);
    warm.push(performance.now() - t);
  }
  const c = summarize(cold);
  const w = summarize(warm);
  console.log(`inclusion proof @ ${String(size).padEnd(8)} first p50 ${fmt(c.p50, 3)} ms p99 ${fmt(c.p99, 3)} ms | repeat p50 ${fmt(w.p50, 3)} ms p99 ${fmt(w.p99, 3)} ms`);
}

await log.close();
await sql.close();
if (process.env.BENCH_KEEP !== '1') await drop();
