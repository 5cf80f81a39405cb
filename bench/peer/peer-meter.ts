/**
 * What a system under test costs the machine, read from /proc and the file system so that Go,
 * Node, MariaDB, Redis and Postgres processes are all measured the same way: CPU seconds
 * (utime + stime of every thread, /proc/<pid>/stat fields 14 and 15, in clock ticks), memory
 * (proportional set size, so Postgres backends sharing one buffer pool are not counted once per
 * backend; for a process that shares nothing PSS equals RSS). A process that has exited reads as zero: the caller samples a set of pids before
 * and after a run and only a pid present at both ends contributes a difference.
 */
import { readFileSync } from 'node:fs';
import { processCpuSeconds } from '../process-cpu.js';

/** CPU seconds (user + system, all threads) used so far by `pid`; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  const seconds = processCpuSeconds(pid);
  return Number.isNaN(seconds) ? 0 : seconds;
}

/** Proportional set size in bytes (VmRSS where smaps_rollup is unreadable); 0 if it is gone. */
export function memoryBytes(pid: number): number {
  const kib = (file: string, key: string): number | undefined => {
    try {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  return kib('smaps_rollup', 'Pss') ?? kib('status', 'VmRSS') ?? 0;
}


/** CPU seconds per pid, for a difference across a run. */
export type CpuSnapshot = ReadonlyMap<number, number>;

export const snapshotCpu = (pids: readonly number[]): CpuSnapshot => new Map(pids.map((p) => [p, cpuSeconds(p)]));

/**
 * CPU seconds used between two snapshots: pids at both ends by their difference, pids that
 * appeared during the run (a new database connection) by all they used.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, end] of after) total += Math.max(0, end - (before.get(pid) ?? 0));
  return total;
}

export const totalMemory = (pids: readonly number[]): number => pids.reduce((sum, p) => sum + memoryBytes(p), 0);
