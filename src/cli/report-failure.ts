/**
 * How a failed command tells the operator what went wrong: one line that says what is wrong and
 * what to do, exit code 1. Our own errors already read that way; the failures the operator causes
 * from outside (an unreachable or misnamed database, a data directory this user cannot write, a
 * missing file) arrive as library errors and are put into words here. The stack trace is printed
 * only with LOG_LEVEL=debug (or trace), for the errors that really are our bugs.
 */
import { SealhouseError } from '../errors.js';
import { fileErrorOf } from '../file-errors.js';
import { socketErrorMeaning } from '../socket-errors.js';
import { isConnectionLoss } from '../storage/connection-loss.js';

/** Postgres SQLSTATEs an operator causes at start-up, and what to do about each. */
const POSTGRES_ADVICE: Readonly<Record<string, string>> = {
  '3D000': 'create it (createdb) or fix the database name in DATABASE_URL',
  '28P01': 'check the user and password in DATABASE_URL',
  '28000': 'check the user in DATABASE_URL and pg_hba.conf',
  '42501': 'grant the database user CREATE on the database (or schema) Sealhouse migrates',
  '3F000': 'create the schema or fix SEALHOUSE_DB_SCHEMA',
};

const VERBS: Readonly<Record<string, string>> = { mkdir: 'create', open: 'open', write: 'write to', rename: 'rename', chmod: 'change the mode of', unlink: 'remove' };

/** The lost-connection cause inside our 503 wrapper, or the error itself. */
function rootCause(err: unknown): unknown {
  return err instanceof SealhouseError && err.code === 'unavailable' && err.cause !== undefined ? err.cause : err;
}

/** The one line for `err`, or undefined when it is not a failure an operator can fix. */
export function describeFailure(err: unknown): string | undefined {
  const cause = rootCause(err);
  if (isConnectionLoss(cause)) {
    const meaning = socketErrorMeaning((cause as { code?: unknown }).code) ?? (cause as Error).message;
    return `cannot reach PostgreSQL (${meaning}) — check DATABASE_URL and that the database server is running and accepts connections`;
  }
  const sqlState = (cause as { code?: unknown } | null)?.code;
  if (typeof sqlState === 'string' && POSTGRES_ADVICE[sqlState] && cause instanceof Error) {
    return `PostgreSQL refused: ${cause.message} — ${POSTGRES_ADVICE[sqlState]}`;
  }
  const file = fileErrorOf(cause);
  if (file) {
    const verb = VERBS[file.syscall ?? ''] ?? 'use';
    return `cannot ${verb} ${file.path} (${file.meaning}) — check the path and that this user may write there (the data directory is SEALHOUSE_DATA_DIR, or serve --data-dir)`;
  }
  if (err instanceof SealhouseError) return err.message;
  return undefined;
}

/** Prints the failure and returns the exit code. `debug`: also print the stack trace. */
export function reportFailure(err: unknown, debug = false): number {
  const line = describeFailure(err);
  if (line !== undefined) console.error(`sealhouse: ${line}`);
  else console.error(`sealhouse: ${err instanceof Error ? err.message : String(err)} (this looks like a bug in Sealhouse; LOG_LEVEL=debug prints the stack trace)`);
  if (debug) console.error(err);
  return 1;
}
