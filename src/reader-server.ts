/**
 * A reader: a Sealhouse process that serves the Rekor v1 log's reads — entries with their
 * proofs, search, checkpoints and consistency proofs, the tlog-tiles view and the UI — from a
 * Postgres streaming replica (SEALHOUSE_READ_DATABASE_URL), so reads scale out with replicas
 * while the writers stay on the primary. It holds no keys and writes nothing: it opens the log
 * with LogService's read side (LogReader, the same code the writer reads with), never migrates
 * (it refuses a schema older than its code), and answers writes with 307 to SEALHOUSE_WRITE_URL
 * or 503 (http/reader-writes.ts). Every checkpoint it serves is one its replica has replayed,
 * with proofs computed from the replica's own tiles (log-service.ts says why that is consistent).
 * /readyz and /metrics report the replica's lag; past SEALHOUSE_READ_MAX_LAG_SECONDS the reader
 * is not ready, so a load balancer stops sending it traffic until it catches up.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { createHttpServer, listen } from './http/http-server.js';
import { Metrics } from './http/metrics.js';
import { createReaderWritesRouter } from './http/reader-writes.js';
import { createRekorApi } from './http/rekor-api.js';
import { createShardTilesRouter, createTilesRouter } from './http/tiles-router.js';
import { createUiRouter } from './http/ui-router.js';
import { LogReader } from './log/log-service.js';
import { PgSql } from './storage/pg-sql.js';
import { replicaStatus, requireCurrentSchema } from './storage/replica-status.js';

export interface RunningReader {
  readonly server: Server;
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  readonly log: LogReader;
  close(): Promise<void>;
}

export async function startReader(config: Config, logger: Logger): Promise<RunningReader> {
  if (!config.readDatabaseUrl) throw new Error('startReader needs SEALHOUSE_READ_DATABASE_URL');
  const sql = new PgSql({ connectionString: config.readDatabaseUrl, ...(config.databaseSchema ? { schema: config.databaseSchema } : {}) });
  try {
    return await serveReads(config, logger, sql);
  } catch (err) {
    await sql.close().catch(() => undefined);
    throw err;
  }
}

async function serveReads(config: Config, logger: Logger, sql: PgSql): Promise<RunningReader> {
  const schema = await requireCurrentSchema(sql);
  const first = await replicaStatus(sql);
  if (!first.replica) logger.warn('SEALHOUSE_READ_DATABASE_URL names a primary (pg_is_in_recovery() is false), not a replica: serving reads from it, with no lag');
  const log = await LogReader.openReadOnly(sql, config.logAlgorithms ? { allowedAlgorithms: config.logAlgorithms } : undefined);
  const metrics = new Metrics();
  metrics.sources.treeSize = async () => (await log.head()).treeSize;
  metrics.sources.replicaLag = async () => (await replicaStatus(sql)).lagSeconds;

  let draining = false;
  const maxLag = config.readMaxLagSeconds;
  const app = createApp({
    rekor: await createRekorApi({ log, draining: () => draining }),
    metrics,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    ready: async () => {
      const status = await replicaStatus(sql);
      const lagging = maxLag > 0 && (status.lagSeconds === undefined || status.lagSeconds > maxLag);
      return { ready: !draining && !lagging, role: 'reader', replicaLagSeconds: status.lagSeconds ?? null, replayPaused: status.replayPaused, ...(maxLag > 0 ? { maxLagSeconds: maxLag } : {}) };
    },
    // Before the body parser and every router: a write never gets further (reader-writes.ts).
    rawBodyRouters: [createReaderWritesRouter(config.writeUrl)],
    routers: [
      createUiRouter(),
      createTilesRouter({ prefix: '/tlog/v1', log: { tile: (path) => log.tile(path, 1), checkpoint: () => log.checkpointOf(1) } }),
      createShardTilesRouter('/tlog/v1', async (ordinal) => {
        if (!log.shardRecords.some((s) => s.ordinal === ordinal)) await log.refreshShards();
        return log.shardRecords.some((s) => s.ordinal === ordinal) ? { tile: (path) => log.tile(path, ordinal), checkpoint: () => log.checkpointOf(ordinal) } : undefined;
      }),
    ],
  });

  const server = createHttpServer(app, config.http, logger);
  await listen(server, config.port, logger);
  const port = (server.address() as AddressInfo).port;
  // A rotation recorded on the primary (`sealhouse rotate log`) reaches the reader's shard list
  // here, as the rotation watch does it for a writer; lookups past the end also look again.
  const following = setInterval(() => void log.refreshShards().catch((err: unknown) => logger.warn({ err }, 'could not read the log shards from the replica; trying again')), config.rotationPollMs);
  following.unref();
  logger.info(
    { port, role: 'reader', readDatabase: new URL(config.readDatabaseUrl as string).host, schema, treeId: log.treeId, replica: first.replica, writeUrl: config.writeUrl?.href ?? 'none (writes get 503)', maxLagSeconds: maxLag || 'none' },
    'sealhouse is serving reads',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      draining = true;
      clearInterval(following);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await sql.close();
      logger.info('shut down cleanly');
    })());
  return { server, address: `http://127.0.0.1:${port}`, log, close };
}
