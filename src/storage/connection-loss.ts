/**
 * Telling a lost database from a failed statement, without loading the Postgres driver: the pool
 * (pg-sql.ts) retries and answers 503 on one, and the CLI (report-failure.ts) says "cannot reach
 * PostgreSQL" for it at start-up.
 */
import { socketErrorMeaning } from '../socket-errors.js';

/**
 * SQLSTATE classes and codes that mean "the server or the connection went away", not "this
 * statement is wrong": 08 connection exception, 57P01–57P03 admin/crash shutdown and "cannot
 * connect now" (a restart or failover), 53300 too many connections.
 */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]|53300)/;
/** node-postgres' own messages for a dead client (socket errno codes come via socket-errors.ts). */
const DEAD_CLIENT = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed/i;

/** Did `err` come from losing the database (retry later), rather than from the statement? */
export function isConnectionLoss(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || socketErrorMeaning(code) !== undefined)) return true;
  return typeof message === 'string' && DEAD_CLIENT.test(message);
}

