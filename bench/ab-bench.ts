/**
 * Interleaved A/B of two server builds under bench/http-bench.ts: runs A, B, A, B, … (`--pairs`
 * pairs, default 3) with this build's harness and BENCH_SERVER_DIST pointing at each build, so
 * that both meet the same (shared, noisy) machine at nearly the same time. Prints every run and,
 * per build, the median and the range of entries/s, p99 and the server's CPU seconds per 1,000
 * entries — the figure least disturbed by other load on the machine. The environment is passed
 * on (DATABASE_URL, BENCH_ONLY, BENCH_SECONDS, …); BENCH_RUNS is forced to 1 per invocation.
 *
 *   node dist/bench/ab-bench.js --a /tmp/main/dist --b dist [--pairs 3] [--script http-bench.js]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string' }, pairs: { type: 'string', default: '3' }, script: { type: 'string', default: 'http-bench.js' } },
});
if (!values.a || !values.b) throw new Error('usage: ab-bench --a DIST_A --b DIST_B [--pairs N]');

interface Figures {
  rate: number;
  p99: number;
  serverCpu: number;
  /** The server's JavaScript thread alone (its write limit); NaN from a harness that does not print it. */
  serverMainCpu: number;
  postgresCpu: number;
  /** Cores' worth of time the host took from this machine during the run (NaN from an older harness). */
  stolen: number;
  /** Share of the run the server's JavaScript thread was paused for GC, in % (NaN from an older harness). */
  gcShare: number;
}

/** Every "label run 1: …" of one harness invocation, with the CPU line that follows it. */
function parse(output: string): Map<string, Figures> {
  const rows = new Map<string, Figures>();
  const lines = output.split('\n');
  lines.forEach((line, i) => {
    const m = /^(.+) run \d+: (\d+)\/s, p50 [\d.]+ ms, p95 [\d.]+ ms, p99 ([\d.]+) ms/.exec(line);
    if (!m) return;
    // The figures of a run are on its own line (steal, in bench:v2) or the three below it.
    const near = (pattern: RegExp): RegExpExecArray | undefined => lines.slice(i, i + 4).map((l) => pattern.exec(l)).find((x) => x !== null) ?? undefined;
    const cpu = near(/server ([\d.]+), postgres backends ([\d.]+)/);
    const main = near(/server main thread ([\d.]+)/);
    const stolen = near(/\(([\d.]+) stolen by the host\)/);
    const gc = near(/GC paused the server [\d.]+ s \(([\d.]+) %/);
    rows.set(m[1] as string, {
      rate: Number(m[2]),
      p99: Number(m[3]),
      serverCpu: Number(cpu?.[1] ?? NaN),
      serverMainCpu: Number(main?.[1] ?? NaN),
      postgresCpu: Number(cpu?.[2] ?? NaN),
      stolen: Number(stolen?.[1] ?? NaN),
      gcShare: Number(gc?.[1] ?? NaN),
    });
  });
  return rows;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const results: Record<'A' | 'B', Map<string, Figures>[]> = { A: [], B: [] };
const harness = join(import.meta.dirname, values.script);
for (let pair = 1; pair <= Number(values.pairs); pair++) {
  for (const [name, dist] of [['A', values.a], ['B', values.b]] as const) {
    const out = execFileSync(process.execPath, [harness], { env: { ...process.env, BENCH_RUNS: '1', BENCH_SERVER_DIST: dist }, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
    const rows = parse(out);
    results[name].push(rows);
    for (const [label, f] of rows) {
      console.log(`pair ${pair} ${name} ${label}: ${f.rate}/s, p99 ${f.p99} ms, server ${f.serverCpu} s/1k (main thread ${f.serverMainCpu}), postgres ${f.postgresCpu} s/1k, GC ${f.gcShare} %; ${f.stolen} cores stolen by the host; load ${loadavg()[0]?.toFixed(2)}`);
    }
  }
}

console.log(`\n| row | build | entries/s median (range) | p99 ms median (range) | server CPU s/1k median (range) | server main thread s/1k median (range) | postgres CPU s/1k median | GC % median (range) |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const label of results.A[0]?.keys() ?? []) {
  for (const name of ['A', 'B'] as const) {
    const of = (pick: (f: Figures) => number): number[] => results[name].map((r) => r.get(label)).filter((f) => f !== undefined).map(pick);
    const cell = (xs: number[], d: number): string => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
    console.log(`| ${label} | ${name} | ${cell(of((f) => f.rate), 0)} | ${cell(of((f) => f.p99), 1)} | ${cell(of((f) => f.serverCpu), 3)} | ${cell(of((f) => f.serverMainCpu), 3)} | ${median(of((f) => f.postgresCpu)).toFixed(3)} | ${cell(of((f) => f.gcShare), 1)} |`);
  }
}
