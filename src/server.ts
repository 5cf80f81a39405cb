/**
 * The composition root: config → storage → migrations → services (the Rekor log; the CA with
 * its CT log, OIDC issuers and crypto workers; the trust documents) → HTTP → listen, and a
 * graceful shutdown that stops taking new entries and certificate requests, commits (or
 * refuses) everything queued, then closes connections and the database. The CLI loads keys,
 * trees and trust documents through the same functions here, so `sealhouse trust-root` prints
 * exactly what the server serves.
 */
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { SealhouseError } from './errors.js';
import { type EcKey, findKeyFor, loadOrCreateEcKey, rotatingKeyFiles } from './key-file.js';
import { checkKeyFileMode } from './private-files.js';
import { nativeVerifierStatus } from './entries/index.js';
import { type CaMaterial, loadCaDirectory, loadCaFiles, loadOrCreateCa } from './ca/ca-keys.js';
import { CaService } from './ca/ca-service.js';
import { CryptoWorkers } from './ca/crypto-workers.js';
import { CT_TREE, CtLog } from './ct/ct-log.js';
import { CT_KEY_FILE, ctKeyFiles, findCtKey } from './ct/ct-key-files.js';
import { type FulcioConfig, loadFulcioConfig } from './oidc/config.js';
import { configurationJson, EMPTY_FULCIO_CONFIG, withIssuer } from './oidc/configuration.js';
import { DevOidcIssuer } from './oidc/dev-oidc.js';
import { httpGet } from './oidc/http-get.js';
import { FulcioOidcVerifier } from './oidc/verifier.js';
import { baseUrlOf, trustDocumentsOf, type LogTrust, type TrustDocuments } from './trust/trust-documents.js';
import { type AuthorityEpoch, type AuthorityWording, authorityEpochs, bindAuthority } from './storage/authority-epochs.js';
import { activeShardOf, openLogShards } from './storage/log-shards.js';
import { rekorV2ShardAddress, shardPath } from './core/shard-paths.js';
import { AuthorityFollower } from './storage/authority-follower.js';
import { createApp } from './http/app.js';
import { listen } from './http/http-server.js';
import { startingServer } from './http/starting-server.js';
import { createCtRouter } from './http/ct-router.js';
import { createDevOidcRouter } from './http/dev-oidc-router.js';
import { createFulcioRouter } from './http/fulcio-api.js';
import { createShardTilesRouter, createTilesRouter } from './http/tiles-router.js';
import { createShardHostRouter } from './http/shard-hosts.js';
import { createTrustRouter, trustTargets } from './http/trust-router.js';
import { createTsaRouter, TIMESTAMP_PATH } from './http/tsa-router.js';
import { TufRefresher } from './tuf/refresher.js';
import { createTufRouter } from './http/tuf-router.js';
import { TimestampSigner } from './tsa/timestamp-signer.js';
import { loadOrCreateTsa, loadTsaDirectory, loadTsaFiles, type TsaMaterial } from './tsa/tsa-keys.js';
import { Metrics } from './http/metrics.js';
import { createRekorApi } from './http/rekor-api.js';
import { createRekorV2Router } from './http/rekor-v2-api.js';
import { REKOR_V2_TREE, RekorV2Log, type RekorV2Shard } from './rekor-v2/rekor-v2-log.js';
import { REKOR_V2_KEY_FILE, rekorV2KeySource } from './rekor-v2/rekor-v2-keys.js';
import { WitnessService } from './witness/witness-service.js';
import { createUiRouter } from './http/ui-router.js';
import { GENERATED_LOG_KEY_FILE, LOG_KEY_USE, loadOrCreateLogKey } from './log/log-key.js';
import { LogService, REKOR_TREE } from './log/log-service.js';
import { claimEmbeddedStore } from './storage/embedded-store-lock.js';
import type { GroupCommitOptions } from './storage/group-commit.js';
import { migrate } from './storage/migrate.js';
import { describeStore, openSql } from './storage/open-sql.js';
import type { Sql } from './storage/sql.js';
import { TreeStore } from './storage/tree-store.js';
import { RotationWatch } from './storage/rotation-watch.js';
import { closeControlSocket, controlSocketPath, serveControlSocket } from './cli/control-socket.js';
import { rotateInServer } from './cli/commands/rotate.js';

