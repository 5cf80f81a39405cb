/**
 * The only reader of process.env: every setting Sealhouse has, validated once at start-up into a
 * frozen Config. A bad value stops the start with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateAlgorithmNames } from './entries/index.js';
import { SealhouseError } from './errors.js';
import { fileErrorOf } from './file-errors.js';
import type { HttpLimits } from './http/http-server.js';
import { parseWitnesses, type WitnessConfig } from './witness/witness-config.js';

export interface Config {
  /** TCP port of the HTTP API (PORT, default 3000). */
  readonly port: number;
  /** Public base URL clients use (SEALHOUSE_URL); its host is the checkpoint origin and signer name. */
  readonly publicUrl: URL;
  /** Postgres connection string (DATABASE_URL, or a file named by DATABASE_URL_FILE); unset → embedded PGlite in dataDir. */
  readonly databaseUrl: string | undefined;
  /**
   * A Postgres streaming replica (SEALHOUSE_READ_DATABASE_URL, or a file named by
   * SEALHOUSE_READ_DATABASE_URL_FILE): set, this process is a reader — it serves the log's reads
   * (entries, proofs, search, checkpoints, tiles, the UI) from the replica and takes no writes
   * (src/reader-server.ts). Instead of DATABASE_URL, never with it.
   */
  readonly readDatabaseUrl: string | undefined;
  /** Where a reader sends writes, with 307 (SEALHOUSE_WRITE_URL); unset → 503 naming what to do. */
  readonly writeUrl: URL | undefined;
  /** A reader whose replica lags more than this many seconds is not ready (SEALHOUSE_READ_MAX_LAG_SECONDS; 0, the default: no limit). */
  readonly readMaxLagSeconds: number;
  /** Postgres schema (SEALHOUSE_DB_SCHEMA), for sharing one database between deployments or tests. */
  readonly databaseSchema: string | undefined;
  /** Where generated keys and the embedded database live (SEALHOUSE_DATA_DIR, default ./data). */
  readonly dataDir: string;
  /** PEM file of the log's ECDSA P-256 key (SEALHOUSE_LOG_KEY); unset → generated in dataDir. */
  readonly logKeyPath: string | undefined;
  /** Group commit: a batch closes at this many entries (SEALHOUSE_BATCH_SIZE, default 1000) … */
  readonly batchSize: number;
  /**
   * … or when its oldest entry has waited this long (SEALHOUSE_BATCH_MS, default 0: a batch
   * starts as soon as the previous one has committed; under load the next batch fills while
   * one commits, so waiting only delays lone entries — measured 68 → 365 entries/s at one client).
   */
  readonly batchMs: number;
  /** Entries waiting beyond this are refused with 503 (SEALHOUSE_MAX_QUEUE, default 20000). */
  readonly maxQueue: number;
  /**
   * One client address's share of that queue (SEALHOUSE_MAX_QUEUE_PER_CLIENT, default a quarter
   * of it, at least 1): beyond it that client gets 503 while others are still admitted.
   */
  readonly maxQueuePerClient: number;
  /**
   * hashedrekord signing algorithms the log accepts, as Rekor's --client-signing-algorithms
   * names, comma-separated (SEALHOUSE_LOG_ALGORITHMS); unset → Rekor's default list.
   */
  readonly logAlgorithms: readonly string[] | undefined;
  /** Largest accepted request body in bytes (SEALHOUSE_MAX_BODY_BYTES, default 1 MiB) → 413. */
  readonly maxBodyBytes: number;
  /**
   * HTTP server limits (SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS default 10000, _REQUEST_TIMEOUT_MS
   * 30000, _KEEPALIVE_TIMEOUT_MS 5000, _MAX_CONNECTIONS 2000, _MAX_CONNECTIONS_PER_IP 256;
   * see src/http/http-server.ts).
   */
  readonly http: HttpLimits;
  /** pino level (LOG_LEVEL, default info). */
  readonly logLevel: string;
  /**
   * Log lines as JSON or human-readable (SEALHOUSE_LOG_FORMAT=json|pretty); unset → pretty when
   * stdout is a terminal, JSON otherwise (for log shippers).
   */
  readonly logFormat: 'json' | 'pretty' | undefined;
  /** Fulcio-shaped OIDC issuer config file, JSON or YAML (SEALHOUSE_OIDC_CONFIG); unset → no issuers. */
  readonly oidcConfigPath: string | undefined;
  /** Also accept a PoP over `sub` for email issuers, for sigstore-js 3.x (SEALHOUSE_OIDC_SUB_CHALLENGE). */
  readonly oidcSubChallenge: boolean;
  /** The identity provider listed in signing_config.json oidcUrls (SEALHOUSE_OIDC_URL). */
  readonly oidcUrl: URL | undefined;
  /** The development OIDC issuer under /dev-oidc (SEALHOUSE_DEV_OIDC=1); never in production. */
  readonly devOidc: boolean;
  /** PEM chain (issuing CA first, root last) and its key (SEALHOUSE_CA_CHAIN, SEALHOUSE_CA_KEY); unset → generated in dataDir/ca. */
  readonly caChainPath: string | undefined;
  readonly caKeyPath: string | undefined;
  /** Passphrase of an encrypted SEALHOUSE_CA_KEY (SEALHOUSE_CA_KEY_PASSPHRASE or SEALHOUSE_CA_KEY_PASSPHRASE_FILE). */
  readonly caKeyPassphrase: string | undefined;
  /** PEM file of the CT log's ECDSA P-256 key (SEALHOUSE_CT_KEY); unset → generated in dataDir. */
  readonly ctKeyPath: string | undefined;
  /** Path prefix of the CT log API before /ct/v1 (SEALHOUSE_CT_PREFIX, default ''). */
  readonly ctPrefix: string;
  /**
   * The Rekor v2 (tlog-tiles) log: served and listed in the trust documents unless
   * SEALHOUSE_REKOR_V2=0. Its Ed25519 checkpoint key is SEALHOUSE_REKOR_V2_KEY (PEM) or generated
   * into dataDir/rekor-v2-key.pem; its checkpoint origin (also the key name) is
   * SEALHOUSE_REKOR_V2_ORIGIN, default the bare host of SEALHOUSE_URL, which is what clients
   * expect (sigstore-go verifies with url.Hostname() of the trusted root's baseUrl).
   */
  readonly rekorV2: boolean;
  readonly rekorV2KeyPath: string | undefined;
  readonly rekorV2Origin: string;
  /**
   * The timestamp authority's PEM chain (TSA certificate first, root last) and its ECDSA key
   * (SEALHOUSE_TSA_CHAIN, SEALHOUSE_TSA_KEY), both or neither; unset → generated in dataDir/tsa.
   */
  readonly tsaChainPath: string | undefined;
  readonly tsaKeyPath: string | undefined;
  /** Passphrase of an encrypted SEALHOUSE_TSA_KEY (SEALHOUSE_TSA_KEY_PASSPHRASE). */
  readonly tsaKeyPassphrase: string | undefined;
  /** The TUF repository GET /tuf/* serves (SEALHOUSE_TUF_DIR; unset → dataDir/tuf), written by `sealhouse tuf init`. */
  readonly tufDir: string;
  /**
   * The TUF online keys, snapshot.pem and timestamp.pem (SEALHOUSE_TUF_KEYS_DIR; unset →
   * dataDir/tuf-keys), with which the server re-signs those roles before they expire.
   */
  readonly tufKeysDir: string;
  /**
   * How often a running process looks for key rotations other processes recorded in the
   * database (`sealhouse rotate`), and switches to the new keys (SEALHOUSE_ROTATION_POLL_MS;
   * default 2000).
   */
  readonly rotationPollMs: number;
  /**
   * C2SP tlog-witnesses the Rekor v2 log submits each new checkpoint to, whose cosignatures
   * /checkpoint then carries (SEALHOUSE_WITNESSES; unset → none): comma- or newline-separated
   * entries "<witness vkey> <submission URL>", the vkey as the witness publishes it
   * (name+keyID+base64 of 0x04 or 0x01 and its Ed25519 key), the URL the prefix before
   * /add-checkpoint. See src/witness/witness-config.ts.
   */
  readonly witnesses: readonly WitnessConfig[];
}

