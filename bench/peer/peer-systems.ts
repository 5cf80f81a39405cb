/**
 * The systems the peer benchmark drives, each started on private ports and data directories
 * under the run directory and measured the same way (bench/peer/peer-meter.ts):
 *
 * - Rekor v1: rekor-server + Trillian log server + log signer on MariaDB, with Redis beside them,
 *   wired as sigstore/rekor's docker-compose.yml wires them (same flags, same DSN options, same
 *   test/zaphod credentials; only addresses and ports differ). In that file rekor-server keeps its
 *   search index in MySQL and is given no Redis address, so Redis runs but idles — it is started
 *   and counted anyway because the deployment it describes runs it. Trillian's schema is
 *   trillian's own storage/mysql/schema/storage.sql (from the Go module cache); the tree is
 *   created by rekor-server itself at start-up (it does so when no tree ID is given, as there).
 * - Rekor v2: rekor-tiles' POSIX server, tiles on the local disk, with the shortest checkpoint
 *   interval Tessera's POSIX driver permits (100 ms). A write is answered only once a published
 *   checkpoint covers it, and rekor-tiles looks for new checkpoints once a second (its
 *   PublicationAwaiter's poll period is a constant 1 s), so that second, not the interval, is
 *   the floor of its latency.
 * - Sealhouse: bench/http-bench-server.ts (startServer, as `sealhouse serve`) on a fresh database
 *   of the real Postgres; its cost is the Node process plus the Postgres backends serving that
 *   database (the shared Postgres's background writer, WAL writer and checkpointer are not
 *   counted: other helpers use that server too).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { ServerMessage } from '../http-bench-server.js';
import { dirBytes } from '../bench-util.js';
import { httpOk, run, start, tcpOpen, waitUntil, type Started } from './peer-process.js';

export interface SystemUnderTest {
  readonly name: string;
  readonly url: string;
  /** Every process whose CPU and memory count as this system's (its database's included). */
  pids(): Promise<number[]>;
  /** Bytes of its persistent data (database files, tiles, attestations). */
  diskBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Fixed private ports, far from the defaults the other helpers' servers use. */
const PORTS = { mariadb: 23306, redis: 26379, trillianRpc: 28090, trillianHttp: 28091, signerRpc: 28093, signerHttp: 28092, rekor: 23000, tiles: 23100, tilesGrpc: 23101, tilesMetrics: 23112, sealhouse: 23200, fulcio: 23300, fulcioGrpc: 23301, fulcioMetrics: 23312 };

export const SEALHOUSE_URL = `http://127.0.0.1:${PORTS.sealhouse}`;

const stopAll = async (started: readonly Started[]): Promise<void> => {
  for (const s of [...started].reverse()) await s.stop();
};

export interface PeerBinaries {
  readonly dir: string;
  readonly trillianSchema: string;
}

/** MariaDB on its own data directory and port: `mariadb-install-db`, then mariadbd without the Debian config files. */
async function startMariaDb(runDir: string, logDir: string): Promise<{ process: Started; dataDir: string }> {
  const dataDir = join(runDir, 'mariadb');
  mkdirSync(dataDir, { recursive: true });
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  const socket = join(runDir, 'mariadb.sock');
  const process = start('mariadb', 'mariadbd', ['--no-defaults', `--datadir=${dataDir}`, `--port=${PORTS.mariadb}`, '--bind-address=127.0.0.1', `--socket=${socket}`, `--pid-file=${join(runDir, 'mariadb.pid')}`, '--user=root', '--skip-log-bin', '--skip-name-resolve'], logDir);
  await waitUntil('MariaDB', () => tcpOpen(PORTS.mariadb), 60, process);
  // The credentials of rekor's docker-compose.yml (MYSQL_DATABASE=test, MYSQL_USER=test, MYSQL_PASSWORD=zaphod).
  await run('mariadb', [`--socket=${socket}`, '-uroot'], "CREATE DATABASE test; CREATE USER 'test'@'%' IDENTIFIED BY 'zaphod'; GRANT ALL ON test.* TO 'test'@'%';");
  return { process, dataDir };
}

