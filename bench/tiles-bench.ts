/**
 * Reads of the C2SP tlog-tiles API (src/http/tiles-router.ts) under loopback HTTP load: a
 * Sealhouse server in a child process (bench/http-bench-server.ts) on a fresh Postgres schema,
 * or PGlite with BENCH_PGLITE=1; its v1 tree is filled with BENCH_ENTRIES hashedrekord entries
 * through the v1 API, then autocannon GETs under /tlog/v1 at concurrency 1, 16 and 64:
 *
 *   full       tile/0/<random full tile>       8,192 bytes, immutable
 *   partial    tile/0/<last>.p/<W>             the rightmost level-0 tile at the checkpoint's width
 *   bundle     tile/entries/<random full>      a full entry bundle (identity; gzip adds CPU)
 *   checkpoint checkpoint                     the signed note
 *
 * Every 200 is checked for its size (a tile of the wrong length counts as a failure). Prints
 * reads/s and p50/p99 per row with the load average, since the 2 cores are shared.
 *
 *   node dist/bench/tiles-bench.js
 *   BENCH_SECONDS=5 BENCH_ENTRIES=2000 BENCH_ONLY=full,partial BENCH_PGLITE=1 DATABASE_URL=… …
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckpoint } from '../src/core/checkpoint.js';
import { formatEntriesPath, formatTilePath, TILE_WIDTH } from '../src/merkle/tiles.js';
import { DEFAULT_BENCH_DATABASE, benchSchema, fmt } from './bench-util.js';
import { describeCpu, sampleCpu } from './http-bench-stats.js';
import { EntryPool } from './http-bench-pool.js';
import { failureCount, runLoad, type RunResult } from './http-bench-load.js';
import type { ServerMessage } from './http-bench-server.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const entries = Number(process.env.BENCH_ENTRIES ?? 2000);
const pglite = process.env.BENCH_PGLITE === '1';
const CONCURRENCY = [1, 16, 64];
const only = new Set((process.env.BENCH_ONLY ?? 'full,partial,bundle,checkpoint').split(','));

const databaseUrl = process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE;
const db = pglite ? undefined : await benchSchema(databaseUrl);
const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-tiles-bench-'));
const { DATABASE_URL: _unused, ...inherited } = process.env;
const child = fork(new URL('./http-bench-server.js', import.meta.url), {
  env: {
    ...inherited,
    ...(db ? { DATABASE_URL: databaseUrl, SEALHOUSE_DB_SCHEMA: db.schema } : {}),
    PORT: '0',
    SEALHOUSE_URL: 'http://127.0.0.1',
    SEALHOUSE_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (m: ServerMessage) => ('ready' in m ? resolve(m.ready) : reject(new Error('server closed early'))));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

async function cleanUp(): Promise<void> {
  const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  if (child.connected) child.send('close');
  await exited;
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

try {
  // Fill the v1 tree through its API, 32 requests at a time (group commit batches them).
  const pool = new EntryPool();
  pool.ensure(entries);
  for (let done = 0; done < entries; ) {
    const n = Math.min(32, entries - done);
    const statuses = await Promise.all(
      Array.from({ length: n }, async () => (await fetch(`${url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pool.next() })).status),
    );
    if (statuses.some((s) => s !== 201)) throw new Error(`filling the log: got ${statuses.join(',')}`);
    done += n;
  }
  const size = parseCheckpoint(await (await fetch(`${url}/tlog/v1/checkpoint`)).text()).size;
  const fullTiles = Math.floor(size / TILE_WIDTH);
  const width = size % TILE_WIDTH;
  if (fullTiles === 0 || width === 0) throw new Error(`BENCH_ENTRIES=${entries} must give at least one full tile and a partial one`);

  console.log(`# Sealhouse tlog-tiles read benchmark — ${new Date().toISOString()}`);
  console.log(`# ${availableParallelism()} cores shared by server, load generator and the database; load average at start ${loadavg().map((l) => fmt(l)).join(' ')}`);
  console.log(`# store ${db ? `Postgres ${new URL(databaseUrl).host}, schema ${db.schema}` : 'PGlite (embedded)'}; v1 tree of ${size} entries (${fullTiles} full level-0 tiles, a partial of ${width}); ${seconds} s per row\n`);

  const contentLength = (headers: Record<string, string>): string | undefined => Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-length')?.[1];
  const random = (n: number): number => Math.floor(Math.random() * n);
  const rows: Record<string, { path: () => string; bytes?: number }> = {
    full: { path: () => formatTilePath({ level: 0, index: random(fullTiles), width: TILE_WIDTH }), bytes: TILE_WIDTH * 32 },
    partial: { path: () => formatTilePath({ level: 0, index: fullTiles, width }), bytes: width * 32 },
    bundle: { path: () => formatEntriesPath(random(fullTiles), TILE_WIDTH) },
    checkpoint: { path: () => 'checkpoint' },
  };
  const table: { label: string; conns: number; r: RunResult; cpu: string; wrong: number }[] = [];
  for (const [label, row] of Object.entries(rows)) {
    if (!only.has(label)) continue;
    for (const conns of CONCURRENCY) {
      let wrong = 0;
      const cpu0 = await sampleCpu(child, availableParallelism());
      const r = await runLoad({
        url,
        connections: conns,
        seconds,
        request: {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/tlog/v1/${row.path()}` }),
          // autocannon hands the body over decoded as text, so the size is checked on the header (raw names).
          onResponse: (status, _body, _ctx, headers) => {
            if (status === 200 && row.bytes !== undefined && Number(contentLength(headers)) !== row.bytes) wrong++;
          },
        },
      });
      const cpu = describeCpu(cpu0, await sampleCpu(child, availableParallelism()));
      table.push({ label, conns, r, cpu, wrong });
      console.log(`${label} c${conns}: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, failures ${failureCount(r) + wrong}; ${cpu}`);
    }
  }
  console.log(`\n| read | connections | reads/s | p50 ms | p99 ms | failures |`);
  console.log(`|---|---:|---:|---:|---:|---:|`);
  for (const { label, conns, r, wrong } of table) console.log(`| ${label} | ${conns} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${failureCount(r) + wrong} |`);
  console.log(`\n# load average at end ${loadavg().map((l) => fmt(l)).join(' ')}`);
} finally {
  await cleanUp();
}