/** The CA side of a running instance. */
export interface CaRuntime {
  readonly keys: CaKeys;
  readonly ct: CtLog;
  readonly service: CaService;
  /** The timestamp authority signing now (swapped in place by `sealhouse rotate tsa`). */
  readonly tsa: TimestampSigner;
  readonly issuers: FulcioConfig;
  /** Commit what the CT log has queued, refuse new submissions, stop the signing workers. */
  close(): Promise<void>;
}

export interface RunningServer {
  readonly server: Server;
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  readonly log: LogService;
  /** The Rekor v2 log, unless SEALHOUSE_REKOR_V2=0. */
  readonly rekorV2: RekorV2Log | undefined;
  readonly ca: CaRuntime;
  readonly logger: Logger;
  close(): Promise<void>;
}

export { CT_KEY_FILE, REKOR_V2_KEY_FILE };

/** The Rekor v2 log's Ed25519 checkpoint key: SEALHOUSE_REKOR_V2_KEY, or generated once into the data directory. */
function loadRekorV2Key(config: Config): EcKey {
  return loadOrCreateEcKey({ path: config.rekorV2KeyPath, dataDir: config.dataDir, fileName: REKOR_V2_KEY_FILE, what: 'the Rekor v2 log key', kind: 'ed25519' });
}

/** The keys the CA side loads (files, or generated into the data directory on first start). */
interface CaKeys {
  readonly ca: CaMaterial;
  readonly ctKey: EcKey;
  readonly devIssuer: DevOidcIssuer | undefined;
  /** The RFC 3161 timestamp authority's key and chain [leaf, root]. */
  readonly tsa: TsaMaterial;
}

async function loadCaKeys(config: Config): Promise<CaKeys> {
  const ca =
    config.caChainPath && config.caKeyPath
      ? await loadCaFiles({ chain: config.caChainPath, key: config.caKeyPath, ...(config.caKeyPassphrase ? { passphrase: config.caKeyPassphrase } : {}) })
      : await loadOrCreateCa(join(config.dataDir, 'ca'));
  const ctKey = loadOrCreateEcKey({ path: config.ctKeyPath, dataDir: config.dataDir, fileName: CT_KEY_FILE, what: 'the CT log key' });
  const devIssuer = config.devOidc ? await DevOidcIssuer.load(config.dataDir, config.publicUrl) : undefined;
  const tsa =
    config.tsaChainPath && config.tsaKeyPath
      ? await loadTsaFiles({ chain: config.tsaChainPath, key: config.tsaKeyPath, passphrase: config.tsaKeyPassphrase })
      : await loadOrCreateTsa(join(config.dataDir, 'tsa'));
  return { ca, ctKey, devIssuer, tsa };
}

/** A log's identity in the trust documents: its public key (DER SPKI) and tree. */
interface LogIdentity {
  readonly publicKey: Buffer;
  readonly treeId: number;
}

/** The CAs and TSAs this database has recorded, with the loaded ones bound (refused when not the ones in use). */
interface Authorities {
  readonly ca: AuthorityEpoch[];
  readonly tsa: AuthorityEpoch[];
}

async function bindAuthorities(sql: Sql, config: Config, keys: CaKeys): Promise<Authorities> {
  return {
    ca: await bindAuthority(sql, 'ca', keys.ca.chain, caWording(config)),
    tsa: await bindAuthority(sql, 'tsa', keys.tsa.chain, tsaWording(config)),
  };
}

/** The shards of `logName` as the trust documents list them (a shard whose key is not bound yet has signed nothing). */
async function shardTrust(sql: Sql, logName: string): Promise<(LogTrust & { readonly ordinal: number; readonly baseUrl?: string })[]> {
  return (await openLogShards(sql, logName)).flatMap((s) =>
    s.publicKey ? [{ ordinal: s.ordinal, publicKey: s.publicKey, activeFrom: s.activeFrom, ...(s.frozenAt ? { frozenAt: s.frozenAt } : {}), ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }] : [],
  );
}

