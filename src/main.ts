/**
 * The composition root: config → storage → migrations → services → HTTP → listen, and a
 * graceful shutdown that stops taking new entries, commits (or refuses) everything queued,
 * then closes connections and the database.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { nativeVerifierStatus } from './entries/index.js';
import { createApp } from './http/app.js';
import { Metrics } from './http/metrics.js';
import { createRekorApi } from './http/rekor-api.js';
import { createUiRouter } from './http/ui-router.js';
import { loadOrCreateLogKey } from './log/log-key.js';
import { LogService } from './log/log-service.js';
import { migrate } from './storage/migrate.js';
import { describeStore, openSql } from './storage/open-sql.js';

export interface RunningServer {
  readonly server: Server;
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  readonly log: LogService;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const sql = await openSql(config);
  await migrate(sql);
  const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
  const metrics = new Metrics();
  const log = await LogService.open(sql, {
    key,
    host: config.publicUrl.hostname,
    maxBatch: config.batchSize,
    maxDelayMs: config.batchMs,
    maxQueue: config.maxQueue,
    observer: {
      onBatch: (size, ms, failed) => {
        metrics.batchSize.observe(size);
        metrics.batchDuration.observe({ outcome: failed ? 'failed' : 'committed' }, ms / 1000);
      },
    },
  });
  metrics.sources.treeSize = async () => (await log.tree.head()).treeSize;
  metrics.sources.queueDepth = () => log.queueDepth;

  let draining = false;
  const rekor = await createRekorApi({ log, draining: () => draining, onAppended: () => metrics.entriesAppended.inc() });
  const app = createApp({
    rekor,
    metrics,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    ready: async () => !draining && (await sql.query('SELECT 1 AS ok')).length === 1,
    routers: [createUiRouter()],
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const native = nativeVerifierStatus();
  logger.info(
    {
      port,
      publicUrl: config.publicUrl.href,
      store: describeStore(config),
      logKey: key.source,
      treeId: log.treeId,
      logId: log.signer.logIdHex,
      checkpointOrigin: log.signer.origin,
      nativeVerifier: native.loaded ? 'loaded' : `fallback (${native.detail})`,
    },
    'sealhouse is serving',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      draining = true;
      logger.info('shutting down: refusing new entries, committing the queue');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await log.close();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      await sql.close();
      logger.info('shut down cleanly');
    })());

  return { server, address: `http://127.0.0.1:${port}`, log, logger, close };
}
