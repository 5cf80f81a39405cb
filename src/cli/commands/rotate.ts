/**
 * `sealhouse rotate log|rekor-v2|ct`: a new shard of that log with a new key (rotate-log-key.ts):
 * the shard in use is frozen and keeps serving its entries and proofs at its path, the new one
 * takes every entry from now on. Every process moves to it by itself: a batch that meets the
 * frozen tree fails over to the new shard, and the rotation watch tells the rest. --grace does
 * not apply: a frozen shard takes no entry, so there is nothing to be valid for.
 *
 * `sealhouse rotate tsa|ca [--grace DURATION]`: the old authority stays in trusted_root.json with
 * its validFor closed, so what it signed still verifies. With the generated default the new one
 * is made beside the old (a new TSA; for the CA a new intermediate under the same root) and the
 * old directory is kept as <name>.retired-<epoch>; with SEALHOUSE_TSA_* / SEALHOUSE_CA_*, the
 * files configured now are the new authority. Running servers switch to it at their next
 * rotation poll, once its files are in place there (storage/authority-follower.ts); the old
 * authority stays valid for --grace (default 10m), so a server that has not switched yet signs
 * validly.
 *
 * On the embedded database, whose store a running server holds, the rotation is handed to that
 * server through its control socket (control-socket.ts) and runs there.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signIntermediate } from '../../ca/ca-chain.js';
import { loadCaFiles, loadOrCreateCa, parsePrivateKey, writeCaDirectory } from '../../ca/ca-keys.js';
import { rootIssuer } from '../../ca/root-issuer.js';
import { type Config, loadConfig } from '../../config.js';
import { CT_KEY_FILE, CT_KEY_USE } from '../../ct/ct-key-files.js';
import { CT_TREE } from '../../ct/ct-log.js';
import { SealhouseError } from '../../errors.js';
import { GENERATED_LOG_KEY_FILE, LOG_KEY_USE } from '../../log/log-key.js';
import { REKOR_TREE } from '../../log/log-service.js';
import { REKOR_V2_KEY_FILE, REKOR_V2_KEY_USE } from '../../rekor-v2/rekor-v2-keys.js';
import { REKOR_V2_TREE } from '../../rekor-v2/rekor-v2-log.js';
import { rekorV2ShardAddress, shardPath } from '../../core/shard-paths.js';
import { migrate } from '../../storage/migrate.js';
import { rotateWhenSecondFree } from '../../storage/rotation-second.js';
import { claimEmbeddedStore, embeddedStoreHolder } from '../../storage/embedded-store-lock.js';
import { openSql } from '../../storage/open-sql.js';
import { rotateAuthority } from '../../storage/authority-epochs.js';
import type { Sql } from '../../storage/sql.js';
import type { LogShard } from '../../storage/log-shards.js';
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { baseUrlOf } from '../../trust/trust-documents.js';
import { type Command, UsageError } from '../command.js';
import { type ControlAnswer, callControlSocket, hasControlSocket } from '../control-socket.js';
import { rotateLogKey, type RotatedShards, type ShardedLogKey } from './rotate-log-key.js';

const USAGE = `usage: sealhouse rotate log|ct
       sealhouse rotate rekor-v2 [--url https://HOST[:PORT]]
       sealhouse rotate tsa|ca [--grace DURATION]

log, rekor-v2, ct: freezes that log's shard in use (still served, still verifiable with its old
  key, which stays in trusted_root.json with a closed validFor) and starts a new one with a new
  key, which takes every entry from now on.
  generated: a new <dataDir>/log-key.pem, rekor-v2-key.pem or ct-key.pem; the old kept as
      <name>.retired-<N>.pem
  configured (SEALHOUSE_LOG_KEY, _REKOR_V2_KEY, _CT_KEY): put the new key in that file first,
      on every server machine
  Rekor v1 indexes go on across shards; shard N of the CT log is served at
  <SEALHOUSE_CT_PREFIX>/shards/N/ct/v1, of Rekor v2 at <url>/shards/N with the log's origin — or,
  with --url, at the root of that host (point its DNS and TLS at this server), whose host name is
  the new log's origin, as rekor-tiles starts each new log on a new host.

tsa, ca: puts a new timestamp authority or issuing CA into use; the old one stays in
trusted_root.json, valid until now + DURATION (default 10m; e.g. 0s, 90s, 30m, 2h), so what it
signed keeps verifying.
  generated (no SEALHOUSE_TSA_CHAIN / SEALHOUSE_CA_CHAIN): a new TSA, or a new intermediate under
      the same root, in <dataDir>/tsa or <dataDir>/ca; the old directory is kept as <name>.retired-<epoch>
  configured: point SEALHOUSE_TSA_CHAIN/KEY or SEALHOUSE_CA_CHAIN/KEY at the new files first
      (a new intermediate from an offline root: sealhouse ca intermediate-key, sign-intermediate)

Running servers switch without a restart: on Postgres at their next rotation poll
(SEALHOUSE_ROTATION_POLL_MS) once the new files are in place on their machine; on the embedded
database the server runs the rotation itself (this command hands it over through
<dataDir>/control.sock).`;

function duration(text: string): number {
  const m = /^(\d{1,6})(s|m|h)$/.exec(text);
  if (!m) throw new UsageError(`--grace must be a duration such as 0s, 90s, 30m or 2h, got "${text}"`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

/** The new authority's chain, and for a generated one the directory it was made in. */
interface NewAuthority {
  readonly chain: readonly Buffer[];
  readonly madeIn?: string;
}

