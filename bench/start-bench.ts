/**
 * How fast a Sealhouse process answers after it is started (issue 13 item 3): the time from
 * spawning the command to its first successful HTTP response (GET /api/v1/log → 200) and to its
 * first accepted v1 entry (POST /api/v1/log/entries → 201), on the embedded store, for
 *
 *   existing  a data directory that has served before (stopped with SIGTERM)
 *   fresh     an empty data directory (keys generated, database set up)
 *   sigkill   a restart right after SIGKILL while clients keep POSTing hashedrekord entries
 *
 * The command is spawned as its own process group, so `npm start` (npm and its node child)
 * is killed whole. Each scenario runs RUNS times; medians, min and max are printed with the
 * load average (the machine is shared: read the figures with it).
 *
 *   npm run bench:start                       node bin/sealhouse.js serve
 *   node dist/bench/start-bench.js --npm      npm start (what an operator types)
 *   RUNS=3 node dist/bench/start-bench.js
 *   START_BENCH_ROOT=/path/to/other/checkout node dist/bench/start-bench.js
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryPool } from './http-bench-pool.js';
import { freePort } from '../test/fixtures/oidc-issuer-process.js';

/** The checkout whose command is started: this one, or START_BENCH_ROOT (another build, for a before/after at the same load). */
const ROOT = process.env.START_BENCH_ROOT ?? new URL('../..', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 5);
const USE_NPM = process.argv.includes('--npm');
/** The clients POSTing while the server is SIGKILLed (and retrying while it restarts). */
const LOAD_CLIENTS = 8;
const LOAD_BEFORE_KILL_MS = 1500;
const GIVE_UP_MS = 60_000;

const pool = new EntryPool();


interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  /** The process has exited (with its code), for waiting after a signal. */
  readonly exited: Promise<number | null>;
  output(): string;
}

function start(dataDir: string, port: number): Started {
  const [cmd, args] = USE_NPM ? ['npm', ['start', '--silent']] : [process.execPath, ['bin/sealhouse.js', 'serve']];
  const child = spawn(cmd, args as string[], {
    cwd: ROOT,
    detached: true, // its own process group: a signal reaches npm and the server alike
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), SEALHOUSE_DATA_DIR: dataDir, SEALHOUSE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', SEALHOUSE_LOG_FORMAT: 'json' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => out };
}

function signalGroup(s: Started, signal: NodeJS.Signals): void {
  try {
    process.kill(-(s.child.pid as number), signal);
  } catch {
    // already gone
  }
}

async function stop(s: Started): Promise<void> {
  signalGroup(s, 'SIGTERM');
  await s.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function postEntry(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pool.next() });
  await res.arrayBuffer();
  return res.status;
}

/** Milliseconds from `t0` until `attempt` first succeeds, polling every 10 ms. */
async function timeUntil(t0: number, s: Started, attempt: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`the server exited (${s.child.exitCode}):\n${s.output()}`);
    if (performance.now() - t0 > GIVE_UP_MS) {
      signalGroup(s, 'SIGKILL'); // a failed benchmark must not leave a server running
      throw new Error(`no answer in ${GIVE_UP_MS} ms:\n${s.output()}`);
    }
    try {
      if (await attempt()) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
}

interface Timing {
  readonly firstResponse: number;
  readonly firstEntry: number;
}

/** Start on `dataDir` and time the first GET and the first accepted entry; leaves it running. */
async function timedStart(dataDir: string): Promise<{ s: Started; t: Timing }> {
  const port = await freePort();
  const t0 = performance.now();
  const s = start(dataDir, port);
  const firstResponse = await timeUntil(t0, s, async () => (await fetch(`${s.url}/api/v1/log`)).status === 200);
  const firstEntry = await timeUntil(t0, s, async () => (await postEntry(s.url)) === 201);
  return { s, t: { firstResponse, firstEntry } };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sealhouse-start-bench-'));
}

async function existing(): Promise<Timing[]> {
  const dir = tempDir();
  try {
    const first = await timedStart(dir);
    await stop(first.s);
    const out: Timing[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { s, t } = await timedStart(dir);
      out.push(t);
      await stop(s);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fresh(): Promise<Timing[]> {
  const out: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = tempDir();
    try {
      const { s, t } = await timedStart(dir);
      out.push(t);
      await stop(s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** Clients POSTing entries against whatever `target()` names until stopped; a refusal or non-201 is retried after 10 ms. */
function runLoad(target: () => string): { stop(): Promise<number> } {
  let running = true;
  let accepted = 0;
  const client = async (): Promise<void> => {
    while (running) {
      try {
        if ((await postEntry(target())) === 201) accepted++;
        else await sleep(10); // a 503 while starting is retried as soon as a refused connection is, not in a tight loop
      } catch {
        await sleep(10);
      }
    }
  };
  const clients = Array.from({ length: LOAD_CLIENTS }, client);
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return accepted;
    },
  };
}

async function sigkill(): Promise<Timing[]> {
  const dir = tempDir();
  const out: Timing[] = [];
  try {
    let current = (await timedStart(dir)).s;
    for (let i = 0; i < RUNS; i++) {
      const load = runLoad(() => current.url);
      await sleep(LOAD_BEFORE_KILL_MS);
      signalGroup(current, 'SIGKILL');
      await current.exited;
      const next = await timedStart(dir);
      current = next.s;
      out.push(next.t);
      await load.stop();
    }
    await stop(current);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(name: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? (sorted[(sorted.length - 1) / 2] as number) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  return `${name.padEnd(44)} median ${median.toFixed(0).padStart(6)} ms   min ${(sorted[0] as number).toFixed(0).padStart(6)}   max ${(sorted[sorted.length - 1] as number).toFixed(0).padStart(6)}   (n=${sorted.length})`;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

pool.ensure(20_000);
console.log(`start-bench: ${USE_NPM ? 'npm start' : 'node bin/sealhouse.js serve'} in ${ROOT}, embedded PGlite, ${RUNS} runs each; load average before ${load()}`);
for (const [name, scenario] of [
  ['existing data dir', existing],
  ['fresh data dir', fresh],
  ['restart after SIGKILL+load', sigkill],
] as const) {
  const timings = await scenario();
  console.log(describe(`${name}: first response`, timings.map((t) => t.firstResponse)));
  console.log(describe(`${name}: first v1 entry`, timings.map((t) => t.firstEntry)));
}
console.log(`load average after ${load()}`);
