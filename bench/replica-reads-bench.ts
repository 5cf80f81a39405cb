/**
 * Read throughput of a writer on the primary against a reader on a streaming replica
 * (src/reader-server.ts), both `sealhouse serve` child processes: a replica made with
 * pg_basebackup -R (test/replica/replica-cluster.ts), BENCH_ENTRIES hashedrekord entries
 * written through the writer, then autocannon GETs /api/v1/log/entries?logIndex=<random> (an
 * entry with its inclusion proof and checkpoint) at BENCH_CONNECTIONS, alternating writer and
 * reader BENCH_RUNS times. Prints each run and the medians with the load average: everything
 * (both servers, both Postgres, the load) shares this machine's cores, so this shows a reader
 * serves what a writer does per process, not the scale-out that separate machines give.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/replica-reads-bench.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../test/fixtures/oidc-issuer-process.js';
import { hashedrekord } from '../test/http/rekor-client.js';
import { postgresBinDir, startReplica } from '../test/replica/replica-cluster.js';
import { fmt } from './bench-util.js';
import { runLoad, type RunResult } from './http-bench-load.js';

const databaseUrl = process.env.DATABASE_URL;
const binDir = postgresBinDir();
if (!databaseUrl || !binDir) {
  console.error('replica-reads-bench: needs DATABASE_URL (a Postgres primary with replication allowed) and the Postgres server binaries');
  process.exit(1);
}
const entries = Number(process.env.BENCH_ENTRIES ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SEALHOUSE = fileURLToPath(new URL('../../bin/sealhouse.js', import.meta.url));

const schema = `replica_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-replica-bench-'));
const children: ChildProcess[] = [];

async function serve(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const { DATABASE_URL: _omit, ...inherited } = process.env;
  const child = spawn(process.execPath, [SEALHOUSE, 'serve'], {
    env: { ...inherited, PORT: String(port), SEALHOUSE_URL: 'http://127.0.0.1', SEALHOUSE_DATA_DIR: dataDir, SEALHOUSE_DB_SCHEMA: schema, SEALHOUSE_REKOR_V2: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) return base;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sealhouse serve on ${port} did not become ready`);
}

const replica = await startReplica(databaseUrl, binDir);
try {
  const writer = await serve({ DATABASE_URL: databaseUrl });
  const proposals = Array.from({ length: entries }, (_, i) => hashedrekord(`bench ${i} ${Date.now()}`));
  for (let i = 0; i < proposals.length; i += 64) {
    await Promise.all(proposals.slice(i, i + 64).map(async (p) => {
      const res = await fetch(`${writer}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(p), headers: { 'content-type': 'application/json' } });
      if (res.status !== 201) throw new Error(`append: ${res.status} ${await res.text()}`);
    }));
  }
  await replica.waitReplayed();
  const reader = await serve({ SEALHOUSE_READ_DATABASE_URL: replica.url });
  const size = ((await (await fetch(`${reader}/api/v1/log`)).json()) as { treeSize: number }).treeSize;
  if (size < entries) throw new Error(`the reader sees ${size} entries, ${entries} written`);

  const load = (url: string): Promise<RunResult> =>
    runLoad({ url, connections, seconds, request: { method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * size)}` }) } });
  const results: Record<'writer' | 'reader', RunResult[]> = { writer: [], reader: [] };
  for (let run = 1; run <= runs; run++) {
    for (const [role, url] of [['writer', writer], ['reader', reader]] as const) {
      const r = await load(url);
      results[role].push(r);
      const failed = Object.values(r.failures.non2xx).reduce((a, b) => a + b, 0) + r.failures.errors + r.failures.timeouts;
      console.log(`run ${run} ${role.padEnd(6)} ${fmt(r.perSecond, 0).padStart(6)} reads/s  p50 ${fmt(r.p50, 1)} ms  p99 ${fmt(r.p99, 1)} ms  failures ${failed}  load ${loadavg().map((l) => fmt(l)).join(' ')}`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const role of ['writer', 'reader'] as const) {
    const rs = results[role].map((r) => r.perSecond);
    console.log(`median ${role.padEnd(6)} ${fmt(median(rs), 0)} reads/s (min ${fmt(Math.min(...rs), 0)}, max ${fmt(Math.max(...rs), 0)}), p99 ${fmt(median(results[role].map((r) => r.p99)), 1)} ms; ${size} entries, ${connections} connections, ${seconds} s runs`);
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
  await replica.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
