/**
 * `sealhouse rotate tsa|ca|ct [--grace DURATION]`: puts a new timestamp authority, a new issuing
 * CA, or a new CT log key into use while the old one stays verifiable.
 *
 * tsa / ca: the old authority stays in trusted_root.json with its validFor closed, so what it
 * signed still verifies. With the generated default the new one is made beside the old (a new
 * TSA; for the CA a new intermediate under the same root) and the old directory is kept as
 * <name>.retired-<epoch>; with SEALHOUSE_TSA_* / SEALHOUSE_CA_*, the files configured now are
 * the new authority. Running servers on the same Postgres switch to it at their next rotation
 * poll, once its files are in place there (storage/authority-follower.ts); the old authority
 * stays valid for --grace (default 10m), so a server that has not switched yet signs validly.
 *
 * ct: a new P-256 key and a new shard of the CT log (storage/log-shards.ts): the shard in use is
 * frozen and keeps serving its entries and proofs at its path, the new one takes every entry
 * from now on at `<ct prefix>/shards/N`. Generated default: the new key is written as
 * ct-key.next.pem, the shard recorded, then ct-key.pem is kept as ct-key.retired-<ordinal>.pem
 * and the new key renamed into its place; with SEALHOUSE_CT_KEY, the file there is the new key.
 * --grace does not apply: a frozen shard takes no entry, so there is nothing to be valid for.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
import { activeShardOf, logShards, rotateShard } from '../../storage/log-shards.js';
import { shardPath } from '../../storage/shard-paths.js';
import { CT_KEY_FILE, CT_NEXT_KEY_FILE, retiredCtKeyFile } from '../../ct/ct-key-files.js';
import { CT_TREE } from '../../ct/ct-log.js';
import { loadEcKey } from '../../key-file.js';
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse rotate tsa|ca|ct [--grace DURATION]

Puts a new timestamp authority (tsa), issuing CA (ca) or CT log key (ct) into use.
tsa, ca: the old one stays in trusted_root.json, valid until now + DURATION (default 10m; e.g.
0s, 90s, 30m, 2h), so what it signed keeps verifying.
  generated (no SEALHOUSE_TSA_CHAIN / SEALHOUSE_CA_CHAIN): a new TSA, or a new intermediate under
      the same root, in <dataDir>/tsa or <dataDir>/ca; the old directory is kept as <name>.retired-<epoch>
  configured: point SEALHOUSE_TSA_CHAIN/KEY or SEALHOUSE_CA_CHAIN/KEY at the new files first
      (a new intermediate from an offline root: sealhouse ca intermediate-key, sign-intermediate)
ct: the CT log's shard in use is frozen (still served, its SCTs still verify) and a new shard
  with a new P-256 key takes every entry, served under <SEALHOUSE_CT_PREFIX>/shards/N/ct/v1
  generated: a new <dataDir>/ct-key.pem; the old kept as ct-key.retired-<N>.pem
  configured: put the new key in the SEALHOUSE_CT_KEY file first (every server machine)
Servers on Postgres switch without a restart at their next rotation poll (SEALHOUSE_ROTATION_POLL_MS),
once the new files are in place on their machine. On the embedded database, stop the server
first and start it again afterwards (the store is single-process).`;

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

export const rotateCommand: Command = {
  name: 'rotate',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { grace: { type: 'string' } } });
    const [kind, ...rest] = positionals;
    if (kind !== 'tsa' && kind !== 'ca' && kind !== 'ct') throw new UsageError(`expected "tsa", "ca" or "ct", got "${kind ?? ''}" (the Rekor log keys do not rotate yet)`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const graceMs = duration(values.grace ?? '10m');
    const config = loadConfig();
    if (kind === 'ct') return rotateCt(config);
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
          `. ${afterRotation(config, made.madeIn ? `${what} files` : `configured ${what} files`)}\n`,
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

/** What the operator does next: running servers follow on Postgres; the embedded store is single-process. */
function afterRotation(config: Config, files: string): string {
  const servers = config.databaseUrl
    ? `Running servers switch within SEALHOUSE_ROTATION_POLL_MS of the ${files} being in place on their machine, without a restart`
    : 'Start the server again now';
  return `${servers}; a TUF repository needs the new documents signed (\`sealhouse tuf update\`).`;
}

/** `rotate ct`: a new key (generated, or the configured file's) and a new shard bound to it. */
async function rotateCt(config: Config): Promise<number> {
  const nextFile = join(config.dataDir, CT_NEXT_KEY_FILE);
  const releaseStore = claimEmbeddedStore(config);
  const sql = await openSql(config);
  let rotated = false;
  try {
    await migrate(sql);
    const active = activeShardOf(await logShards(sql, CT_TREE));
    if (!active) throw new UsageError('the CT log has not been started yet: start the server once, then rotate its key');
    let spki: Buffer;
    if (config.ctKeyPath) {
      spki = loadEcKey(config.ctKeyPath, { what: 'the new CT log key' }).publicKey.export({ type: 'spki', format: 'der' });
    } else {
      // A ct-key.next.pem left by an interrupted rotation was never put into use: make it afresh.
      rmSync(nextFile, { force: true });
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(nextFile, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
      spki = publicKey.export({ type: 'spki', format: 'der' });
    }
    const shards = await rotateShard(sql, CT_TREE, spki, new Date());
    rotated = true;
    if (!config.ctKeyPath) {
      // The database now names the new key; the files follow. Interrupted here, servers still
      // find the new key as ct-key.next.pem (ct/ct-key-files.ts), and the renames can be finished by hand.
      const current = join(config.dataDir, CT_KEY_FILE);
      if (existsSync(current)) renameSync(current, join(config.dataDir, retiredCtKeyFile(active.ordinal)));
      renameSync(nextFile, current);
    }
    const inUse = activeShardOf(shards);
    const frozen = shards.find((s) => s.ordinal === active.ordinal);
    process.stdout.write(
      `CT log shard ${inUse?.ordinal ?? '?'} (tree ${inUse?.treeId ?? '?'}) takes entries from ${inUse?.activeFrom.toISOString() ?? '?'} at ${config.ctPrefix}${shardPath(inUse?.ordinal ?? 2)}/ct/v1; ` +
        `shard ${active.ordinal} is frozen at size ${frozen?.frozenSize ?? '?'} and stays served at ${config.ctPrefix}${shardPath(active.ordinal)}/ct/v1. ` +
        `${afterRotation(config, config.ctKeyPath ? 'configured CT key file' : 'CT key file')}\n`,
    );
    return 0;
  } finally {
    if (!rotated && !config.ctKeyPath) rmSync(nextFile, { force: true });
    await sql.close();
    releaseStore();
  }
}