/**
 * The trust documents as the database records them now: every shard of every log and every
 * CA and TSA epoch. Built at start and again after each rotation the watch reports, so they
 * always list what this instance (any of its processes) has signed with.
 */
async function trustDocuments(sql: Sql, config: Config, devIssuer: DevOidcIssuer | undefined): Promise<TrustDocuments> {
  const base = baseUrlOf(config.publicUrl);
  return trustDocumentsOf({
    publicUrl: config.publicUrl,
    rekor: await shardTrust(sql, REKOR_TREE),
    // Rekor v2 serves its write API and tiles at the base URL itself, as rekor-tiles does; later shards under /shards/N.
    ...(config.rekorV2
      ? {
          rekorV2: (await shardTrust(sql, REKOR_V2_TREE)).map((s) => ({ ...s, ...rekorV2ShardAddress({ baseUrl: base, origin: config.rekorV2Origin }, s) })),
        }
      : {}),
    ct: (await shardTrust(sql, CT_TREE)).map((s) => ({ ...s, baseUrl: `${base}${config.ctPrefix}${shardPath(s.ordinal)}` })),
    ca: await authorityEpochs(sql, 'ca'),
    oidcUrls: [config.oidcUrl?.href.replace(/\/+$/, '') ?? devIssuer?.issuerUrl].filter((u): u is string => u !== undefined),
    tsa: { url: `${base}${TIMESTAMP_PATH}`, authorities: await authorityEpochs(sql, 'tsa') },
  });
}

/** How a start refused for another CA than the recorded one says where the recorded one was. */
function caWording(config: Config): AuthorityWording {
  return {
    what: `CA (${config.caChainPath ?? join(config.dataDir, 'ca')})`,
    restore: config.caChainPath ? 'configure the recorded chain and key again' : `restore ${join(config.dataDir, 'ca')} from a backup`,
  };
}

/** How a start refused for another TSA than the recorded one says where the recorded one was. */
function tsaWording(config: Config): AuthorityWording {
  return {
    what: `timestamp authority (${config.tsaChainPath ?? join(config.dataDir, 'tsa')})`,
    restore: config.tsaChainPath ? 'configure the recorded chain and key again' : `restore ${join(config.dataDir, 'tsa')} from a backup`,
  };
}

/** The log's shard in use, bound to its key exactly as the server's log binds it. */
async function boundTree(sql: Sql, name: string, publicKey: Buffer, setting: string): Promise<LogIdentity> {
  const active = activeShardOf(await openLogShards(sql, name));
  if (!active) throw new SealhouseError('internal', `the log ${name} has no shard in use`);
  await TreeStore.byId(sql, active.treeId).bindPublicKey(publicKey, setting);
  return { publicKey, treeId: active.treeId };
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
    await boundTree(sql, REKOR_TREE, rekorKey, 'SEALHOUSE_LOG_KEY');
    const keys = await loadCaKeys(config);
    await bindAuthorities(sql, config, keys);
    await boundTree(sql, CT_TREE, keys.ctKey.publicKey.export({ type: 'spki', format: 'der' }), 'SEALHOUSE_CT_KEY');
    if (config.rekorV2) await boundTree(sql, REKOR_V2_TREE, loadRekorV2Key(config).publicKey.export({ type: 'spki', format: 'der' }), 'SEALHOUSE_REKOR_V2_KEY');
    return await trustDocuments(sql, config, keys.devIssuer);
  } finally {
    await sql.close();
    releaseStore();
  }
}

interface CaOptions extends GroupCommitOptions {
  readonly onIssued: () => void;
  readonly onTokenRefused: (reason: string) => void;
}

/** The CA and TSA as configured, loaded without generating anything (a rotation watched by a running server). */
const reloadCa = (config: Config): Promise<CaMaterial> =>
  config.caChainPath && config.caKeyPath
    ? loadCaFiles({ chain: config.caChainPath, key: config.caKeyPath, ...(config.caKeyPassphrase ? { passphrase: config.caKeyPassphrase } : {}) })
    : loadCaDirectory(join(config.dataDir, 'ca'));