export async function startRekorV1(bin: PeerBinaries, runDir: string, logDir: string): Promise<SystemUnderTest> {
  const started: Started[] = [];
  try {
    const db = await startMariaDb(runDir, logDir);
    started.push(db.process);
    await run('mariadb', [`--socket=${join(runDir, 'mariadb.sock')}`, '-utest', '-pzaphod', 'test'], readFileSync(bin.trillianSchema, 'utf8'));

    const redisDir = join(runDir, 'redis');
    mkdirSync(redisDir, { recursive: true });
    const redis = start('redis', 'redis-server', ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--appendonly', 'yes', '--requirepass', 'test', '--dir', redisDir], logDir);
    started.push(redis);
    await waitUntil('Redis', () => tcpOpen(PORTS.redis), 30, redis);

    const dsn = `test:zaphod@tcp(127.0.0.1:${PORTS.mariadb})/test?parseTime=true&interpolateParams=true`;
    const trillianFlags = ['--quota_system=noop', '--storage_system=mysql', `--mysql_uri=${dsn}`, '--alsologtostderr'];
    const server = start('trillian_log_server', join(bin.dir, 'trillian_log_server'), [...trillianFlags, `--rpc_endpoint=127.0.0.1:${PORTS.trillianRpc}`, `--http_endpoint=127.0.0.1:${PORTS.trillianHttp}`], logDir, { TMPDIR: runDir });
    started.push(server);
    const signer = start('trillian_log_signer', join(bin.dir, 'trillian_log_signer'), [...trillianFlags, `--rpc_endpoint=127.0.0.1:${PORTS.signerRpc}`, `--http_endpoint=127.0.0.1:${PORTS.signerHttp}`, '--force_master'], logDir, { TMPDIR: runDir });
    started.push(signer);
    await waitUntil('Trillian log server', () => httpOk(`http://127.0.0.1:${PORTS.trillianHttp}/healthz`), 60, server);
    await waitUntil('Trillian log signer', () => httpOk(`http://127.0.0.1:${PORTS.signerHttp}/healthz`), 60, signer);

    const attestations = join(runDir, 'attestations');
    mkdirSync(attestations, { recursive: true });
    const rekor = start(
      'rekor-server',
      join(bin.dir, 'rekor-server'),
      [
        'serve',
        '--trillian_log_server.address=127.0.0.1',
        `--trillian_log_server.port=${PORTS.trillianRpc}`,
        '--rekor_server.address=127.0.0.1',
        `--port=${PORTS.rekor}`,
        '--rekor_server.signer=memory',
        '--enable_attestation_storage',
        `--attestation_storage_bucket=file://${attestations}`,
        '--search_index.storage_provider=mysql',
        `--search_index.mysql.dsn=${dsn}`,
        '--enable_pprof',
      ],
      logDir,
      { TMPDIR: attestations }, // as the compose file: a workaround for google/go-cloud#3294
    );
    started.push(rekor);
    const url = `http://127.0.0.1:${PORTS.rekor}`;
    await waitUntil('rekor-server', () => httpOk(`${url}/ping`), 120, rekor);
    return {
      name: 'Rekor v1',
      url,
      pids: async () => started.map((s) => s.pid),
      diskBytes: async () => dirBytes(db.dataDir) + dirBytes(redisDir) + dirBytes(attestations),
      stop: () => stopAll(started),
    };
  } catch (e) {
    await stopAll(started);
    throw e;
  }
}

/** The Ed25519 key rekor-tiles signs checkpoints with, and what a trusted root needs of it. */
export interface TilesKey {
  readonly origin: string;
  readonly spkiDer: Buffer;
}

export async function startRekorTiles(bin: PeerBinaries, runDir: string, logDir: string): Promise<SystemUnderTest & { key: TilesKey }> {
  const storage = join(runDir, 'tiles');
  mkdirSync(storage, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(runDir, 'tiles-signer.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const origin = 'rekor-tiles.peer-bench.local';
  const tiles = start(
    'rekor-tiles',
    join(bin.dir, 'posix'),
    [
      'serve',
      `--storage-dir=${storage}`,
      `--signer-filepath=${keyFile}`,
      `--hostname=${origin}`,
      '--http-address=127.0.0.1',
      `--http-port=${PORTS.tiles}`,
      `--grpc-port=${PORTS.tilesGrpc}`,
      `--http-metrics-port=${PORTS.tilesMetrics}`,
      // Tessera's POSIX driver refuses anything below 100 ms (storage/posix/files.go minCheckpointInterval).
      '--checkpoint-interval=100ms',
      '--log-level=warn',
    ],
    logDir,
  );
  const url = `http://127.0.0.1:${PORTS.tiles}`;
  try {
    await waitUntil('rekor-tiles', () => httpOk(`${url}/healthz`), 60, tiles);
  } catch (e) {
    await tiles.stop();
    throw e;
  }
  return {
    name: 'rekor-tiles',
    url,
    key: { origin, spkiDer: publicKey.export({ type: 'spki', format: 'der' }) },
    pids: async () => [tiles.pid],
    diskBytes: async () => dirBytes(storage),
    stop: () => tiles.stop(),
  };
}

/** Sealhouse on a fresh database `peer_<hex>` of the Postgres at `adminUrl` (dropped on stop). */
export async function startSealhouse(adminUrl: string, runDir: string, extraEnv: Record<string, string> = {}): Promise<SystemUnderTest & { dataDir: string; database: string }> {
  const database = `peer_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${database}`;
  const dataDir = join(runDir, 'sealhouse');
  mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = fork(new URL('../http-bench-server.js', import.meta.url), {
    // A fixed port and a public URL that is its real address: Fulcio fetches the development OIDC
    // issuer's discovery document and keys from <SEALHOUSE_URL>/dev-oidc over HTTP.
    env: { ...process.env, DATABASE_URL: dbUrl.toString(), PORT: String(PORTS.sealhouse), SEALHOUSE_URL: SEALHOUSE_URL, SEALHOUSE_DEV_OIDC: '1', SEALHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: ServerMessage) => ('ready' in m ? resolve(m.ready) : reject(new Error('Sealhouse closed early'))));
    child.once('exit', (code) => reject(new Error(`Sealhouse exited with ${code}`)));
  });
  const backends = async (): Promise<number[]> => (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows.map((r) => r.pid);
  return {
    name: 'Sealhouse',
    url,
    dataDir,
    database,
    pids: async () => [child.pid as number, ...(await backends())],
    diskBytes: async () => Number((await admin.query<{ size: string }>('SELECT pg_database_size($1) AS size', [database])).rows[0]?.size ?? 0) + dirBytes(dataDir),
    async stop() {
      const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      if (child.connected) child.send('close');
      await exited;
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Fulcio with its ephemeral CA (an in-memory root, "for testing"), trusting one OIDC issuer —
 * Sealhouse's development issuer, which serves discovery and JWKS over HTTP — for email
 * identities with client ID "sigstore". No CT log is configured (`--ct-log-url=`): Fulcio then
 * issues certificates without an SCT, while Sealhouse's CA always submits to its CT log, so this
 * row flatters Fulcio; it has no database, so its disk column is empty.
 */
export async function startFulcio(bin: PeerBinaries, runDir: string, logDir: string, issuerUrl: string): Promise<SystemUnderTest> {
  const config = join(runDir, 'fulcio-config.json');
  writeFileSync(config, JSON.stringify({ OIDCIssuers: { [issuerUrl]: { IssuerURL: issuerUrl, ClientID: 'sigstore', Type: 'email' } } }));
  const fulcio = start(
    'fulcio',
    join(bin.dir, 'fulcio'),
    ['serve', '--ca=ephemeralca', `--config-path=${config}`, '--ct-log-url=', '--host=127.0.0.1', `--port=${PORTS.fulcio}`, '--grpc-host=127.0.0.1', `--grpc-port=${PORTS.fulcioGrpc}`, `--metrics-port=${PORTS.fulcioMetrics}`, `--legacy-unix-domain-socket=${join(runDir, 'fulcio-legacy.sock')}`, '--log_type=prod'],
    logDir,
  );
  const url = `http://127.0.0.1:${PORTS.fulcio}`;
  try {
    await waitUntil('fulcio', () => httpOk(`${url}/api/v2/trustBundle`), 60, fulcio);
  } catch (e) {
    await fulcio.stop();
    throw e;
  }
  return { name: 'Fulcio', url, pids: async () => [fulcio.pid], diskBytes: async () => NaN, stop: () => fulcio.stop() };
}
