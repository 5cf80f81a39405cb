/**
 * Rekor v2 beside v1 under the same loopback HTTP load (issue 11 item 6): one Sealhouse server in
 * a child process (bench/http-bench-server.ts) on a fresh Postgres schema, autocannon here.
 * Rows alternate v1 `POST /api/v1/log/entries` (hashedrekord 0.0.1, bench/http-bench-pool.ts)
 * and v2 `POST /api/v2/log/entries` (hashedrekord 0.0.2, the same P-256 keys and signature
 * work) at each concurrency, so both meet the same machine; then v2 tile reads
 * (`GET /tile/0/<N>` of full tiles, and the checkpoint). Every v2 201 must carry an inclusion
 * proof with a checkpoint; a sample is verified offline with src/core against the served
 * trusted root.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/rekor-v2-bench.js
 *   BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_CONCURRENCY=16,64 …
 *   BENCH_OPEN_RATE=1000 (adds open-loop v1 and v2 rows: latency from each request's scheduled time)
 *   BENCH_SERVER_DIST=/tmp/main/dist (another build's server under this harness, for A/B)
 *
 * Each run also prints CPU seconds per 1,000 entries of the server, its Postgres backends and
 * this load generator (bench/process-cpu.ts).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTlogEntry } from '../src/core/bundle/bundle-json.js';
import { verifyTlogEntry } from '../src/core/bundle/tlog.js';
import { parseTrustedRoot } from '../src/core/bundle/trusted-root.js';
import { nodeCrypto } from '../src/node-crypto.js';
import { DEFAULT_BENCH_DATABASE, benchSchema, fmt } from './bench-util.js';
import { EntryPool } from './http-bench-pool.js';
import { V2Pool } from './rekor-v2-pool.js';
import { describeFailures, runLoad, type RunResult } from './http-bench-load.js';
import type { ServerMessage } from './http-bench-server.js';
import { printTable, type Row } from './http-bench-report.js';
import { runOpenLoop } from './http-bench-open-loop.js';
import { describePerThousand, sampleComponents } from './process-cpu.js';
import { batchStats, describeGc, machineJiffies, stolenCores } from './http-bench-stats.js';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const concurrency = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const openRate = process.env.BENCH_OPEN_RATE === undefined ? undefined : Number(process.env.BENCH_OPEN_RATE);

const { schema, drop } = await benchSchema(databaseUrl);
const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-v2-bench-'));
/** The server's Postgres connections carry this name, so their backends' CPU can be read. */
const appName = `sealhouse-bench-${schema}`;
const serverScript = process.env.BENCH_SERVER_DIST ? join(process.env.BENCH_SERVER_DIST, 'bench', 'http-bench-server.js') : new URL('./http-bench-server.js', import.meta.url);
const child = fork(serverScript, {
  env: { ...process.env, PGAPPNAME: appName, DATABASE_URL: databaseUrl, SEALHOUSE_DB_SCHEMA: schema, PORT: '0', SEALHOUSE_URL: 'http://127.0.0.1', SEALHOUSE_DATA_DIR: dataDir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (m: ServerMessage) => ('ready' in m ? resolve(m.ready) : reject(new Error('server closed early'))));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

console.log(`# Sealhouse Rekor v1 vs v2 HTTP benchmark — ${new Date().toISOString()}`);
console.log(`# ${availableParallelism()} cores shared by server, load generator and Postgres; load average at start ${loadavg().map((l) => fmt(l)).join(' ')}`);
console.log(`# Postgres ${new URL(databaseUrl).host}, schema ${schema}; batch ${process.env.SEALHOUSE_BATCH_SIZE ?? 1000} entries / ${process.env.SEALHOUSE_BATCH_MS ?? 0} ms`);
console.log(`# ${runs} run(s) of ${seconds} s per row; the table shows the median run (by rate) of each row\n`);

const v1 = new EntryPool();
const v2 = new V2Pool();
let v2Created = 0;
let v2Missing = 0;
const samples: unknown[] = [];

function checkV2(status: number, body: string): void {
  if (status !== 201) return;
  v2Created++;
  if (!body.includes('"inclusionProof":{') || !body.includes('"checkpoint":{"envelope":"')) v2Missing++;
  if (v2Created % 500 === 1) samples.push(JSON.parse(body));
}

async function post(version: 1 | 2, connections: number): Promise<RunResult> {
  const path = version === 1 ? '/api/v1/log/entries' : '/api/v2/log/entries';
  if (version === 1) v1.ensure(4000 * seconds * 1.2);
  else v2.ensure(4000 * seconds * 1.2);
  const request = {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (r: object) => ({ ...r, body: version === 1 ? v1.next() : v2.next() }),
    ...(version === 2 ? { onResponse: checkV2 } : {}),
  };
  return runLoad({ url, connections, seconds, request });
}

async function open(version: 1 | 2, rate: number): Promise<RunResult> {
  return runOpenLoop({
    url,
    rate,
    seconds,
    method: 'POST',
    path: version === 1 ? '/api/v1/log/entries' : '/api/v2/log/entries',
    headers: { 'content-type': 'application/json' },
    body: () => (version === 1 ? v1.next() : v2.next()),
    ...(version === 2 ? { onResponse: checkV2 } : {}),
  });
}

async function tiles(connections: number, fullTiles: number): Promise<RunResult> {
  const request = {
    method: 'GET',
    setupRequest: (r: object) => ({ ...r, path: `/tile/0/${String(Math.floor(Math.random() * fullTiles)).padStart(3, '0')}` }),
  };
  return runLoad({ url, connections, seconds, request });
}

async function repeat(label: string, once: () => Promise<RunResult>): Promise<Row> {
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    // Bodies for the run are signed first, so that signing is not charged to the load generator.
    if (label.includes('POST')) (label.startsWith('v1') ? v1 : v2).ensure(Math.max(4000, openRate ?? 0) * seconds * 1.2);
    const parts0 = await sampleComponents(databaseUrl, appName, child.pid as number);
    const machine0 = machineJiffies();
    const gc0 = await batchStats(url);
    const r = await once();
    const gc = describeGc(gc0, await batchStats(url));
    const stolen = stolenCores(machine0, machineJiffies(), availableParallelism());
    const parts = describePerThousand(parts0, await sampleComponents(databaseUrl, appName, child.pid as number), r.ok);
    console.log(`${label} run ${i + 1}: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50, 1)} ms, p95 ${fmt(r.p95, 1)} ms, p99 ${fmt(r.p99, 1)} ms, failures ${describeFailures(r)}; load average ${loadavg().map((l) => fmt(l)).join(' ')} (${stolen} stolen by the host)`);
    if (label.includes('POST')) console.log(`    ${parts}; ${gc}`);
    if (r.tail) console.log(`    ${r.tail}`);
    results.push(r);
  }
  return { label, results };
}

try {
  await post(1, 16); // warm-up of both write paths
  await post(2, 16);
  const rows: Row[] = [];
  for (const c of concurrency) {
    rows.push(await repeat(`v1 POST /api/v1/log/entries, ${c} conn`, () => post(1, c)));
    rows.push(await repeat(`v2 POST /api/v2/log/entries, ${c} conn`, () => post(2, c)));
  }
  if (openRate !== undefined) {
    rows.push(await repeat(`v1 POST /api/v1/log/entries, open loop ${openRate}/s`, () => open(1, openRate)));
    rows.push(await repeat(`v2 POST /api/v2/log/entries, open loop ${openRate}/s`, () => open(2, openRate)));
  }
  const size = Number((await (await fetch(`${url}/checkpoint`)).text()).split('\n')[1]);
  const full = Math.floor(size / 256);
  if (full > 0) rows.push(await repeat(`v2 GET /tile/0/<N> (full tiles), 16 conn`, () => tiles(16, full)));
  rows.push(await repeat('v2 GET /checkpoint, 16 conn', () => runLoad({ url, connections: 16, seconds, request: { method: 'GET', path: '/checkpoint' } })));

  const root = parseTrustedRoot(await (await fetch(`${url}/trusted_root.json`)).json());
  for (const s of samples) verifyTlogEntry(nodeCrypto, parseTlogEntry(s, 'tlogEntry', '0.3'), root);
  printTable(rows, size);
  console.log(`\nv2 201s checked: ${v2Created}, missing proof/checkpoint: ${v2Missing}; sampled v2 entries verified offline (inclusion, Ed25519 checkpoint): ${samples.length}`);
  console.log(`load average at the end ${loadavg().map((l) => fmt(l)).join(' ')}`);
} finally {
  const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  if (child.connected) child.send('close');
  await exited;
  await drop();
  rmSync(dataDir, { recursive: true, force: true });
}