const reloadTsa = (config: Config): Promise<TsaMaterial> =>
  config.tsaChainPath && config.tsaKeyPath
    ? loadTsaFiles({ chain: config.tsaChainPath, key: config.tsaKeyPath, passphrase: config.tsaKeyPassphrase })
    : loadTsaDirectory(join(config.dataDir, 'tsa'));

// caFromPem has checked that each chain ends at a self-signed root: the CT log accepts the
// roots of every CA the instance has used, so a rotation to a new root still accepts the old.
const rootsOf = (epochs: readonly AuthorityEpoch[]): Buffer[] =>
  epochs.map((a) => a.chain[a.chain.length - 1] as Buffer).filter((r, i, all) => all.findIndex((x) => x.equals(r)) === i);

async function openCa(sql: Sql, config: Config, opened: OpenedSoFar, watch: RotationWatch, options: CaOptions): Promise<CaRuntime> {
  const keys = await loadCaKeys(config);
  const authorities = await bindAuthorities(sql, config, keys);
  const ctKeys = ctKeyFiles(config);
  const ct = await CtLog.open(sql, {
    ...options,
    key: keys.ctKey.privateKey,
    keys: { find: (spki) => findCtKey(ctKeys, spki), where: ctKeys.join(', ') },
    roots: rootsOf(authorities.ca),
  });
  opened.push(() => ct.close());
  const fromFile = config.oidcConfigPath ? await loadFulcioConfig(config.oidcConfigPath) : EMPTY_FULCIO_CONFIG;
  const issuers = keys.devIssuer ? withIssuer(fromFile, keys.devIssuer.issuerConfig()) : fromFile;
  const verifier = new FulcioOidcVerifier({
    config: issuers,
    acceptSubjectChallengeForEmail: config.oidcSubChallenge,
    ...(keys.devIssuer ? { get: keys.devIssuer.localGet(httpGet) } : {}),
  });
  let workers = new CryptoWorkers(keys.ca.privateKey);
  opened.push(() => workers.close());
  const service = new CaService({ ca: keys.ca, ct, verifier, workers, onIssued: options.onIssued, onTokenRefused: options.onTokenRefused });
  const tsa = new TimestampSigner(keys.tsa);
  // `sealhouse rotate ca|tsa` from another process: swap in the new authority once its files
  // are in place (storage/authority-follower.ts); requests in flight finish with the old one.
  const caFollower = new AuthorityFollower(sql, keys.ca, {
    kind: 'ca',
    what: `the CA (${config.caChainPath ?? join(config.dataDir, 'ca')})`,
    load: () => reloadCa(config),
    apply: (ca) => {
      const retiring = workers;
      workers = new CryptoWorkers(ca.privateKey);
      service.useCa(ca, workers);
      void retiring.close(); // answers what it owes; jobs still sent to it run inline with the old key
    },
  });
  const tsaFollower = new AuthorityFollower(sql, keys.tsa, {
    kind: 'tsa',
    what: `the timestamp authority (${config.tsaChainPath ?? join(config.dataDir, 'tsa')})`,
    load: () => reloadTsa(config),
    apply: (material) => tsa.use(material),
  });
  // A new root is accepted as soon as it is recorded, before the new CA's files are in place.
  watch.onChange(async () => ct.acceptRoots(rootsOf(await authorityEpochs(sql, 'ca'))));
  watch.onChange(() => ct.follow()); // `sealhouse rotate ct`; a batch meeting the frozen shard follows at once
  watch.onChange(() => caFollower.follow());
  watch.onChange(() => tsaFollower.follow());
  return {
    keys,
    ct,
    service,
    tsa,
    issuers,
    close: async () => {
      await ct.close();
      await workers.close();
    },
  };
}

