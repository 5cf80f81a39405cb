/**
 * What a system under test costs the machine, read from /proc and the file system so that Go,
 * Node, MariaDB, Redis and Postgres processes are all measured the same way: CPU seconds
 * (utime + stime of every thread, /proc/<pid>/stat fields 14 and 15, in clock ticks), memory
 * (proportional set size, so Postgres backends sharing one buffer pool are not counted once per
 * backend; for a process that shares nothing PSS equals RSS) and the apparent size of data
 * directories. A process that has exited reads as zero: the caller samples a set of pids before
 * and after a run and only a pid present at both ends contributes a difference.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat on Linux (sysconf(_SC_CLK_TCK) is 100 everywhere it runs). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) used so far by `pid`; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
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
