/**
 * An open-loop fixed-rate run for bench/http-bench.ts and bench/rekor-v2-bench.ts: request i is
 * due at start + i/rate whether or not earlier ones were answered, and its latency is measured
 * from that scheduled time, not from when a socket was free to send it. A closed loop
 * (autocannon's overallRate) stops sending while the server stalls, so its percentiles hide the
 * stall ("coordinated omission"); here a stall shows up in every request that was due during it.
 *
 * Requests go over keep-alive sockets (at most `connections`); a request due while all are busy
 * waits in the agent's queue, and that wait counts.
 */
import { Agent, request as httpRequest } from 'node:http';
import { summarize } from './bench-util.js';
import type { RunResult } from './http-bench-load.js';

export interface OpenLoopOptions {
  readonly url: string;
  readonly rate: number;
  readonly seconds: number;
  /** Most sockets open at once (default 256). */
  readonly connections?: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body: () => Buffer;
  readonly onResponse?: (status: number, body: string) => void;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<RunResult> {
  const { hostname, port } = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections ?? 256 });
  const total = Math.round(o.rate * o.seconds);
  const latencies: number[] = [];
  const dues: number[] = [];
  const non2xx: Record<string, number> = {};
  let errors = 0;
  let ok = 0;
  let sent = 0;
  let answered = 0;
  const start = performance.now();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const send = (due: number): void => {
    const body = o.body();
    const req = httpRequest(
      { host: hostname, port, method: o.method, path: o.path, agent, headers: { ...o.headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          latencies.push(performance.now() - due);
          dues.push(due - start); // when it was due, from the start of the run
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) ok++;
          else non2xx[String(status)] = (non2xx[String(status)] ?? 0) + 1;
          o.onResponse?.(status, Buffer.concat(chunks).toString());
          if (++answered === total) finish();
        });
      },
    );
    req.on('error', () => {
      errors++;
      if (++answered === total) finish();
    });
    req.end(body);
  };

  // A 1 ms tick sends every request that has come due; late ticks catch up in a burst, and the
  // latency of each still starts at its own due time.
  const tick = setInterval(() => {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / o.rate <= now) send(start + (sent++ * 1000) / o.rate);
    if (sent === total) clearInterval(tick);
  }, 1);
  await finished;
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const stats = summarize(latencies);
  return {
    seconds: elapsed,
    ok,
    perSecond: ok / elapsed,
    p50: stats.p50,
    p95: stats.p95,
    p99: stats.p99,
    max: stats.max,
    failures: { non2xx, errors, timeouts: 0 },
    tail: describeTail(latencies, dues, stats.p99),
  };
}

/** The 100 ms windows of due time that held most of the slowest 1 %. */
const WINDOW_MS = 100;

/**
 * "slowest 1 %: 71 of 100 due in 3 windows of 100 ms (at 0.6, 3.6, 6.5 s)". Each window with at
 * least a tenth of them is named. A few windows mean stalls (a full collection, the host taking
 * the CPU); none means the tail is spread over the run.
 */
export function describeTail(latencies: readonly number[], dues: readonly number[], p99: number): string {
  const perWindow = new Map<number, number>();
  let slow = 0;
  latencies.forEach((latency, i) => {
    if (latency < p99) return;
    slow++;
    const w = Math.floor((dues[i] as number) / WINDOW_MS);
    perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
  });
  const busy = [...perWindow].filter(([, n]) => n * 10 >= slow).sort((a, b) => a[0] - b[0]);
  const inBusy = busy.reduce((sum, [, n]) => sum + n, 0);
  const at = busy.map(([w]) => ((w * WINDOW_MS) / 1000).toFixed(1)).join(', ');
  return busy.length === 0
    ? `slowest 1 %: ${slow} requests, spread over the run`
    : `slowest 1 %: ${inBusy} of ${slow} due in ${busy.length} windows of ${WINDOW_MS} ms (at ${at} s)`;
}
