/**
 * A log's key rotation, for `sealhouse rotate log|rekor-v2` (and every log that shards): in one
 * transaction (storage/log-shards.ts rotateShard) the shard in use is frozen at its size under
 * its head lock and shard N+1 starts, bound to the new key; every server process then writes
 * there by itself, and the frozen shard stays readable and verifiable with its old key.
 *
 * The new key: with the log's SEALHOUSE_…_KEY setting, the file there (the operator put the new
 * key in place first; a running server reads it when it switches). Generated: a new key is
 * written to <name>.next.pem (under a temporary name, then renamed: a server may read it at any
 * time), the shard recorded, the old file copied to <name>.retired-<N>.pem and the new one
 * renamed over <name>.pem — atomically, so the file a server reads always exists and always
 * holds a key some shard is bound to. An interrupted run is finished by the next: a .next key
 * already bound to the shard in use is moved into place, not replaced.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, constants, copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { SealhouseError } from '../../errors.js';
import { type EcKeyUse, loadEcKey, nextKeyFile, retiredKeyFile } from '../../key-file.js';
import { type LogShard, activeShardOf, logShards, rotateShard } from '../../storage/log-shards.js';
import { rotateWhenSecondFree } from '../../storage/rotation-second.js';
import type { Sql } from '../../storage/sql.js';

/** A log whose key rotates by starting a new shard. */
export interface ShardedLogKey {
  /** log_shards.log_name. */
  readonly logName: string;
  /** The configured key file (SEALHOUSE_…_KEY), or undefined for the generated one. */
  readonly configuredPath: string | undefined;
  /** The generated key's file name in the data directory, e.g. log-key.pem. */
  readonly fileName: string;
  /** Its type (P-256 or Ed25519) and name in messages. */
  readonly use: EcKeyUse;
  /** The new shard's own public base URL, when it gets a host name of its own (Rekor v2 `--url`). */
  readonly baseUrl?: string;
}

export interface RotatedShards {
  readonly started: LogShard;
  readonly frozen: LogShard | undefined;
}

const spkiOf = (key: { export(o: { type: 'spki'; format: 'der' }): Buffer }): Buffer => key.export({ type: 'spki', format: 'der' });

/** A fresh key of the log's type in <dataDir>/<name>.next.pem. */
function writeNextKey(dataDir: string, log: ShardedLogKey): Buffer {
  const next = join(dataDir, nextKeyFile(log.fileName));
  const tmp = `${next}.tmp`;
  rmSync(tmp, { force: true });
  const { privateKey, publicKey } = log.use.kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, next);
  return spkiOf(publicKey);
}

/** Generated keys after the database names the new shard: keep the old file, put the new one in its place. */
function moveGeneratedKeys(dataDir: string, log: ShardedLogKey, frozen: LogShard | undefined): void {
  const current = join(dataDir, log.fileName);
  if (frozen && existsSync(current)) {
    const kept = join(dataDir, retiredKeyFile(log.fileName, frozen.ordinal));
    if (!existsSync(kept)) {
      copyFileSync(current, kept, constants.COPYFILE_EXCL);
      chmodSync(kept, 0o600);
    }
  }
  renameSync(join(dataDir, nextKeyFile(log.fileName)), current);
}

export async function rotateLogKey(config: Config, sql: Sql, log: ShardedLogKey): Promise<RotatedShards> {
  const before = await logShards(sql, log.logName);
  const inUse = activeShardOf(before);
  if (!inUse?.publicKey) throw new SealhouseError('invalid_input', `${log.use.what}'s log has not been started yet: start the server once, then rotate its key`);
  const nextFile = join(config.dataDir, nextKeyFile(log.fileName));
  let shards: LogShard[];
  if (!log.configuredPath && existsSync(nextFile) && spkiOf(loadEcKey(nextFile, log.use).publicKey).equals(inUse.publicKey)) {
    // An earlier run recorded the shard but stopped before moving the key file: finish it.
    shards = before;
  } else {
    const spki = log.configuredPath ? spkiOf(loadEcKey(log.configuredPath, log.use).publicKey) : writeNextKey(config.dataDir, log);
    try {
      shards = await rotateWhenSecondFree((at) => rotateShard(sql, log.logName, spki, at, log.baseUrl));
    } catch (err) {
      // Never put into use: nothing may start from it.
      if (!log.configuredPath) rmSync(nextFile, { force: true });
      if (log.configuredPath && err instanceof SealhouseError && /already signed shard/.test(err.message)) {
        throw new SealhouseError('invalid_input', `${err.message} (put the new key into ${log.configuredPath} first)`, { cause: err });
      }
      throw err;
    }
  }
  const started = activeShardOf(shards);
  if (!started) throw new SealhouseError('internal', `${log.logName} has no shard in use after the rotation`);
  const frozen = shards.find((s) => s.ordinal === started.ordinal - 1);
  if (!log.configuredPath) moveGeneratedKeys(config.dataDir, log, frozen);
  return { started, frozen };
}
