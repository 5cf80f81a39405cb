/**
 * The composition root: config → storage → migrations → services (Rekor log, CA with its CT log)
 * → HTTP → listen, and a graceful shutdown that stops taking new entries and certificate
 * requests, commits (or refuses) everything queued, then closes connections and the database.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { SealhouseError } from './errors.js';
import { checkKeyFileMode } from './private-files.js';
import { nativeVerifierStatus } from './entries/index.js';
import { loadCaKeys, openCa, trustDocumentsFor, type CaRuntime, type TrustDocuments } from './ca/ca-runtime.js';
import { configurationJson } from './oidc/configuration.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/http-server.js';
import { createCtRouter } from './ct/ct-router.js';
import { createDevOidcRouter } from './http/dev-oidc-router.js';
import { createFulcioRouter } from './http/fulcio-api.js';
import { createTrustRouter } from './http/trust-router.js';
import { Metrics } from './http/metrics.js';
import { createRekorApi } from './http/rekor-api.js';
import { createUiRouter } from './http/ui-router.js';
import { loadOrCreateLogKey } from './log/log-key.js';
import { LogService, REKOR_TREE } from './log/log-service.js';
import { migrate } from './storage/migrate.js';
import { describeStore, openSql } from './storage/open-sql.js';
import { TreeStore } from './storage/tree-store.js';

export interface RunningServer {
  readonly server: Server;
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  readonly log: LogService;
  readonly ca: CaRuntime;
  readonly logger: Logger;
  close(): Promise<void>;
}

const PID_FILE = 'sealhouse.pid';

/** The live process (other than this one) that has the embedded PGlite database open, if any. */
export function embeddedStoreHolder(config: Config): number | undefined {
  if (config.databaseUrl) return undefined;
  let pid: number;
  try {
    pid = Number(readFileSync(join(config.dataDir, PID_FILE), 'utf8').trim());
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

/**
 * PGlite is single-process and takes no lock of its own: a second process (a CLI command while
 * the server runs) would open the same files and could corrupt them. Record the server's pid in
 * the data directory and refuse to open the store while another live process holds it.
 */
export function claimEmbeddedStore(config: Config): () => void {
  if (config.databaseUrl) return () => undefined;
  const holder = embeddedStoreHolder(config);
  if (holder !== undefined) {
    throw new SealhouseError(
      'unavailable',
      `Sealhouse process ${holder} has the embedded database in ${config.dataDir} open (PGlite is single-process); ` +
        `stop it first, fetch what you need from its HTTP API, or use Postgres (DATABASE_URL). A stale ${PID_FILE} can be deleted.`,
    );
  }
  // Created private; an existing directory is checked (and tightened, with a warning) by openSql.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, PID_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

/**
 * The trust documents exactly as a server with this config serves them, without starting it:
 * the same keys (files or data directory), CA chain and trees (created if this is the first
 * start, bound to their keys as the server would).
 */
export async function loadTrustDocuments(config: Config): Promise<TrustDocuments> {
  const releaseStore = claimEmbeddedStore(config);
  const sql = await openSql(config);
  try {
    await migrate(sql);
    const rekorKey = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir }).publicKey.export({ type: 'spki', format: 'der' });
    const rekorTree = await TreeStore.open(sql, REKOR_TREE);
    await rekorTree.bindPublicKey(rekorKey);
    return await trustDocumentsFor(sql, config, await loadCaKeys(config), { publicKey: rekorKey, treeId: rekorTree.treeId });
  } finally {
    await sql.close();
    releaseStore();
  }
}

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Key files named in the configuration, checked before anything is opened (generated ones are checked as they load). */
function checkConfiguredKeyFiles(config: Config): void {
  if (config.logKeyPath) checkKeyFileMode(config.logKeyPath, 'the log key');
  if (config.caKeyPath) checkKeyFileMode(config.caKeyPath, 'the CA private key');
  if (config.ctKeyPath) checkKeyFileMode(config.ctKeyPath, 'the CT log key');
}

/** A listen failure in the operator's words: which port, and what to do about it. */
function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') {
    return new SealhouseError('invalid_input', `port ${port} is in use — set PORT to another port or stop the other process`, { cause: err });
  }
  if (err.code === 'EACCES') {
    return new SealhouseError('invalid_input', `port ${port} needs privileges this user lacks — set PORT to a port above 1023`, { cause: err });
  }
  return err;
}

