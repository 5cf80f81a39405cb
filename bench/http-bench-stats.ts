/**
 * What happened inside a bench/http-bench.ts run: where the CPU went — the server process (all
 * its threads), the load generator (this process) and the whole machine (/proc/stat, so Postgres
 * and anything else running, other engineers' tests included, show up as the remainder) — and
 * the sequencer's batches (mean size and commit time, from the server's /metrics).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServerMessage } from './http-bench-server.js';

export interface CpuSample {
  readonly at: number;
  readonly server: number;
  readonly self: number;
  /**
   * Busy, stolen and total jiffies of all cores, undefined where /proc/stat is unreadable. Steal
   * is time a virtual CPU was ready but the host ran something else: on a shared host it is the
   * noise no other figure shows (seen here: 3 % idle, 20-30 % on a busy day).
   */
  readonly machine?: { readonly busy: number; readonly steal: number; readonly total: number };
}

/** All cores' jiffies now, from /proc/stat (undefined where it cannot be read). */
export function machineJiffies(): CpuSample['machine'] {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busy: total - idle - iowait, steal, total };
  } catch {
    return undefined;
  }
}

export async function sampleCpu(server: ChildProcess, cores: number): Promise<CpuSample & { cores: number }> {
  const serverMicros = await new Promise<number>((resolve) => {
    const onMessage = (m: ServerMessage): void => {
      if (!('cpuMicros' in m)) return;
      server.off('message', onMessage);
      resolve(m.cpuMicros);
    };
    server.on('message', onMessage);
    server.send('cpu');
  });
  const { user, system } = process.cpuUsage();
  const m = machineJiffies();
  return { at: performance.now(), server: serverMicros, self: user + system, cores, ...(m ? { machine: m } : {}) };
}

/** Cores' worth of time the host stole between two machineJiffies() samples, as "0.12". */
export function stolenCores(a: CpuSample['machine'], b: CpuSample['machine'], cores: number): string {
  return a && b ? (((b.steal - a.steal) / (b.total - a.total)) * cores).toFixed(2) : 'NaN';
}

/** "server 0.81, load generator 0.38, machine 1.97 of 2 cores busy (0.12 stolen by the host)" between two samples. */
export function describeCpu(a: CpuSample & { cores: number }, b: CpuSample): string {
  const wallMicros = (b.at - a.at) * 1000;
  const cores = (micros: number): string => (micros / wallMicros).toFixed(2);
  const busy = a.machine && b.machine ? ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * a.cores : NaN;
  return `CPU: server ${cores(b.server - a.server)}, load generator ${cores(b.self - a.self)}, machine ${busy.toFixed(2)} of ${a.cores} cores busy (${stolenCores(a.machine, b.machine, a.cores)} stolen by the host)`;
}

export interface BatchStats {
  readonly count: number;
  readonly entries: number;
  readonly commitSeconds: number;
  /** Pauses of the server's JavaScript thread for garbage collection, all kinds (prom-client's default metrics). */
  readonly gcSeconds: number;
  /** Full (mark-compact) collections among them. */
  readonly majorGcs: number;
  /** When the sample was read (performance.now(), ms). */
  readonly at: number;
}

/** Cumulative batch counters from the Prometheus text of GET /metrics. */
export async function batchStats(url: string): Promise<BatchStats> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    count: value(/^sealhouse_log_batch_size_count (\S+)$/m),
    entries: value(/^sealhouse_log_batch_size_sum (\S+)$/m),
    commitSeconds: value(/^sealhouse_log_batch_commit_seconds_sum\{outcome="committed"\} (\S+)$/m),
    gcSeconds: [...text.matchAll(/^sealhouse_nodejs_gc_duration_seconds_sum\{kind="[a-z]+"\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0),
    majorGcs: value(/^sealhouse_nodejs_gc_duration_seconds_count\{kind="major"\} (\S+)$/m),
    at: performance.now(),
  };
}

/**
 * "GC paused the server 0.35 s (3.5 %, 4 full collections)" between two samples: a full
 * collection stops the JavaScript thread for 5–15 ms here, and the requests due meanwhile are
 * the ones that make up a fixed-rate run's p99 (see the open loop's tail line).
 */
export function describeGc(a: BatchStats, b: BatchStats): string {
  const paused = b.gcSeconds - a.gcSeconds;
  const share = (paused * 1000 * 100) / (b.at - a.at);
  return `GC paused the server ${paused.toFixed(2)} s (${share.toFixed(1)} %, ${b.majorGcs - a.majorGcs} full collections)`;
}

/** "batches: 412, 31.2 entries and 18.4 ms each" between two samples. */
export function describeBatches(a: BatchStats, b: BatchStats): string {
  const count = b.count - a.count;
  if (count === 0) return 'batches: none';
  return `batches: ${count}, ${((b.entries - a.entries) / count).toFixed(1)} entries and ${(((b.commitSeconds - a.commitSeconds) / count) * 1000).toFixed(1)} ms each`;
}
