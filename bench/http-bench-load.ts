/**
 * One timed autocannon run for bench/http-bench.ts, with the latency of every response kept
 * (autocannon's own histogram has no p95) and a per-response hook for checking bodies.
 * autocannon ships no type declarations; the small part used here is typed below.
 * https://github.com/mcollina/autocannon#api
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { summarize } from './bench-util.js';

interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: CannonRequest, context: object) => CannonRequest | undefined;
  onResponse?: (status: number, body: string, context: object, headers: Record<string, string>) => void;
}

interface CannonOptions {
  url: string;
  connections: number;
  duration?: number;
  overallRate?: number;
  timeout?: number;
  requests: CannonRequest[];
}

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (options: CannonOptions, done: (err: Error | null, result: CannonResult) => void) => EventEmitter;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface RunOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Total requests per second across all connections (fixed-rate run); unlimited if unset. */
  readonly rate?: number;
  readonly request: CannonRequest;
}

export interface RunResult {
  readonly seconds: number;
  readonly ok: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** Non-2xx responses by status, connection errors and timeouts. */
  readonly failures: { readonly non2xx: Record<string, number>; readonly errors: number; readonly timeouts: number };
  /** Where in the run the slowest requests fell (open loop only): a p99 made of a few stalls reads differently from a spread. */
  readonly tail?: string;
}

export function runLoad(options: RunOptions): Promise<RunResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        timeout: 30,
        requests: [options.request],
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      },
      (err, result) => {
        if (err) return reject(err);
        const stats = summarize(latencies);
        const non2xx: Record<string, number> = {};
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
          if (!status.startsWith('2')) non2xx[status] = count;
        }
        resolve({
          seconds: result.duration,
          ok: result['2xx'],
          perSecond: result['2xx'] / result.duration,
          p50: stats.p50,
          p95: stats.p95,
          p99: stats.p99,
          max: stats.max,
          failures: { non2xx, errors: result.errors, timeouts: result.timeouts },
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => void latencies.push(ms));
  });
}

export function failureCount(r: RunResult): number {
  return Object.values(r.failures.non2xx).reduce((a, b) => a + b, 0) + r.failures.errors + r.failures.timeouts;
}

/** "0", or "3 (503 ×2, connection errors 1)": a failure in a benchmark is a finding, so it is named. */
export function describeFailures(r: RunResult): string {
  const total = failureCount(r);
  if (total === 0) return '0';
  const parts = Object.entries(r.failures.non2xx).map(([status, n]) => `${status} ×${n}`);
  if (r.failures.errors > 0) parts.push(`connection errors ${r.failures.errors}`);
  if (r.failures.timeouts > 0) parts.push(`timeouts ${r.failures.timeouts}`);
  return `${total} (${parts.join(', ')})`;
}
