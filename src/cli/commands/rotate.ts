/**
 * `sealhouse rotate log`: a new shard of the Rekor v1 log with a new key (rotateLogKey below);
 * running processes move to it themselves.
 *
 * `sealhouse rotate tsa|ca [--grace DURATION]`: puts a new timestamp authority, or a new issuing
 * CA, into use while the old one stays in trusted_root.json with its validFor closed, so what it
 * signed still verifies. With the generated default the new one is made beside the old (a new
 * TSA; for the CA a new intermediate under the same root) and the old directory is kept as
 * <name>.retired-<epoch>; with SEALHOUSE_TSA_* / SEALHOUSE_CA_*, the files configured now are
 * the new authority. Then restart every server process (the trust documents are built at start);
 * the old authority stays valid for --grace (default 10m) so the ones not yet restarted keep
 * signing validly.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signIntermediate } from '../../ca/ca-chain.js';
import { loadCaFiles, loadOrCreateCa, parsePrivateKey, writeCaDirectory } from '../../ca/ca-keys.js';
import { rootIssuer } from '../../ca/root-issuer.js';
import { type Config, loadConfig } from '../../config.js';
import { migrate } from '../../storage/migrate.js';
import { claimEmbeddedStore } from '../../storage/embedded-store-lock.js';
import { openSql } from '../../storage/open-sql.js';
import { rotateAuthority } from '../../storage/authority-epochs.js';
import { rotateShard } from '../../storage/log-shards.js';
import type { Sql } from '../../storage/sql.js';
import { type EcKeyUse, loadEcKey, loadOrCreateEcKey } from '../../key-file.js';
import { GENERATED_LOG_KEY_FILE, LOG_KEY_USE } from '../../log/log-key.js';
import { REKOR_TREE } from '../../log/log-service.js';
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse rotate log
       sealhouse rotate tsa|ca [--grace DURATION]

log: freezes the Rekor v1 log's shard in use and starts a new one with a new key (generated:
  <dataDir>/log-key.pem, the old kept as log-key.retired-<N>.pem; configured: point
  SEALHOUSE_LOG_KEY's file at the new key first). Log indexes go on across shards; the frozen
  one stays readable and verifiable, and its key stays in trusted_root.json with a closed validFor.

tsa|ca: puts a new timestamp authority or issuing CA into use; the old one stays in
trusted_root.json, valid until now + DURATION (default 10m; e.g. 0s, 90s, 30m, 2h), so what it
signed keeps verifying.
  generated (no SEALHOUSE_TSA_CHAIN / SEALHOUSE_CA_CHAIN): a new TSA, or a new intermediate under
      the same root, in <dataDir>/tsa or <dataDir>/ca; the old directory is kept as <name>.retired-<epoch>
  configured: point SEALHOUSE_TSA_CHAIN/KEY or SEALHOUSE_CA_CHAIN/KEY at the new files first
      (a new intermediate from an offline root: sealhouse ca intermediate-key, sign-intermediate)
Then restart the server processes. On the embedded database, stop the server first.`;

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

/** Run `work` on the configured database, migrated; released afterwards whatever happens. */
async function withStore<T>(config: Config, work: (sql: Sql) => Promise<T>): Promise<T> {
  const releaseStore = claimEmbeddedStore(config);
  const sql = await openSql(config);
  try {
    await migrate(sql);
    return await work(sql);
  } finally {
    await sql.close();
    releaseStore();
  }
}

/** A log whose key rotates by starting a new shard. */
interface ShardedLog {
  /** log_shards.log_name. */
  readonly logName: string;
  /** In the CLI's words: "the Rekor v1 log". */
  readonly what: string;
  /** The configured key file (SEALHOUSE_…_KEY), or undefined for the generated one. */
  readonly configuredPath: string | undefined;
  /** The generated key's file name in the data directory. */
  readonly fileName: string;
  readonly use: EcKeyUse;
}

/**
 * Start a new shard of `log` with a new key. Generated: the new key is written as
 * <name>.next.pem, the shard is recorded, then the old file is kept as <name>.retired-<N>.pem
 * (a hard link, so the key file name never goes missing) and the new one renamed over it —
 * atomically, so a running process that re-reads the key meets the old key or the new one,
 * never none. Configured: the file configured now is the new key.
 */
