/**
 * `sealhouse rotate rekor-v2`: a new Rekor v2 log with a new origin, the old one frozen, as
 * rekor-tiles rotates. In one transaction (storage/log-shards.ts rotateShard) the shard in use
 * is frozen at its size under its head lock and shard N+1 starts, bound to the new key; every
 * server process then writes there (rekor-v2-log.ts follows), and the frozen shard is served
 * read-only under its own URL and origin forever.
 *
 * The new key: with SEALHOUSE_REKOR_V2_KEY, the file there (the operator put the new key in
 * place first; a running server reads it when it switches). Generated: a new key is written to
 * rekor-v2-key.next.pem (atomically), the shard recorded, the old file copied to
 * rekor-v2-key.retired-<N>.pem and the new one renamed over rekor-v2-key.pem, so that file
 * always exists and always holds a key some shard is bound to. An interrupted run is finished by
 * the next: a next file already bound to the active shard is moved into place, not replaced.
 */
import { type KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, constants, copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { SealhouseError } from '../../errors.js';
import { loadEcKey } from '../../key-file.js';
import { REKOR_V2_TREE } from '../../rekor-v2/rekor-v2-log.js';
import { REKOR_V2_KEY_FILE, REKOR_V2_KEY_USE, REKOR_V2_NEXT_KEY_FILE, rekorV2RetiredKeyFile } from '../../rekor-v2/rekor-v2-keys.js';
import { claimEmbeddedStore } from '../../storage/embedded-store-lock.js';
import { type LogShard, activeShardOf, logShards, rotateShard } from '../../storage/log-shards.js';
import { migrate } from '../../storage/migrate.js';
import { openSql } from '../../storage/open-sql.js';
import { rekorV2ShardOrigin, shardPath } from '../../storage/shard-paths.js';
import type { Sql } from '../../storage/sql.js';

const spkiOf = (key: KeyObject): Buffer => createPublicKey(key).export({ type: 'spki', format: 'der' });

/** A fresh Ed25519 key in <dataDir>/rekor-v2-key.next.pem, written under a temporary name and renamed (a server may read it any time). */
function writeNextKey(dataDir: string): KeyObject {
  const next = join(dataDir, REKOR_V2_NEXT_KEY_FILE);
  const tmp = `${next}.tmp`;
  rmSync(tmp, { force: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, next);
  return privateKey;
}

/** Generated keys after the database names the new shard: keep the old file, put the new one in its place. */
function moveGeneratedKeys(dataDir: string, retired: LogShard | undefined): void {
  const current = join(dataDir, REKOR_V2_KEY_FILE);
  if (retired && existsSync(current)) {
    const kept = join(dataDir, rekorV2RetiredKeyFile(retired.ordinal));
    if (!existsSync(kept)) {
      copyFileSync(current, kept, constants.COPYFILE_EXCL);
      chmodSync(kept, 0o600);
    }
  }
  renameSync(join(dataDir, REKOR_V2_NEXT_KEY_FILE), current);
}

async function shardsInUse(sql: Sql): Promise<{ shards: LogShard[]; active: LogShard }> {
  const shards = await logShards(sql, REKOR_V2_TREE);
  const active = activeShardOf(shards);
  if (!active?.publicKey) throw new SealhouseError('invalid_input', 'the Rekor v2 log has not been started yet: start the server once, then rotate its key');
  return { shards, active };
}

export async function rotateRekorV2(config: Config): Promise<number> {
  if (!config.rekorV2) throw new SealhouseError('invalid_input', 'the Rekor v2 log is off (SEALHOUSE_REKOR_V2=0): there is no key of it to rotate');
  const releaseStore = claimEmbeddedStore(config);
  const sql = await openSql(config);
  try {
    await migrate(sql);
    const before = await shardsInUse(sql);
    const nextFile = join(config.dataDir, REKOR_V2_NEXT_KEY_FILE);
    let shards: LogShard[];
    if (!config.rekorV2KeyPath && existsSync(nextFile) && loadEcKey(nextFile, REKOR_V2_KEY_USE).publicKey.export({ type: 'spki', format: 'der' }).equals(before.active.publicKey ?? Buffer.alloc(0))) {
      // An earlier run recorded the shard but stopped before moving the key file: finish it.
      shards = before.shards;
    } else {
      const key = config.rekorV2KeyPath ? loadEcKey(config.rekorV2KeyPath, REKOR_V2_KEY_USE).privateKey : writeNextKey(config.dataDir);
      try {
        shards = await rotateShard(sql, REKOR_V2_TREE, spkiOf(key), new Date());
      } catch (err) {
        // Never put into use: nothing may start from it.
        if (!config.rekorV2KeyPath) rmSync(nextFile, { force: true });
        if (config.rekorV2KeyPath && err instanceof SealhouseError && /already signed shard/.test(err.message)) {
          throw new SealhouseError('invalid_input', `${err.message} (put the new key into ${config.rekorV2KeyPath} first)`, { cause: err });
        }
        throw err;
      }
    }
    const active = activeShardOf(shards);
    const retired = shards.find((s) => s.ordinal === (active?.ordinal ?? 0) - 1);
    if (!config.rekorV2KeyPath) moveGeneratedKeys(config.dataDir, retired);
    const base = config.publicUrl.href.replace(/\/+$/, '');
    process.stdout.write(
      `Rekor v2 shard ${active?.ordinal ?? '?'} (tree ${active?.treeId ?? '?'}, origin ${rekorV2ShardOrigin(config.rekorV2Origin, active?.ordinal ?? 1)}) takes entries at ` +
        `${base}${shardPath(active?.ordinal ?? 1)} from ${active?.activeFrom.toISOString() ?? '?'}` +
        (retired ? `; shard ${retired.ordinal} (tree ${retired.treeId}) is frozen at size ${retired.frozenSize ?? '?'} and stays served at ${base}${shardPath(retired.ordinal)}` : '') +
        '.\nRunning servers switch to it by themselves; a TUF repository needs the new documents signed (`sealhouse tuf update`).\n',
    );
    return 0;
  } finally {
    await sql.close();
    releaseStore();
  }
}