async function newTsa(config: Config, nextDir: string): Promise<NewAuthority> {
  if (config.tsaChainPath && config.tsaKeyPath) {
    return { chain: (await loadTsaFiles({ chain: config.tsaChainPath, key: config.tsaKeyPath, passphrase: config.tsaKeyPassphrase })).chain };
  }
  return { chain: (await loadOrCreateTsa(nextDir)).chain, madeIn: nextDir };
}

/** A new P-384 intermediate under the generated root in <dataDir>/ca, laid out as loadOrCreateCa reads it. */
async function newCa(config: Config, currentDir: string, nextDir: string): Promise<NewAuthority> {
  if (config.caChainPath && config.caKeyPath) {
    return { chain: (await loadCaFiles({ chain: config.caChainPath, key: config.caKeyPath, ...(config.caKeyPassphrase ? { passphrase: config.caKeyPassphrase } : {}) })).chain };
  }
  const rootKey = parsePrivateKey(readFileSync(join(currentDir, 'root-key.pem'), 'utf8'), undefined, 'the CA root key');
  const root = rootIssuer(readFileSync(join(currentDir, 'root.pem'), 'utf8'), rootKey);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const intermediate = signIntermediate(root, publicKey.export({ type: 'spki', format: 'der' }));
  await writeCaDirectory(nextDir, { rootKey, root: root.certificate, intermediateKey: privateKey, intermediate });
  // Loaded back exactly as the server will load it, so a chain the server would refuse is never put into use.
  return { chain: (await loadOrCreateCa(nextDir)).chain, madeIn: nextDir };
}

type ShardedKind = 'log' | 'rekor-v2' | 'ct';
type Kind = ShardedKind | 'tsa' | 'ca';
const KINDS: readonly Kind[] = ['log', 'rekor-v2', 'ct', 'tsa', 'ca'];

