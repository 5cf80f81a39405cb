/**
 * The summary table of bench/http-bench.ts: per row, the median of its runs (by rate; latency
 * percentiles are medians of the runs' percentiles) and the total of failures across runs.
 */
import { fmt } from './bench-util.js';
import { failureCount, type RunResult } from './http-bench-load.js';

export interface Row {
  readonly label: string;
  readonly results: readonly RunResult[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const pad = (s: string, n: number): string => s.padStart(n);

export function printTable(rows: readonly Row[], treeSize: number): void {
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`\n${'load'.padEnd(width)} | ${pad('req/s', 7)} | ${pad('p50 ms', 7)} | ${pad('p95 ms', 7)} | ${pad('p99 ms', 7)} | ${pad('max ms', 7)} | failures`);
  console.log(`${'-'.repeat(width)}-|-${'-'.repeat(7)}-|-${'-'.repeat(7)}-|-${'-'.repeat(7)}-|-${'-'.repeat(7)}-|-${'-'.repeat(7)}-|---------`);
  for (const row of rows) {
    const of = (pick: (r: RunResult) => number): number => median(row.results.map(pick));
    const failures = row.results.reduce((n, r) => n + failureCount(r), 0);
    const details = row.results.flatMap((r) => Object.entries(r.failures.non2xx).map(([s, n]) => `${n}×${s}`));
    console.log(
      `${row.label.padEnd(width)} | ${pad(fmt(of((r) => r.perSecond), 0), 7)} | ${pad(fmt(of((r) => r.p50), 1), 7)} | ${pad(fmt(of((r) => r.p95), 1), 7)} | ` +
        `${pad(fmt(of((r) => r.p99), 1), 7)} | ${pad(fmt(Math.max(...row.results.map((r) => r.max)), 0), 7)} | ${failures}${details.length ? ` (${details.join(', ')})` : ''}`,
    );
  }
  console.log(`\ntree size at the end of the write runs: ${treeSize}`);
}
