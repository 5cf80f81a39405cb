/**
 * The Rekor v1 API under loopback HTTP load (rekor-api.md §1.6, §1.7): a Sealhouse server on a
 * fresh Postgres schema in a child process, autocannon in this one. Prints entries/s and latency
 * percentiles for POST /api/v1/log/entries at concurrency 1, 16 and 64, the latency of a fixed
 * 500 entries/s, and GET /api/v1/log/entries?logIndex=<random> (entry + inclusion proof)
 * throughput. Every 201 is checked for a SET, an inclusion proof and a checkpoint; a sample is
 * verified offline (SET, proof, checkpoint signature) after the timed runs.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node dist/bench/http-bench.js
 *   BENCH_SECONDS=10 BENCH_RUNS=3 SEALHOUSE_BATCH_SIZE=1000 SEALHOUSE_BATCH_MS=10 LOG_LEVEL=info …
 *   BENCH_ONLY=c64,rate (rows: c1,c16,c64,rate,open,get16,get64)
 *   BENCH_OPEN_RATE=1000 (the `open` row: open-loop, latency from each request's scheduled time)
 *   BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (profile the server)
 *   BENCH_PROFILE=/tmp/prof (the same, then print bench/cpu-profile-report.ts's tables per entry)
 *   BENCH_SERVER_DIST=/tmp/main/dist (run another build's server under this harness: A/B, bench/ab-bench.ts)
 *
 * Each run also prints the CPU seconds per 1,000 entries of the server, of the Postgres backends
 * serving it and of this load generator (bench/process-cpu.ts), and the rate those would allow
 * if the three had the 2 cores to themselves.
 */
import { fork } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { logFromSpki } from '../src/core/trust.js';
import { verifyEntry, type LogEntryAnon as ApiLogEntry } from '../src/core/verify-entry.js';
import { nodeCrypto } from '../src/node-crypto.js';
import { DEFAULT_BENCH_DATABASE, benchSchema, fmt } from './bench-util.js';
import { batchStats, describeBatches, describeCpu, describeGc, sampleCpu } from './http-bench-stats.js';
import { EntryPool } from './http-bench-pool.js';
import { describeFailures, runLoad, type RunResult } from './http-bench-load.js';
import type { ServerMessage } from './http-bench-server.js';
import { printTable, type Row } from './http-bench-report.js';
import { runOpenLoop } from './http-bench-open-loop.js';
import { describePerThousand, sampleComponents } from './process-cpu.js';
import { reportProfiles } from './cpu-profile-report.js';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const logLevel = process.env.LOG_LEVEL ?? 'info';
const CONCURRENCY = [1, 16, 64];
const FIXED_RATE = 500;
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 1000);
/** Rows to run (default all but `open`): c1,c16,c64,rate,open,get16,get64. */
const only = new Set((process.env.BENCH_ONLY ?? 'c1,c16,c64,rate,get16,get64').split(','));
const profileDir = process.env.BENCH_PROFILE;
/** Extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const serverFlags = [...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];

const { schema, drop } = await benchSchema(databaseUrl);
const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-http-bench-'));
/** The server's Postgres connections carry this name, so their backends' CPU can be read. */
const appName = `sealhouse-bench-${schema}`;
const serverScript = process.env.BENCH_SERVER_DIST ? join(process.env.BENCH_SERVER_DIST, 'bench', 'http-bench-server.js') : new URL('./http-bench-server.js', import.meta.url);
const child = fork(serverScript, {
  env: { ...process.env, PGAPPNAME: appName, DATABASE_URL: databaseUrl, SEALHOUSE_DB_SCHEMA: schema, PORT: '0', SEALHOUSE_URL: 'http://127.0.0.1', SEALHOUSE_DATA_DIR: dataDir, LOG_LEVEL: logLevel },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  execArgv: serverFlags,
});
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (m: ServerMessage) => ('ready' in m ? resolve(m.ready) : reject(new Error('server closed early'))));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const publicKey = createPublicKey(await (await fetch(`${url}/api/v1/log/publicKey`)).text());

console.log(`# Sealhouse HTTP benchmark — ${new Date().toISOString()}`);
console.log(`# ${availableParallelism()} cores shared by server, load generator and Postgres; load average at start ${loadavg().map((l) => fmt(l)).join(' ')}`);
console.log(`# Postgres ${new URL(databaseUrl).host}, schema ${schema}; batch ${process.env.SEALHOUSE_BATCH_SIZE ?? 1000} entries / ${process.env.SEALHOUSE_BATCH_MS ?? 0} ms; server LOG_LEVEL=${logLevel}`);
console.log(`# ${runs} run(s) of ${seconds} s per row; the table shows the median run (by rate) of each row\n`);

const pool = new EntryPool();
let missingParts = 0;
let created = 0;
const samples: { id: string; entry: ApiLogEntry }[] = [];

/** A 201 must carry everything a client verifies offline (rekor-api.md §5.5 items 5–7). */
function checkCreated(status: number, body: string): void {
  if (status !== 201) return;
  created++;
  if (!body.includes('"signedEntryTimestamp":"') || !body.includes('"inclusionProof":{') || !body.includes('"checkpoint":"')) missingParts++;
  if (created % 500 === 1) {
    const [id, entry] = Object.entries(JSON.parse(body) as Record<string, ApiLogEntry>)[0] ?? [];
    if (id !== undefined && entry !== undefined) samples.push({ id, entry });
  }
}