type Env = Record<string, string | undefined>;

function algorithms(env: Env, name: string): readonly string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  try {
    validateAlgorithmNames(names);
  } catch (err) {
    throw new SealhouseError('invalid_input', `${name}: ${(err as Error).message}`);
  }
  return Object.freeze(names);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SealhouseError('invalid_input', `${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: Env, name: string, fallback: string): URL {
  const raw = env[name] || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    return parsed;
  } catch {
    throw new SealhouseError('invalid_input', `${name} must be an http(s) URL such as https://rekor.example.com, got "${raw}"`);
  }
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new SealhouseError('invalid_input', `${name} must be 1/true or 0/false, got "${env[name] ?? ''}"`);
}

/**
 * Settings that are secrets can come from files instead (`<NAME>_FILE`, as the postgres image
 * and Docker/Kubernetes secrets do it), so they stay out of `docker inspect` and process
 * listings. Private keys already are files (SEALHOUSE_*_KEY).
 */
const SECRET_SETTINGS = ['DATABASE_URL', 'SEALHOUSE_READ_DATABASE_URL', 'SEALHOUSE_CA_KEY_PASSPHRASE', 'SEALHOUSE_TSA_KEY_PASSPHRASE'] as const;

function withSecretFiles(env: Env): Env {
  const resolved: Env = { ...env };
  for (const name of SECRET_SETTINGS) {
    const path = env[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) throw new SealhouseError('invalid_input', `set ${name} or ${name}_FILE, not both`);
    try {
      // One trailing newline is what `echo secret > file` leaves; it is not part of the secret.
      resolved[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const problem = fileErrorOf(err);
      throw new SealhouseError('invalid_input', `${name}_FILE: cannot read ${path} (${problem?.meaning ?? (err as Error).message})`);
    }
  }
  return resolved;
}

/** A Postgres connection string, checked here so a typo fails with its name instead of a DNS error later. */
function databaseUrl(env: Env, name: 'DATABASE_URL' | 'SEALHOUSE_READ_DATABASE_URL' = 'DATABASE_URL'): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') || (parsed.hostname === '' && !parsed.searchParams.has('host'))) {
    // The value may hold a password: name its shape, never echo it.
    const unset = name === 'DATABASE_URL' ? 'unset it to use the embedded database' : 'a streaming replica of the primary; unset it to run a writer';
    throw new SealhouseError('invalid_input', `${name} must be a postgres:// URL such as postgres://sealhouse@db.example:5432/sealhouse (${unset})`);
  }
  return raw;
}