/** The embedded store's control socket, or undefined (with a warning) where this system cannot offer one. */
async function openControlSocket(config: Config, sql: Sql, watch: RotationWatch, logger: Logger): Promise<NetServer | undefined> {
  try {
    return await serveControlSocket(config.dataDir, (_command, args) => rotateInServer(args, config, sql, () => watch.poke()), (err) =>
      logger.error({ err }, 'the control socket failed a request'),
    );
  } catch (err) {
    logger.warn({ err, path: controlSocketPath(config.dataDir) }, 'no control socket (a data directory path too long for a Unix socket?): `sealhouse rotate` needs the server stopped');
    return undefined;
  }
}

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Key files named in the configuration, checked before anything is opened (generated ones are checked as they load). */
function checkConfiguredKeyFiles(config: Config): void {
  if (config.logKeyPath) checkKeyFileMode(config.logKeyPath, 'the log key');
  if (config.caKeyPath) checkKeyFileMode(config.caKeyPath, 'the CA private key');
  if (config.ctKeyPath) checkKeyFileMode(config.ctKeyPath, 'the CT log key');
  if (config.rekorV2 && config.rekorV2KeyPath) checkKeyFileMode(config.rekorV2KeyPath, 'the Rekor v2 log key');
  if (config.tsaKeyPath) checkKeyFileMode(config.tsaKeyPath, 'the TSA private key');
}

/**
 * What a start that fails half-way must close again, newest first: without it a refused start
 * (a bad TSA chain, a port in use) left the database, the sequencers' timers and the signing
 * workers open, so the process that called startServer could never exit.
 */
type OpenedSoFar = (() => Promise<unknown> | unknown)[];

async function closeOpened(opened: OpenedSoFar, logger: Logger): Promise<void> {
  for (const close of opened.reverse()) {
    try {
      await close();
    } catch (err) {
      logger.warn({ err }, 'closing after a failed start');
    }
  }
}

export async function startServer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  checkConfiguredKeyFiles(config);
  const releaseStore = claimEmbeddedStore(config);
  const opened: OpenedSoFar = [];
  try {
    return await serve(config, logger, releaseStore, opened);
  } catch (err) {
    await closeOpened(opened, logger);
    releaseStore();
    throw err;
  }
}

