/**
 * A live Sealhouse server for HTTP and real-client tests, on a fresh store: a new schema on
 * the Postgres server named by DATABASE_URL, or an embedded PGlite in a temporary directory.
 * It listens on an ephemeral port of 127.0.0.1, which is also its public host name (so a
 * trusted root with baseUrl http://127.0.0.1:<port> matches its checkpoints).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly running: RunningServer;
  readonly dataDir: string;
  /** The environment the server was configured from: a CLI given it sees the same store and keys. */
  readonly env: Record<string, string>;
  /** Stop serving but keep the store and data directory (for CLI commands on the same instance). */
  stop(): Promise<void>;
  /** Stop (if still running) and delete the store and data directory. */
  close(): Promise<void>;
}

/** `logger` replaces the silent one (a test that asserts on the server's log lines). */
export async function startTestServer(env: Record<string, string> = {}, logger?: Logger): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-server-'));
  const databaseUrl = process.env.DATABASE_URL;
  let schema: string | undefined;
  if (databaseUrl) {
    schema = `test_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
  }
  const serverEnv: Record<string, string> = {
    PORT: '0',
    SEALHOUSE_DATA_DIR: dataDir,
    SEALHOUSE_URL: 'http://127.0.0.1',
    SEALHOUSE_BATCH_MS: '2',
    LOG_LEVEL: 'silent',
    ...(databaseUrl && schema ? { DATABASE_URL: databaseUrl, SEALHOUSE_DB_SCHEMA: schema } : {}),
    ...env,
  };
  const config = loadConfig(serverEnv);
  const running = await startServer(config, logger ?? pino({ level: process.env.TEST_SERVER_LOG ?? 'silent' }));
  return {
    url: running.address,
    running,
    dataDir,
    env: serverEnv,
    stop: () => running.close(),
    async close() {
      await running.close();
      if (databaseUrl && schema) {
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