export async function startServer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  checkConfiguredKeyFiles(config);
  const releaseStore = claimEmbeddedStore(config);
  try {
    return await serve(config, logger, releaseStore);
  } catch (err) {
    releaseStore();
    throw err;
  }
}

async function serve(config: Config, logger: Logger, releaseStore: () => void): Promise<RunningServer> {
  const sql = await openSql(config, (path, entries) =>
    logger.warn({ path, entries }, 'took group and other permissions off files only Sealhouse may read (now 0700 directories, 0600 files)'),
  );
  await migrate(sql);
  const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
  const metrics = new Metrics();
  const log = await LogService.open(sql, {
    key,
    host: config.publicUrl.hostname,
    maxBatch: config.batchSize,
    maxDelayMs: config.batchMs,
    maxQueue: config.maxQueue,
    maxQueuePerClient: config.maxQueuePerClient,
    ...(config.logAlgorithms ? { entryOptions: { allowedAlgorithms: config.logAlgorithms } } : {}),
    observer: {
      onBatch: (size, ms, failed) => {
        metrics.batchSize.observe(size);
        metrics.batchDuration.observe({ outcome: failed ? 'failed' : 'committed' }, ms / 1000);
      },
    },
  });
  metrics.sources.treeSize = async () => (await log.tree.head()).treeSize;
  metrics.sources.queueDepth = () => log.queueDepth;

  const ca = await openCa(sql, config, { publicKey: log.signer.spki, treeId: log.treeId }, {
    maxBatch: config.batchSize,
    maxDelayMs: config.batchMs,
    maxQueue: config.maxQueue,
    onIssued: () => metrics.certificatesIssued.inc(),
    onTokenRefused: (reason) => metrics.oidcFailures.inc({ reason }),
  });
  const devIssuer = ca.keys.devIssuer;
  if (devIssuer) {
    logger.warn(
      { issuer: devIssuer.issuerUrl },
      'SEALHOUSE_DEV_OIDC=1: THE DEVELOPMENT OIDC ISSUER IS ON. Anyone who can run `sealhouse dev-token` with this data directory ' +
        'gets a certificate for ANY e-mail address. Never enable it outside a development machine.',
    );
  }

  let draining = false;
  const rekor = await createRekorApi({ log, draining: () => draining, onAppended: () => metrics.entriesAppended.inc() });
  const configuration = configurationJson(ca.issuers);
  const app = createApp({
    rekor,
    metrics,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    ready: async () => !draining && (await sql.query('SELECT 1 AS ok')).length === 1,
    routers: [
      createUiRouter(),
      await createFulcioRouter({ ca: ca.service, configuration: () => configuration, draining: () => draining, logger }),
      createCtRouter({ ct: ca.ct, prefix: config.ctPrefix, draining: () => draining, logger }),
      createTrustRouter(ca.documents),
      ...(devIssuer ? [createDevOidcRouter(devIssuer)] : []),
    ],
  });

  const server = createHttpServer(app, config.http, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, config.port)));
    server.listen(config.port, () => {
      server.off('error', reject);
      // After start, an accept failure (EMFILE: out of file descriptors) must not kill the process.
      server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
      resolve();
    });
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
      ca: config.caChainPath ?? `${config.dataDir}/ca`,
      ctLogId: ca.ct.signer.logId.toString('base64'),
      ctKey: ca.keys.ctKey.source,
      oidcIssuers: configuration.issuers.length,
      nativeVerifier: native.loaded ? 'loaded' : `fallback (${native.detail})`,
      http: config.http,
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
      await Promise.all([log.close(), ca.close()]);
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      await sql.close();
      releaseStore();
      logger.info('shut down cleanly');
    })());

  return { server, address: `http://127.0.0.1:${port}`, log, ca, logger, close };
}
