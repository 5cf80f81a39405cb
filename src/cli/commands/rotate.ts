/**
 * `sealhouse rotate rekor-v2`: freezes the Rekor v2 log's shard in use and starts the next one
 * with a new Ed25519 key and origin (rotate-rekor-v2.ts); running servers switch without a restart.
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
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { type Command, UsageError } from '../command.js';
import { rotateRekorV2 } from './rotate-rekor-v2.js';

const USAGE = `usage: sealhouse rotate tsa|ca [--grace DURATION]
       sealhouse rotate rekor-v2

Puts a new timestamp authority (tsa) or issuing CA (ca) into use; the old one stays in
trusted_root.json, valid until now + DURATION (default 10m; e.g. 0s, 90s, 30m, 2h), so what it
signed keeps verifying.
  generated (no SEALHOUSE_TSA_CHAIN / SEALHOUSE_CA_CHAIN): a new TSA, or a new intermediate under
      the same root, in <dataDir>/tsa or <dataDir>/ca; the old directory is kept as <name>.retired-<epoch>
  configured: point SEALHOUSE_TSA_CHAIN/KEY or SEALHOUSE_CA_CHAIN/KEY at the new files first
      (a new intermediate from an offline root: sealhouse ca intermediate-key, sign-intermediate)
Then restart the server processes. On the embedded database, stop the server first.

rekor-v2 freezes the Rekor v2 log's shard in use (it stays served and verifiable) and starts
shard N+1 with a new key, origin "<origin>/shards/N+1", served at <url>/shards/N+1:
  generated (no SEALHOUSE_REKOR_V2_KEY): a new key replaces <dataDir>/rekor-v2-key.pem; the old
      one is kept as rekor-v2-key.retired-N.pem
  configured: put the new key in the SEALHOUSE_REKOR_V2_KEY file first
Running servers on Postgres switch on their own (SEALHOUSE_ROTATION_POLL_MS) — no restart.`;

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
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    if (kind === 'rekor-v2') {
      if (values.grace !== undefined) throw new UsageError('--grace is for tsa and ca: a frozen Rekor v2 shard stays valid for what it logged, and nothing is signed with its key again');
      return rotateRekorV2(loadConfig());
    }
    if (kind !== 'tsa' && kind !== 'ca') throw new UsageError(`expected "tsa", "ca" or "rekor-v2", got "${kind ?? ''}"`);
    const graceMs = duration(values.grace ?? '10m');
    const config = loadConfig();
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
