/**
 * Where one request's time goes, for benchmarks that chase a latency tail (bench/scale-bench.ts):
 * each SQL round trip (by table), the proof's own CPU, and the GC pauses that overlapped it.
 * A total alone cannot say whether a slow request waited on Postgres, on our hashing or on the
 * collector — and on a shared machine the totals are mostly scheduling noise — so the report
 * compares the slowest 1 % with the median request part by part.
 */
import { PerformanceObserver, monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Row, Sql, SqlTx } from '../src/storage/sql.js';
import { fmt, summarize } from './bench-util.js';

/** One request's parts, in ms. entrySql and proof ran concurrently; tileSql is inside proof. */
export interface RequestParts {
  total: number;
  /** The entry row's round trip (query + result parsing in the client). */
  entrySql: number;
  /** The tile query's round trip, 0 when every tile came from the cache. */
  tileSql: number;
  /** proveInclusion from call to resolve (includes tileSql). */
  proof: number;
  /** GC pause time overlapping the request. */
  gc: number;
}

export const PART_NAMES = ['total', 'entrySql', 'tileSql', 'proof', 'proofCpu', 'gc'] as const;
type PartName = (typeof PART_NAMES)[number];

function part(r: RequestParts, name: PartName): number {
  return name === 'proofCpu' ? r.proof - r.tileSql : r[name];
}

/** Times every query through it, summed per request into `current` (requests are sequential). */
export class TimedSql implements Sql {
  readonly kind: Sql['kind'];
  current: RequestParts | undefined;

  constructor(private readonly inner: Sql) {
    this.kind = inner.kind;
  }

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    const t = performance.now();
    const rows = await this.inner.query<T>(text, params);
    const ms = performance.now() - t;
    if (this.current) {
      if (/\bFROM tiles\b/.test(text)) this.current.tileSql += ms;
      else if (/\bFROM rekor_entries\b/.test(text)) this.current.entrySql += ms;
    }
    return rows;
  }

  tx<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.inner.tx(fn);
  }

  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** GC pauses (start, duration) on performance.now()'s clock, and the event loop's delay. */
export class PauseRecorder {
  readonly gcs: { start: number; duration: number; kind: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcs.push({ start: e.startTime, duration: e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) });
  });
  readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
    this.loop.enable();
  }

  stop(): void {
    this.observer.disconnect();
    this.loop.disable();
  }

  /** Total GC pause inside [from, to). */
  overlap(from: number, to: number): number {
    let ms = 0;
    for (const g of this.gcs) ms += Math.max(0, Math.min(to, g.start + g.duration) - Math.max(from, g.start));
    return ms;
  }
}

/** The GC kinds perf_hooks reports (constants.NODE_PERFORMANCE_GC_*). */
const GC_KIND: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };

export function describeGcs(gcs: readonly { duration: number; kind: number }[]): string {
  const byKind = new Map<string, number[]>();
  for (const g of gcs) {
    const k = GC_KIND[g.kind] ?? String(g.kind);
    byKind.set(k, [...(byKind.get(k) ?? []), g.duration]);
  }
  return [...byKind].map(([k, ds]) => `${k} ×${ds.length} (max ${fmt(Math.max(...ds))} ms, total ${fmt(ds.reduce((a, b) => a + b, 0))})`).join(', ') || 'none';
}

const medianOf = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor(s.length / 2)] as number);
};

/**
 * One line per part: its median over all requests, its p99, and its median over the slowest
 * 1 % of requests (by total) — a part that is small at the median but large in the slow
 * requests is the tail.
 */
export function tailReport(label: string, parts: readonly RequestParts[]): string[] {
  const p99 = summarize(parts.map((r) => r.total)).p99;
  const slow = parts.filter((r) => r.total >= p99);
  const lines = [`${label}: ${parts.length} requests, ${slow.length} at or above p99 ${fmt(p99)} ms; ${slow.filter((r) => r.gc > 0).length} of those overlapped a GC, ${slow.filter((r) => r.tileSql > 0).length} read tiles from the database`];
  for (const name of PART_NAMES) {
    const all = parts.map((r) => part(r, name));
    lines.push(`  ${name.padEnd(9)} median ${fmt(medianOf(all)).padStart(6)}  p99 ${fmt(summarize(all).p99).padStart(6)}  median of slowest 1% ${fmt(medianOf(slow.map((r) => part(r, name)))).padStart(6)} ms`);
  }
  return lines;
}
