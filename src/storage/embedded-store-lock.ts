/**
 * The embedded database's process lock. PGlite is single-process and takes no lock of its own:
 * a second process (a CLI command while the server runs) would open the same files and could
 * corrupt them. The holder records its pid in the data directory; anyone else refuses to open
 * the store while that process lives. Postgres (DATABASE_URL) needs none of this.
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

/** The live process (other than this one) that has the embedded PGlite database open, if any. */
export function embeddedStoreHolder(where: StoreLocation): number | undefined {
  if (where.databaseUrl) return undefined;
  let pid: number;
  try {
    pid = Number(readFileSync(join(where.dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
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
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