/** The logs that rotate by starting a new shard, by the name `sealhouse rotate` takes. */
function shardedLog(kind: ShardedKind, config: Config): ShardedLogKey & { readonly what: string } {
  if (kind === 'log') return { logName: REKOR_TREE, what: 'the Rekor v1 log', configuredPath: config.logKeyPath, fileName: GENERATED_LOG_KEY_FILE, use: LOG_KEY_USE };
  if (kind === 'ct') return { logName: CT_TREE, what: 'the CT log', configuredPath: config.ctKeyPath, fileName: CT_KEY_FILE, use: CT_KEY_USE };
  if (!config.rekorV2) throw new SealhouseError('invalid_input', 'the Rekor v2 log is off (SEALHOUSE_REKOR_V2=0): there is no key of it to rotate');
  return { logName: REKOR_V2_TREE, what: 'the Rekor v2 log', configuredPath: config.rekorV2KeyPath, fileName: REKOR_V2_KEY_FILE, use: REKOR_V2_KEY_USE };
}

/** Where a log's shard is served, for the message. */
function shardUrl(config: Config, kind: ShardedKind, shard: LogShard): string {
  const base = baseUrlOf(config.publicUrl);
  const { ordinal } = shard;
  if (kind === 'rekor-v2') {
    const address = rekorV2ShardAddress({ baseUrl: base, origin: config.rekorV2Origin }, shard);
    return `${address.baseUrl} (origin ${address.origin})`;
  }
  if (kind === 'ct') return `${base}${config.ctPrefix}${shardPath(ordinal)}/ct/v1`;
  return `${base}/api/v1 (tiles at ${base}/tlog/v1${shardPath(ordinal)})`;
}

function describeShards(config: Config, kind: ShardedKind, what: string, { started, frozen }: RotatedShards): string {
  return (
    `${what}: shard ${started.ordinal} (tree ${started.treeId}) takes entries at ${shardUrl(config, kind, started)} from ${started.activeFrom.toISOString()}` +
    (frozen ? `; shard ${frozen.ordinal} (tree ${frozen.treeId}) is frozen at ${frozen.frozenSize ?? '?'} entries and stays readable and verifiable with its old key` : '') +
    '.'
  );
}

/** `rotate tsa|ca`: a new authority (generated, or the configured files') put into use, the old one valid for the grace. */
async function rotateAuthorityKind(config: Config, sql: Sql, kind: 'tsa' | 'ca', graceMs: number): Promise<string> {
  const generatedDir = join(config.dataDir, kind);
  const nextDir = join(config.dataDir, `${kind}.next`);
  let rotated = false;
  try {
    // A <kind>.next left by an interrupted rotation was never put into use: start it afresh.
    rmSync(nextDir, { recursive: true, force: true });
    const made = kind === 'tsa' ? await newTsa(config, nextDir) : await newCa(config, generatedDir, nextDir);
    const epochs = await rotateWhenSecondFree((at) => rotateAuthority(sql, kind, made.chain, at, new Date(at.getTime() + graceMs)));
    rotated = true;
    const retired = epochs[epochs.length - 2];
    if (made.madeIn) {
      // The database now names the new authority; the directory follows. Interrupted here, a
      // start refuses the old one by name, and moving <kind>.next to <kind> finishes the rotation.
      if (retired && existsSync(generatedDir)) renameSync(generatedDir, join(config.dataDir, `${kind}.retired-${retired.epoch}`));
      renameSync(made.madeIn, generatedDir);
    }
    const inUse = epochs[epochs.length - 1];
    return (
      `${kind === 'tsa' ? 'timestamp authority' : 'CA'} epoch ${inUse?.epoch ?? '?'} is in use from ${inUse?.validFrom.toISOString() ?? '?'}` +
      (retired ? `; epoch ${retired.epoch} stays valid until ${retired.validUntil?.toISOString() ?? '?'}` : '') +
      '.'
    );
  } finally {
    // Made but never put into use (the database refused it): nothing may start from it.
    if (!rotated) rmSync(nextDir, { recursive: true, force: true });
  }
}

interface Rotation {
  readonly kind: Kind;
  readonly graceMs: number;
  /** rekor-v2 --url: the new shard's own base URL (a host name of its own, and so a new origin). */
  readonly url?: string;
}