async function rotateLogKey(config: Config, sql: Sql, log: ShardedLog): Promise<string> {
  const current = join(config.dataDir, log.fileName);
  const nextName = log.fileName.replace(/\.pem$/, '.next.pem');
  const next = join(config.dataDir, nextName);
  // A .next key left by an interrupted rotation was never put into use: start afresh.
  if (!log.configuredPath) rmSync(next, { force: true });
  const key = log.configuredPath ? loadEcKey(log.configuredPath, log.use) : loadOrCreateEcKey({ ...log.use, dataDir: config.dataDir, fileName: nextName });
  let shards;
  try {
    shards = await rotateShard(sql, log.logName, key.publicKey.export({ type: 'spki', format: 'der' }), new Date());
  } catch (err) {
    if (!log.configuredPath) rmSync(next, { force: true });
    throw err;
  }
  const [frozen, started] = shards.slice(-2);
  if (!log.configuredPath) {
    const retired = join(config.dataDir, log.fileName.replace(/\.pem$/, `.retired-${frozen?.ordinal ?? 0}.pem`));
    if (existsSync(current) && !existsSync(retired)) linkSync(current, retired);
    renameSync(next, current);
  }
  return (
    `${log.what}: shard ${started?.ordinal ?? '?'} (tree ${started?.treeId ?? '?'}) takes entries from ${started?.activeFrom.toISOString() ?? '?'}; ` +
    `shard ${frozen?.ordinal ?? '?'} (tree ${frozen?.treeId ?? '?'}) is frozen at ${frozen?.frozenSize ?? '?'} entries and stays readable and verifiable with its old key.`
  );
}

export const rotateCommand: Command = {
  name: 'rotate',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { grace: { type: 'string' } } });
    const [kind, ...rest] = positionals;
    if (kind !== 'tsa' && kind !== 'ca' && kind !== 'log') throw new UsageError(`expected "log", "tsa" or "ca", got "${kind ?? ''}"`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const graceMs = duration(values.grace ?? '10m');
    const config = loadConfig();
    if (kind === 'log') {
      if (values.grace !== undefined) throw new UsageError('--grace is for the TSA and the CA: a log shard is frozen at once, and every process moves its next batch to the new one');
      return withStore(config, async (sql) => {
        process.stdout.write(
          `${await rotateLogKey(config, sql, { logName: REKOR_TREE, what: 'the Rekor v1 log', configuredPath: config.logKeyPath, fileName: GENERATED_LOG_KEY_FILE, use: LOG_KEY_USE })}\n` +
            'Running server processes move to the new shard by themselves (within SEALHOUSE_ROTATION_POLL_MS, or at their next entry); a TUF repository needs the new documents signed (`sealhouse tuf update`).\n',
        );
        return 0;
      });
    }
    const generatedDir = join(config.dataDir, kind);
    const nextDir = join(config.dataDir, `${kind}.next`);
    const releaseStore = claimEmbeddedStore(config);
    const sql = await openSql(config);
    let rotated = false;
    try {
      await migrate(sql);
      // A <kind>.next left by an interrupted rotation was never put into use: start it afresh.
      rmSync(nextDir, { recursive: true, force: true });
      const made = kind === 'tsa' ? await newTsa(config, nextDir) : await newCa(config, generatedDir, nextDir);
      const now = new Date();
      const epochs = await rotateAuthority(sql, kind, made.chain, now, new Date(now.getTime() + graceMs));
      rotated = true;
      const retired = epochs[epochs.length - 2];
      if (made.madeIn) {
        // The database now names the new authority; the directory follows. Interrupted here, a
        // start refuses the old one by name, and moving <kind>.next to <kind> finishes the rotation.
        if (retired && existsSync(generatedDir)) renameSync(generatedDir, join(config.dataDir, `${kind}.retired-${retired.epoch}`));
        renameSync(made.madeIn, generatedDir);
      }
      const inUse = epochs[epochs.length - 1];
      const what = kind === 'tsa' ? 'timestamp authority' : 'CA';
      process.stdout.write(
        `${what} epoch ${inUse?.epoch ?? '?'} is in use from ${inUse?.validFrom.toISOString() ?? '?'}` +
          (retired ? `; epoch ${retired.epoch} stays valid until ${retired.validUntil?.toISOString() ?? '?'}` : '') +
          '. Restart the server processes now; a TUF repository needs the new documents signed (`sealhouse tuf update`).\n',
      );
      return 0;
    } finally {
      // Made but never put into use (the database refused it): nothing may start from it.
      if (!rotated) rmSync(nextDir, { recursive: true, force: true });
      await sql.close();
      releaseStore();
    }
  },
};
