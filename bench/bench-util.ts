/** Small helpers shared by the benchmarks: percentiles, formatting, a throwaway Postgres schema, directory sizes. */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(values: readonly number[]): { p50: number; p95: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

export const DEFAULT_BENCH_DATABASE = 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema on the benchmark database; `drop()` removes it. */
export async function benchSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  return {
    schema,
    async drop() {
      const d = new pg.Client({ connectionString: url });
      await d.connect();
      await d.query(`DROP SCHEMA ${schema} CASCADE`);
      await d.end();
    },
  };
}

export function memoryMiB(): string {
  const m = process.memoryUsage();
  return `rss ${fmt(m.rss / 2 ** 20, 0)} MiB, heap ${fmt(m.heapUsed / 2 ** 20, 0)} MiB`;
}

/** Sum of the apparent sizes of the regular files under `dir` (0 if it does not exist). */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(path);
    else if (e.isFile()) {
      try {
        total += statSync(path).size;
      } catch {
        // removed while walking (a temporary file): it holds nothing any more
      }
    }
  }
  return total;
}