/** `--url` as a shard base URL: http(s), a host name and maybe a port, no path, query or credentials. */
function shardBaseUrl(text: string, config: Config): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as https://log2.sigstore.example, got "${text}"`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new UsageError(`--url must be http(s)://host[:port] with nothing after it (the shard is served at its root, as rekor-tiles serves a log), got "${text}"`);
  }
  if (url.hostname === config.publicUrl.hostname) {
    throw new UsageError(`--url must name a host other than SEALHOUSE_URL's (${config.publicUrl.hostname}): the host name is the new log's origin; without --url the shard is served under SEALHOUSE_URL at /shards/N`);
  }
  return url.href.replace(/\/+$/, '');
}

function parseRotation(args: readonly string[]): Rotation {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { grace: { type: 'string' }, url: { type: 'string' } } });
  const [kind, ...rest] = positionals;
  if (!KINDS.includes(kind as Kind)) throw new UsageError(`expected one of ${KINDS.join(', ')}, got "${kind ?? ''}"`);
  if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
  if (values.grace !== undefined && kind !== 'tsa' && kind !== 'ca') {
    throw new UsageError('--grace is for the TSA and the CA: a log shard is frozen at once, and every process moves its next batch to the new one');
  }
  if (values.url !== undefined && kind !== 'rekor-v2') throw new UsageError('--url is for rekor-v2: a new Rekor v2 log may get a host name of its own, as rekor-tiles gives each');
  return { kind: kind as Kind, graceMs: duration(values.grace ?? '10m'), ...(values.url !== undefined ? { url: values.url } : {}) };
}

/** Carry out a rotation on `sql` (the CLI's connection, or the server's own); returns what to tell the operator. */
async function rotate(config: Config, sql: Sql, { kind, graceMs, url }: Rotation): Promise<string> {
  if (kind === 'tsa' || kind === 'ca') return rotateAuthorityKind(config, sql, kind, graceMs);
  const log = { ...shardedLog(kind, config), ...(url !== undefined ? { baseUrl: shardBaseUrl(url, config) } : {}) };
  return describeShards(config, kind, log.what, await rotateLogKey(config, sql, log));
}

const TUF_NEXT = 'A TUF repository needs the new documents signed (`sealhouse tuf update`).';

/**
 * `rotate` run by the server that holds the embedded database, for the CLI (control-socket.ts):
 * on its own connection, then `applied()` (the server's rotation watch looks at once), so the
 * server has switched by the time the CLI prints the answer.
 */
export async function rotateInServer(args: readonly string[], config: Config, sql: Sql, applied: () => Promise<void>): Promise<ControlAnswer> {
  let rotation: Rotation;
  try {
    rotation = parseRotation(args);
  } catch (err) {
    return { status: 2, stdout: '', stderr: `sealhouse rotate: ${(err as Error).message}\n` };
  }
  const done = await rotate(config, sql, rotation);
  await applied();
  return { status: 0, stdout: `${done}\nThe running server has switched already. ${TUF_NEXT}\n`, stderr: '' };
}

export const rotateCommand: Command = {
  name: 'rotate',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const rotation = parseRotation(args);
    const config = loadConfig();
    // The embedded store is the server's while it runs: hand the rotation to it.
    if (!config.databaseUrl && embeddedStoreHolder(config) !== undefined && hasControlSocket(config.dataDir)) {
      const answer = await callControlSocket(config.dataDir, 'rotate', args);
      process.stdout.write(answer.stdout);
      process.stderr.write(answer.stderr);
      return answer.status;
    }
    const releaseStore = claimEmbeddedStore(config);
    const sql = await openSql(config);
    try {
      await migrate(sql);
      const done = await rotate(config, sql, rotation);
      const servers = config.databaseUrl
        ? 'Running servers switch within SEALHOUSE_ROTATION_POLL_MS of the new files being in place on their machine, without a restart.'
        : 'Start the server again now.';
      process.stdout.write(`${done}\n${servers} ${TUF_NEXT}\n`);
      return 0;
    } finally {
      await sql.close();
      releaseStore();
    }
  },
};