async function serve(config: Config, logger: Logger, releaseStore: () => void, opened: OpenedSoFar): Promise<RunningServer> {
  // Listening comes first: until the app is ready every request gets 503 with Retry-After (http/starting-server.ts).
  const http = startingServer(config.http, logger);
  await listen(http.server, config.port, logger);
  opened.push(() => {
    const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
    http.server.closeAllConnections();
    return closed;
  });
  const sql = await openSql(config, (path, entries) =>
    logger.warn({ path, entries }, 'took group and other permissions off files only Sealhouse may read (now 0700 directories, 0600 files)'),
  );
  opened.push(() => sql.close());
  await migrate(sql);
  // Rotations recorded by `sealhouse rotate` (here or in another process): each service
  // registers what it switches on one, and the watch polls from just before listening.
  const watch = new RotationWatch(sql, config.rotationPollMs, (err) => logger.error({ err }, 'could not apply a key rotation yet; trying again at the next poll'));
  opened.push(() => watch.close());
  const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
  const metrics = new Metrics();
  const log = await LogService.open(sql, {
    key,
    // After `sealhouse rotate log` the key source holds the new shard's key.
    findKey: (spki) => findKeyFor(rotatingKeyFiles({ path: config.logKeyPath, dataDir: config.dataDir, fileName: GENERATED_LOG_KEY_FILE }), spki, LOG_KEY_USE),
    onShardChange: (shard) => logger.info({ tree: 'rekor', shard: shard.ordinal, treeId: shard.treeId }, 'the Rekor v1 log rotated: appending to its new shard'),
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
    onIntegrityProblem: (err) => logger.error({ tree: 'rekor', ...err.detail }, err.message),
  });
  opened.push(() => log.close());
  watch.onChange(() => log.refreshShards());
  metrics.sources.treeSize = async () => (await log.head()).treeSize;
  metrics.sources.queueDepth = () => log.queueDepth;

  // The Rekor v2 log: its own shards, each with its Ed25519 key, the same write path (Sequencer) and limits as v1.
  // `sealhouse rotate rekor-v2` (any process) starts a new shard; the watch and a batch meeting the frozen tree move writing there.
  const rekorV2Key = config.rekorV2 ? loadRekorV2Key(config) : undefined;
  const rekorV2Keys = rekorV2KeySource(config);
  const rekorV2 = rekorV2Key
    ? await RekorV2Log.open(sql, {
        keySource: rekorV2Keys.keys,
        keyWhere: rekorV2Keys.where,
        origin: config.rekorV2Origin,
        maxBatch: config.batchSize,
        maxDelayMs: config.batchMs,
        maxQueue: config.maxQueue,
        maxQueuePerClient: config.maxQueuePerClient,
        onIntegrityProblem: (err) => logger.error({ tree: REKOR_V2_TREE, ...err.detail }, err.message),
      })
    : undefined;
  if (rekorV2) opened.push(() => rekorV2.close());

  // Witnesses (SEALHOUSE_WITNESSES) cosign the active shard's checkpoints; a witness never holds up an append. A frozen
  // shard keeps the service it had (its last checkpoint still reaches the witnesses; its cosignatures are still served).
  const witnessServices: WitnessService[] = [];
  const openWitnesses = async (shard: RekorV2Shard): Promise<void> => {
    const service = await WitnessService.open({ sql, treeId: shard.treeId, witnesses: config.witnesses, consistency: (a, b) => shard.consistency(a, b), logger, registry: metrics.registry });
    witnessServices.push(service);
    rekorV2?.attachWitnesses(service, shard);
    logger.info({ witnesses: service.labels, shard: shard.ordinal, origin: shard.origin, logVkey: shard.vkey }, 'submitting Rekor v2 checkpoints to witnesses; each must trust logVkey for this origin');
  };
  if (rekorV2 && config.witnesses.length > 0) await openWitnesses(rekorV2.activeShard);
  opened.push(() => Promise.all(witnessServices.map((w) => w.close())));
  if (rekorV2) {
    rekorV2.onSwitch((shard) => {
      logger.info({ shard: shard.ordinal, treeId: shard.treeId, origin: shard.origin, logId: shard.logId.toString('base64') }, 'the Rekor v2 log rotated: writing to its new shard');
      if (config.witnesses.length > 0) openWitnesses(shard).catch((err: unknown) => logger.error({ err, shard: shard.ordinal }, 'could not open the witnesses of the new Rekor v2 shard'));
    });
    watch.onChange(() => rekorV2.follow());
  }

  const ca = await openCa(sql, config, opened, watch, {
    maxBatch: config.batchSize,
    maxDelayMs: config.batchMs,
    maxQueue: config.maxQueue,
    onIssued: () => metrics.certificatesIssued.inc(),
    onTokenRefused: (reason) => metrics.oidcFailures.inc({ reason }),
  });
  ca.ct.onIntegrityProblem((err) => logger.error({ tree: 'ct', ...err.detail }, err.message));
  if (!config.caChainPath) {
    // The generated default keeps the root's key beside the intermediate's: whoever reads the
    // data directory can mint a new intermediate that every client trusts.
    logger.warn(
      { ca: join(config.dataDir, 'ca') },
      "the CA's root key is online (generated into the data directory): for production, keep the root offline and give Sealhouse only the intermediate " +
        '(sealhouse ca init-root / intermediate-key / sign-intermediate, then SEALHOUSE_CA_CHAIN and SEALHOUSE_CA_KEY; README "The CA\'s root key")',
    );
  }
  // The trust documents as the database records them; rebuilt after each rotation (below).
  let documents = await trustDocuments(sql, config, ca.keys.devIssuer);
  const tuf = new TufRefresher(config.tufDir, config.tufKeysDir, trustTargets(documents), {
    onRefreshed: (what) => logger.info({ tuf: config.tufDir }, `re-signed the TUF ${what} with the online keys`),
    onStale: () =>
      logger.warn(
        { tuf: config.tufDir },
        'the TUF repository does not publish the trust documents this server serves: sign a new targets version with the offline key (`sealhouse tuf update --offline-keys DIR --from-server URL`)',
      ),
    onError: (err) => logger.error({ err, tuf: config.tufDir }, 'could not re-sign the TUF repository; clients refuse it once timestamp.json expires'),
  });
  tuf.start();
  opened.push(() => tuf.close());
  // Registered after every service's own listener: by the time this runs they have switched.
  watch.onChange(async () => {
    documents = await trustDocuments(sql, config, ca.keys.devIssuer);
    tuf.serving(trustTargets(documents));
    logger.info('a key rotation was recorded: serving the new trusted_root.json and signing_config.json');
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
    // Not ready while a log refuses writes because it cannot vouch for its tree.
    ready: async () => !draining && !log.integrityProblem && !rekorV2?.integrityProblem && !ca.ct.integrityProblem && (await sql.query('SELECT 1 AS ok')).length === 1,
    // POST /api/v2/log/entries reads its own body (rekor-tiles' 4 MiB limit).
    rawBodyRouters: rekorV2 ? [createShardHostRouter((host) => rekorV2.shards.find((s) => s.ownUrl !== undefined && new URL(s.ownUrl).hostname === host)?.path), createRekorV2Router({ log: rekorV2, draining: () => draining, logger, onAppended: () => metrics.entriesAppended.inc() })] : [],
    routers: [
      createUiRouter(),
      await createFulcioRouter({ ca: ca.service, configuration: () => configuration, draining: () => draining, logger }),
      createCtRouter({ ct: ca.ct, prefix: config.ctPrefix, draining: () => draining, logger }),
      createTrustRouter(() => documents),
      createTsaRouter({ signer: ca.tsa, registry: metrics.registry }),
      createTufRouter(config.tufDir),
      // The v1 tree as C2SP tlog-tiles, so mirrors and monitors can follow it without the v1 API.
      createTilesRouter({ prefix: '/tlog/v1', log: { tile: (path) => log.tile(path, 1), checkpoint: () => log.checkpointOf(1) } }),
      // Each later shard of v1 beside it, at /tlog/v1/shards/N (core/shard-paths.ts).
      createShardTilesRouter('/tlog/v1', (ordinal) =>
        log.shardRecords.some((s) => s.ordinal === ordinal) ? { tile: (path) => log.tile(path, ordinal), checkpoint: () => log.checkpointOf(ordinal) } : undefined,
      ),
      // Rekor v2's tiles at the base URL, as rekor-tiles serves them, and under /tlog/v2 beside v1's.
      // Shard 1 keeps those URLs; shard N ≥ 2 is at /shards/N and /tlog/v2/shards/N, frozen or not.
      ...(rekorV2 ? [createTilesRouter({ prefix: '', log: rekorV2.shards[0] ?? rekorV2 }), createTilesRouter({ prefix: '/tlog/v2', log: rekorV2.shards[0] ?? rekorV2 }), createShardTilesRouter('', (n) => rekorV2.findShard(n)), createShardTilesRouter('/tlog/v2', (n) => rekorV2.findShard(n))] : []),
      ...(devIssuer ? [createDevOidcRouter(devIssuer)] : []),
    ],
  });

  await watch.start();
  // On the embedded store no other process may open the database, so `sealhouse rotate` hands
  // its rotation to this process (cli/control-socket.ts) and the watch applies it at once.
  const control = config.databaseUrl ? undefined : await openControlSocket(config, sql, watch, logger);
  if (control) opened.push(() => closeControlSocket(control, config.dataDir));
  http.serve(app);
  const server = http.server;
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
      rekorV2: rekorV2 && rekorV2Key ? { treeId: rekorV2.treeId, origin: rekorV2.origin, logId: rekorV2.logId.toString('base64'), key: rekorV2Key.source } : 'off',
      tsa: ca.keys.tsa.source,
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
      tuf.close();
      watch.close();
      if (control) await closeControlSocket(control, config.dataDir);
      await Promise.all([log.close(), rekorV2?.close(), ca.close()]);
      await Promise.all(witnessServices.map((w) => w.close()));
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      await sql.close();
      releaseStore();
      logger.info('shut down cleanly');
    })());

  return { server, address: `http://127.0.0.1:${port}`, log, rekorV2, ca, logger, close };
}
