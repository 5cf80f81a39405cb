/**
 * CPU time by component for the benchmarks: the server process (all threads, and its main
 * thread alone), the Postgres backends serving it, and the load generator, read from /proc so that each is charged only for
 * its own work on a machine others share. The server's backends are found by the
 * application_name it connects with (PGAPPNAME, which node-postgres sends), so other databases'
 * backends on the same Postgres are not counted. Linux only; elsewhere the figures are NaN.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of one process in seconds (fields 14 and 15 of /proc/PID/stat), NaN if gone. */
export function processCpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * utime + stime of the process's main thread (its task whose id is the pid): the server's
 * JavaScript thread, which limits its write rate, apart from the pool and worker threads.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return processCpuSeconds(`${pid}/task/${pid}`);
}

/** CPU seconds so far of the Postgres backends whose application_name is `appName`. */
export async function backendCpuSeconds(databaseUrl: string, appName: string): Promise<{ seconds: number; backends: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
    const seconds = rows.map((r) => processCpuSeconds(r.pid)).filter((s) => !Number.isNaN(s));
    return { seconds: seconds.reduce((a, b) => a + b, 0), backends: seconds.length };
  } finally {
    await c.end();
  }
}

export interface ComponentCpu {
  readonly server: number;
  /** The server's main (JavaScript) thread alone. */
  readonly serverMain: number;
  readonly postgres: number;
  readonly loadGenerator: number;
}

/**
 * Sample before and after a run; `perThousand` turns the difference into CPU seconds per
 * 1,000 entries. Backends that connect or close during the run are counted only while they
 * exist (the server's pool keeps its connections, so this is rare after the warm-up).
 */
export async function sampleComponents(databaseUrl: string, appName: string, serverPid: number): Promise<ComponentCpu> {
  const { user, system } = process.cpuUsage();
  return {
    server: processCpuSeconds(serverPid),
    serverMain: mainThreadCpuSeconds(serverPid),
    postgres: (await backendCpuSeconds(databaseUrl, appName)).seconds,
    loadGenerator: (user + system) / 1e6,
  };
}

export function describePerThousand(a: ComponentCpu, b: ComponentCpu, entries: number): string {
  const per = (x: number, y: number): string => (((y - x) / entries) * 1000).toFixed(3);
  const total = (b.server - a.server + (b.postgres - a.postgres) + (b.loadGenerator - a.loadGenerator)) / entries;
  return (
    `CPU s per 1,000 entries: server ${per(a.server, b.server)}, postgres backends ${per(a.postgres, b.postgres)}, ` +
    `load generator ${per(a.loadGenerator, b.loadGenerator)}; all three ${(total * 1000).toFixed(3)} (2 cores would allow ${(2 / total).toFixed(0)}/s); server main thread ${per(a.serverMain, b.serverMain)}`
  );
}
