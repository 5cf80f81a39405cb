/**
 * `sealhouse rotate tsa [--grace DURATION]`: puts a new timestamp authority into use while the
 * old one stays in trusted_root.json with its validFor closed, so every timestamp it made still
 * verifies. With the generated default, the new TSA is generated beside the old one and the old
 * directory is kept as tsa.retired-<epoch>; with SEALHOUSE_TSA_CHAIN/KEY, the files configured
 * now are the new authority. Then restart every server process (the trust documents are built
 * at start); the old authority stays valid for --grace (default 10m) so the ones not yet
 * restarted keep making timestamps that verify.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { migrate } from '../../storage/migrate.js';
import { claimEmbeddedStore } from '../../storage/embedded-store-lock.js';
import { openSql } from '../../storage/open-sql.js';
import { rotateAuthority } from '../../storage/authority-epochs.js';
import { loadOrCreateTsa, loadTsaFiles } from '../../tsa/tsa-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse rotate tsa [--grace DURATION]

Puts a new timestamp authority into use; the old one stays in trusted_root.json, valid until now
+ DURATION (default 10m; e.g. 0s, 90s, 30m, 2h), so what it signed keeps verifying.
  generated TSA (no SEALHOUSE_TSA_CHAIN): a new one is generated into <dataDir>/tsa and the old
                                           directory is kept as <dataDir>/tsa.retired-<epoch>
  SEALHOUSE_TSA_CHAIN/KEY:                 point them at the new chain and key first
Then restart the server processes. On the embedded database, stop the server first.`;

function duration(text: string): number {
  const m = /^(\d{1,6})(s|m|h)$/.exec(text);
  if (!m) throw new UsageError(`--grace must be a duration such as 0s, 90s, 30m or 2h, got "${text}"`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

export const rotateCommand: Command = {
  name: 'rotate',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { grace: { type: 'string' } } });
    const [what, ...rest] = positionals;
    if (what !== 'tsa') throw new UsageError(`expected "tsa", got "${what ?? ''}" (the other keys do not rotate yet)`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const graceMs = duration(values.grace ?? '10m');
    const config = loadConfig();
    const generatedDir = join(config.dataDir, 'tsa');
    const nextDir = join(config.dataDir, 'tsa.next');
    const releaseStore = claimEmbeddedStore(config);
    const sql = await openSql(config);
    try {
      await migrate(sql);
      let tsa;
      if (config.tsaChainPath && config.tsaKeyPath) {
        tsa = await loadTsaFiles({ chain: config.tsaChainPath, key: config.tsaKeyPath, passphrase: config.tsaKeyPassphrase });
      } else {
        // A tsa.next left by an interrupted rotation was never put into use: start it afresh.
        rmSync(nextDir, { recursive: true, force: true });
        tsa = await loadOrCreateTsa(nextDir);
      }
      const now = new Date();
      const epochs = await rotateAuthority(sql, 'tsa', tsa.chain, now, new Date(now.getTime() + graceMs));
      const retired = epochs[epochs.length - 2];
      if (!config.tsaChainPath) {
        // The database now names the new TSA; the directory follows. Interrupted here, a start
        // refuses the old one by name, and moving tsa.next to tsa finishes the rotation.
        if (retired && existsSync(generatedDir)) renameSync(generatedDir, join(config.dataDir, `tsa.retired-${retired.epoch}`));
        renameSync(nextDir, generatedDir);
      }
      const inUse = epochs[epochs.length - 1];
      process.stdout.write(
        `timestamp authority epoch ${inUse?.epoch ?? '?'} is in use from ${now.toISOString()}` +
          (retired ? `; epoch ${retired.epoch} stays valid until ${retired.validUntil?.toISOString() ?? '?'}` : '') +
          '. Restart the server processes now; a TUF repository needs the new documents signed (`sealhouse tuf update`).\n',
      );
      return 0;
    } finally {
      await sql.close();
      releaseStore();
    }
  },
};
