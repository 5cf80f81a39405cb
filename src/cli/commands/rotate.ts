/**
 * `sealhouse rotate log|rekor-v2`: a new shard of the Rekor v1 or v2 log with a new key
 * (rotate-log-key.ts); running processes move to it themselves.
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
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
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
import type { Sql } from '../../storage/sql.js';
import { GENERATED_LOG_KEY_FILE, LOG_KEY_USE } from '../../log/log-key.js';
import { REKOR_TREE } from '../../log/log-service.js';
import { REKOR_V2_KEY_FILE, REKOR_V2_KEY_USE } from '../../rekor-v2/rekor-v2-keys.js';
import { REKOR_V2_TREE } from '../../rekor-v2/rekor-v2-log.js';
import { rekorV2ShardOrigin, shardPath } from '../../core/shard-paths.js';
import { baseUrlOf } from '../../trust/trust-documents.js';
import { SealhouseError } from '../../errors.js';
import { rotateLogKey, type RotatedShards, type ShardedLogKey } from './rotate-log-key.js';
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse rotate log|rekor-v2
       sealhouse rotate tsa|ca [--grace DURATION]

log: freezes the Rekor v1 log's shard in use and starts a new one with a new key (generated:
  <dataDir>/log-key.pem, the old kept as log-key.retired-<N>.pem; configured: point
  SEALHOUSE_LOG_KEY's file at the new key first). Log indexes go on across shards; the frozen
  one stays readable and verifiable, and its key stays in trusted_root.json with a closed validFor.
rekor-v2: the same for the Rekor v2 log (rekor-v2-key.pem, SEALHOUSE_REKOR_V2_KEY); shard N is
  served at <url>/shards/N, and writes to any v2 URL go to the shard in use.

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

/** The logs that rotate by starting a new shard, by the name `sealhouse rotate` takes. */
function shardedLog(kind: 'log' | 'rekor-v2', config: Config): ShardedLogKey & { readonly what: string } {
  if (kind === 'log') return { logName: REKOR_TREE, what: 'the Rekor v1 log', configuredPath: config.logKeyPath, fileName: GENERATED_LOG_KEY_FILE, use: LOG_KEY_USE };
  if (!config.rekorV2) throw new SealhouseError('invalid_input', 'the Rekor v2 log is off (SEALHOUSE_REKOR_V2=0): there is no key of it to rotate');
  return { logName: REKOR_V2_TREE, what: 'the Rekor v2 log', configuredPath: config.rekorV2KeyPath, fileName: REKOR_V2_KEY_FILE, use: REKOR_V2_KEY_USE };
}

/** What `rotate log|rekor-v2` prints: which shard takes entries now, where, and that the frozen one stays served. */
function describeRotation(config: Config, kind: 'log' | 'rekor-v2', what: string, { started, frozen }: RotatedShards): string {
  const base = baseUrlOf(config.publicUrl);
  const where = kind === 'rekor-v2' ? ` at ${base}${shardPath(started.ordinal)} (origin ${rekorV2ShardOrigin(config.rekorV2Origin, started.ordinal)})` : '';
  return (
    `${what}: shard ${started.ordinal} (tree ${started.treeId}) takes entries${where} from ${started.activeFrom.toISOString()}` +
    (frozen ? `; shard ${frozen.ordinal} (tree ${frozen.treeId}) is frozen at ${frozen.frozenSize ?? '?'} entries and stays readable and verifiable with its old key` : '') +
    '.\nRunning server processes move to the new shard by themselves (within SEALHOUSE_ROTATION_POLL_MS, or at their next entry); a TUF repository needs the new documents signed (`sealhouse tuf update`).\n'
  );
}

export const rotateCommand: Command = {
  name: 'rotate',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { grace: { type: 'string' } } });
    const [kind, ...rest] = positionals;
    if (kind !== 'tsa' && kind !== 'ca' && kind !== 'log' && kind !== 'rekor-v2') throw new UsageError(`expected "log", "rekor-v2", "tsa" or "ca", got "${kind ?? ''}"`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const graceMs = duration(values.grace ?? '10m');
    const config = loadConfig();
    if (kind === 'log' || kind === 'rekor-v2') {
      if (values.grace !== undefined) throw new UsageError('--grace is for the TSA and the CA: a log shard is frozen at once, and every process moves its next batch to the new one');
      const log = shardedLog(kind, config);
      return withStore(config, async (sql) => {
        process.stdout.write(describeRotation(config, kind, log.what, await rotateLogKey(config, sql, log)));
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