const file = (env: Env, name: string): string | undefined => (env[name] ? resolve(env[name]) : undefined);

function httpLimits(env: Env): HttpLimits {
  const limits: HttpLimits = Object.freeze({
    headersTimeoutMs: integer(env, 'SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: integer(env, 'SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    keepAliveTimeoutMs: integer(env, 'SEALHOUSE_HTTP_KEEPALIVE_TIMEOUT_MS', 5_000, 0, 600_000),
    maxConnections: integer(env, 'SEALHOUSE_HTTP_MAX_CONNECTIONS', 2_000, 0, 1_000_000),
    maxConnectionsPerIp: integer(env, 'SEALHOUSE_HTTP_MAX_CONNECTIONS_PER_IP', 256, 0, 1_000_000),
  });
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new SealhouseError('invalid_input', 'SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS must not exceed SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  return limits;
}

/** Whether a failing command prints the stack trace too (LOG_LEVEL=debug or trace); read before the rest of the config, which may be what failed. */
export function stackTracesWanted(env: Env = process.env): boolean {
  return env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
}

function logFormat(env: Env): 'json' | 'pretty' | undefined {
  const raw = env.SEALHOUSE_LOG_FORMAT || undefined;
  if (raw === undefined || raw === 'json' || raw === 'pretty') return raw;
  throw new SealhouseError('invalid_input', `SEALHOUSE_LOG_FORMAT must be json or pretty (or unset: pretty on a terminal), got "${raw}"`);
}

/** SEALHOUSE_REKOR_V2: on unless 0/false. */
function rekorV2On(env: Env): boolean {
  return env.SEALHOUSE_REKOR_V2 === undefined || env.SEALHOUSE_REKOR_V2 === '' ? true : flag(env, 'SEALHOUSE_REKOR_V2');
}

/** A checkpoint origin is also a note key name: one non-empty token without spaces or "+". */
function rekorV2Origin(env: Env, publicUrl: URL): string {
  const origin = env.SEALHOUSE_REKOR_V2_ORIGIN || publicUrl.hostname;
  if (!/^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(origin)) {
    throw new SealhouseError('invalid_input', `SEALHOUSE_REKOR_V2_ORIGIN must be a host name such as rekor.example.com (no spaces or "+"), got "${origin.slice(0, 100)}"`);
  }
  return origin;
}

/** SEALHOUSE_WITNESSES; witnesses cosign the v2 log's checkpoints, so they need it served. */
function witnesses(env: Env): readonly WitnessConfig[] {
  const list = parseWitnesses(env.SEALHOUSE_WITNESSES);
  if (list.length > 0 && !rekorV2On(env)) {
    throw new SealhouseError('invalid_input', 'SEALHOUSE_WITNESSES is set but SEALHOUSE_REKOR_V2=0: witnesses cosign the Rekor v2 log\'s checkpoints; turn the v2 log on or unset SEALHOUSE_WITNESSES');
  }
  return list;
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function loadConfig(environment: Env = process.env): Config {
  const env = withSecretFiles(environment);
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new SealhouseError('invalid_input', `LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
  const schema = env.SEALHOUSE_DB_SCHEMA || undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SealhouseError('invalid_input', `SEALHOUSE_DB_SCHEMA must be a lower-case SQL identifier, got "${schema}"`);
  }
  const [caChainPath, caKeyPath] = [file(env, 'SEALHOUSE_CA_CHAIN'), file(env, 'SEALHOUSE_CA_KEY')];
  if (Boolean(caChainPath) !== Boolean(caKeyPath)) {
    throw new SealhouseError('invalid_input', 'set both SEALHOUSE_CA_CHAIN and SEALHOUSE_CA_KEY (the issuing CA certificate chain and its private key), or neither');
  }
  const [tsaChainPath, tsaKeyPath] = [file(env, 'SEALHOUSE_TSA_CHAIN'), file(env, 'SEALHOUSE_TSA_KEY')];
  if (Boolean(tsaChainPath) !== Boolean(tsaKeyPath)) {
    throw new SealhouseError('invalid_input', 'set both SEALHOUSE_TSA_CHAIN and SEALHOUSE_TSA_KEY (the timestamp authority\'s certificate chain and its private key), or neither');
  }
  const maxQueue = integer(env, 'SEALHOUSE_MAX_QUEUE', 20_000, 1, 10_000_000);
  const ctPrefix = (env.SEALHOUSE_CT_PREFIX ?? '').replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(ctPrefix)) {
    throw new SealhouseError('invalid_input', `SEALHOUSE_CT_PREFIX must be a URL path such as /ct-log (or empty), got "${ctPrefix}"`);
  }
  const publicUrl = url(env, 'SEALHOUSE_URL', `http://localhost:${port}`);
  const dataDir = resolve(env.SEALHOUSE_DATA_DIR || './data');
  const readDatabaseUrl = databaseUrl(env, 'SEALHOUSE_READ_DATABASE_URL');
  if (readDatabaseUrl && env.DATABASE_URL) {
    throw new SealhouseError('invalid_input', 'set DATABASE_URL (a writer, on the primary) or SEALHOUSE_READ_DATABASE_URL (a reader, on a replica), not both');
  }
  return Object.freeze({
    port,
    publicUrl,
    databaseUrl: databaseUrl(env),
    readDatabaseUrl,
    writeUrl: env.SEALHOUSE_WRITE_URL ? url(env, 'SEALHOUSE_WRITE_URL', '') : undefined,
    readMaxLagSeconds: integer(env, 'SEALHOUSE_READ_MAX_LAG_SECONDS', 0, 0, 86_400),
    databaseSchema: schema,
    dataDir,
    logKeyPath: env.SEALHOUSE_LOG_KEY ? resolve(env.SEALHOUSE_LOG_KEY) : undefined,
    batchSize: integer(env, 'SEALHOUSE_BATCH_SIZE', 1000, 1, 100_000),
    batchMs: integer(env, 'SEALHOUSE_BATCH_MS', 0, 0, 60_000),
    logAlgorithms: algorithms(env, 'SEALHOUSE_LOG_ALGORITHMS'),
    maxQueue,
    maxQueuePerClient: integer(env, 'SEALHOUSE_MAX_QUEUE_PER_CLIENT', Math.max(1, Math.floor(maxQueue / 4)), 1, 10_000_000),
    maxBodyBytes: integer(env, 'SEALHOUSE_MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    http: httpLimits(env),
    logLevel,
    logFormat: logFormat(env),
    oidcConfigPath: file(env, 'SEALHOUSE_OIDC_CONFIG'),
    oidcSubChallenge: flag(env, 'SEALHOUSE_OIDC_SUB_CHALLENGE'),
    oidcUrl: env.SEALHOUSE_OIDC_URL ? url(env, 'SEALHOUSE_OIDC_URL', '') : undefined,
    devOidc: flag(env, 'SEALHOUSE_DEV_OIDC'),
    caChainPath,
    caKeyPath,
    caKeyPassphrase: env.SEALHOUSE_CA_KEY_PASSPHRASE || undefined,
    ctKeyPath: file(env, 'SEALHOUSE_CT_KEY'),
    ctPrefix,
    rekorV2: rekorV2On(env),
    rekorV2KeyPath: file(env, 'SEALHOUSE_REKOR_V2_KEY'),
    rekorV2Origin: rekorV2Origin(env, publicUrl),
    tsaChainPath,
    tsaKeyPath,
    tsaKeyPassphrase: env.SEALHOUSE_TSA_KEY_PASSPHRASE || undefined,
    tufDir: env.SEALHOUSE_TUF_DIR ? resolve(env.SEALHOUSE_TUF_DIR) : join(dataDir, 'tuf'),
    tufKeysDir: env.SEALHOUSE_TUF_KEYS_DIR ? resolve(env.SEALHOUSE_TUF_KEYS_DIR) : join(dataDir, 'tuf-keys'),
    witnesses: witnesses(env),
    rotationPollMs: integer(env, 'SEALHOUSE_ROTATION_POLL_MS', 2_000, 100, 600_000),
  });
}