async function postRun(connections: number, rate?: number, secs = seconds): Promise<RunResult> {
  pool.ensure((rate ?? 4000) * secs * 1.2);
  const request = {
    method: 'POST',
    path: '/api/v1/log/entries',
    headers: { 'content-type': 'application/json' },
    setupRequest: (r: object) => ({ ...r, body: pool.next() }),
    onResponse: checkCreated,
  };
  return runLoad({ url, connections, seconds: secs, request, ...(rate === undefined ? {} : { rate }) });
}

/** Open loop: OPEN_RATE requests/s due on schedule, latency from each one's due time. */
async function openRun(secs = seconds): Promise<RunResult> {
  pool.ensure(OPEN_RATE * secs * 1.1);
  return runOpenLoop({
    url,
    rate: OPEN_RATE,
    seconds: secs,
    method: 'POST',
    path: '/api/v1/log/entries',
    headers: { 'content-type': 'application/json' },
    body: () => pool.next(),
    onResponse: checkCreated,
  });
}

async function getRun(connections: number, treeSize: number): Promise<RunResult> {
  let bad = 0;
  const request = {
    method: 'GET',
    setupRequest: (r: object) => ({ ...r, path: `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * treeSize)}` }),
    onResponse: (status: number, body: string) => void (status === 200 && !body.includes('"inclusionProof":{') && bad++),
  };
  const result = await runLoad({ url, connections, seconds, request });
  missingParts += bad;
  return result;
}

/** `prepare` (signing the run's bodies) runs before the CPU samples, so it is not charged to the load generator. */
async function repeat(label: string, once: () => Promise<RunResult>, prepare?: () => void): Promise<Row> {
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    prepare?.();
    const [cpu0, batches0] = [await sampleCpu(child, availableParallelism()), await batchStats(url)];
    const parts0 = await sampleComponents(databaseUrl, appName, child.pid as number);
    const r = await once();
    const parts = describePerThousand(parts0, await sampleComponents(databaseUrl, appName, child.pid as number), r.ok);
    const cpu = describeCpu(cpu0, await sampleCpu(child, availableParallelism()));
    const batches1 = await batchStats(url);
    const batches = label.startsWith('POST') ? `; ${describeBatches(batches0, batches1)}` : '';
    console.log(`${label} run ${i + 1}: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50, 1)} ms, p95 ${fmt(r.p95, 1)} ms, p99 ${fmt(r.p99, 1)} ms, failures ${describeFailures(r)}`);
    console.log(`    ${cpu}${batches}; ${describeGc(batches0, batches1)}`);
    if (r.tail) console.log(`    ${r.tail}`);
    console.log(`    ${parts}; load average ${loadavg().map((l) => fmt(l)).join(' ')}`);
    results.push(r);
  }
  return { label, results };
}

let cleaning: Promise<void> | undefined;
/** Stop the server (gracefully after a full run; at once when interrupted) and drop the schema. */
const cleanUp = (interrupted: boolean): Promise<void> =>
  (cleaning ??= (async () => {
    const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    if (interrupted) child.kill('SIGKILL');
    else if (child.connected) child.send('close');
    await exited;
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp(true).finally(() => process.exit(130)));

try {
  await postRun(16, undefined, 3); // warm-up: JIT, connection pools, first tiles
  const rows: Row[] = [];
  for (const c of CONCURRENCY) if (only.has(`c${c}`)) rows.push(await repeat(`POST entries, ${c} conn`, () => postRun(c), () => pool.ensure(4000 * seconds * 1.2)));
  if (only.has('rate')) rows.push(await repeat(`POST entries at ${FIXED_RATE}/s (50 conn)`, () => postRun(50, FIXED_RATE), () => pool.ensure(FIXED_RATE * seconds * 1.2)));
  if (only.has('open')) rows.push(await repeat(`POST entries, open loop ${OPEN_RATE}/s`, () => openRun(), () => pool.ensure(OPEN_RATE * seconds * 1.1)));
  const info = (await (await fetch(`${url}/api/v1/log`)).json()) as { treeSize: number };
  for (const c of [16, 64]) if (only.has(`get${c}`)) rows.push(await repeat(`GET entry+proof, ${c} conn`, () => getRun(c, info.treeSize)));

  let verified = 0;
  const trusted = [logFromSpki(nodeCrypto, publicKey.export({ type: 'spki', format: 'der' }), { name: '127.0.0.1' })];
  for (const { id, entry } of samples) {
    const v = verifyEntry(id, entry, { logs: trusted, crypto: nodeCrypto });
    if (!v.verified) throw new Error(`sampled entry ${id} does not verify: ${v.summary}`);
    verified++;
  }
  printTable(rows, info.treeSize);
  console.log(`\n201s checked: ${created}, missing SET/proof/checkpoint: ${missingParts}; sampled entries verified offline (SET, inclusion, checkpoint): ${verified}`);
} finally {
  await cleanUp(false);
}
// The server writes its profile as it exits; the tables are per entry logged in the whole run.
if (profileDir) reportProfiles(profileDir, created);
