/**
 * The embedded database's process lock. PGlite is single-process and takes no lock of its own:
 * a second process (a CLI command while the server runs) would open the same files and could
 * corrupt them. The holder records its pid in the data directory; anyone else refuses to open
 * the store while that process lives. Postgres (DATABASE_URL) needs none of this.
 *
 * A holder killed with SIGKILL leaves its pid file behind, and the next start must not be held
 * up by it: where /proc exists (Linux) the file also records the holder's start time, so a pid
 * the system has since given to another process, or a dead holder not yet reaped (a zombie), is
 * recognised as gone rather than refused as a live holder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealhouseError } from '../errors.js';

/** The two settings that decide where the embedded store is (a subset of Config). */
export interface StoreLocation {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
}

const PID_FILE = 'sealhouse.pid';

interface ProcStat {
  /** Clock ticks after boot at which the process started (proc(5), field 22). */
  readonly startTime: string;
  readonly zombie: boolean;
}

/** What /proc says of `pid`, or undefined where there is no such process (or no /proc). */
function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { startTime: fields[19] ?? '', zombie: fields[0] === 'Z' || fields[0] === 'X' };
}

const hasProc = (): boolean => procStat(process.pid) !== undefined;

/** The live process (other than this one) that has the embedded PGlite database open, if any. */
export function embeddedStoreHolder(where: StoreLocation): number | undefined {
  if (where.databaseUrl) return undefined;
  let pid: number;
  let startTime: string | undefined;
  try {
    const [pidField, startField] = readFileSync(join(where.dataDir, PID_FILE), 'utf8').trim().split(/\s+/);
    pid = Number(pidField);
    startTime = startField;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  if (hasProc()) {
    const stat = procStat(pid);
    if (!stat || stat.zombie) return undefined;
    // A file from before start times were recorded (or from a system without /proc) names the pid only.
    return startTime === undefined || startTime === stat.startTime ? pid : undefined;
  }
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Take the lock (or refuse, naming the holder); returns the release function. */
export function claimEmbeddedStore(where: StoreLocation): () => void {
  if (where.databaseUrl) return () => undefined;
  const holder = embeddedStoreHolder(where);
  if (holder !== undefined) {
    throw new SealhouseError(
      'unavailable',
      `Sealhouse process ${holder} has the embedded database in ${where.dataDir} open (PGlite is single-process); ` +
        `stop it first, fetch what you need from its HTTP API, or use Postgres (DATABASE_URL). A stale ${PID_FILE} can be deleted.`,
    );
  }
  // Created private; an existing directory is checked (and tightened, with a warning) by openSql.
  mkdirSync(where.dataDir, { recursive: true, mode: 0o700 });
  const file = join(where.dataDir, PID_FILE);
  const self = procStat(process.pid);
  writeFileSync(file, self ? `${process.pid} ${self.startTime}\n` : `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
