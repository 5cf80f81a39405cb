/**
 * The shards of a log (migrations/0006_log_shards.sql): the trees a log has used, oldest
 * first, each bound to its own signing key. Exactly one takes entries; `rotateShard` freezes it
 * at its current size and starts the next with a new key, in one transaction that holds the
 * frozen tree's head lock, so no batch of any process can land in the frozen tree afterwards
 * (the append path sees trees.frozen_at under the same lock and fails over: ShardFrozenError).
 */
import { randomInt } from 'node:crypto';
import { SealhouseError, assert } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/hash.js';
import { SecondTakenError } from './rotation-second.js';
import type { Queryable, Sql } from './sql.js';
import { toBuffer, toSafeNumber } from './sql.js';

export interface LogShard {
  readonly logName: string;
  readonly ordinal: number;
  readonly treeId: number;
  /** The key the shard's tree is bound to (DER SPKI); undefined until the first process binds it. */
  readonly publicKey: Buffer | undefined;
  /** Global index of the shard's leaf 0 (the frozen shards before it, summed). */
  readonly firstIndex: number;
  readonly activeFrom: Date;
  /** Set once the shard is frozen; then `frozenSize` is its final size. */
  readonly frozenAt?: Date;
  readonly frozenSize?: number;
  /** The shard's own public base URL, when it has a host name of its own (migrations/0007). */
  readonly baseUrl?: string;
}

/** Thrown by an append that locked a frozen tree: the log has rotated to a new shard since this process looked. */
export class ShardFrozenError extends Error {
  constructor(readonly treeId: number) {
    super(`tree ${treeId} is frozen: its log has rotated to a new shard`);
    this.name = 'ShardFrozenError';
  }
}

/**
 * The failover every sharded log's write path shares: run `commit` (one batch, one transaction);
 * when it locked a tree frozen by a rotation, call `follow` — move the log to its new shard —
 * until it succeeds, and run the same batch again there. `follow` throws while the new shard
 * cannot be written yet (its key file not in place); after `deadlineMs` the batch is refused with
 * 503 + Retry-After instead, and its callers may retry. Nothing is written to a frozen tree (the
 * head lock refuses it), so a batch is never committed twice.
 */
export async function commitAcrossRotations<T>(commit: () => Promise<T>, follow: () => Promise<void>, what: string, deadlineMs: number, pauseMs = 200): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await commit();
    } catch (err) {
      if (!(err instanceof ShardFrozenError)) throw err;
    }
    for (;;) {
      try {
        await follow();
        break;
      } catch (err) {
        if (Date.now() >= deadline) {
          throw new SealhouseError('unavailable', `${what} is moving to a new shard after a key rotation and cannot write to it yet (${err instanceof Error ? err.message : String(err)}); retry shortly`, {
            cause: err,
            retryAfterSeconds: 1,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  }
}

/** Tree IDs are int64 in Rekor, but every number in Sealhouse is a safe JS integer: pick below 2^53. */
export const randomTreeId = (): number => randomInt(1, 2 ** 38) * 2 ** 15 + randomInt(0, 2 ** 15);

type ShardRow = {
  log_name: string;
  ordinal: unknown;
  tree_id: unknown;
  public_key: unknown;
  first_index: unknown;
  active_from: Date | string;
  frozen_at: Date | string | null;
  frozen_size: unknown;
  base_url: string | null;
};

const SHARD_COLUMNS = 's.log_name, s.ordinal, s.tree_id, t.public_key, s.first_index, s.active_from, s.frozen_at, s.frozen_size, s.base_url';

function shardOf(r: ShardRow): LogShard {
  return {
    logName: r.log_name,
    ordinal: toSafeNumber(r.ordinal),
    treeId: toSafeNumber(r.tree_id),
    publicKey: r.public_key === null || r.public_key === undefined ? undefined : toBuffer(r.public_key),
    firstIndex: toSafeNumber(r.first_index),
    activeFrom: new Date(r.active_from),
    ...(r.frozen_at ? { frozenAt: new Date(r.frozen_at), frozenSize: toSafeNumber(r.frozen_size) } : {}),
    ...(r.base_url ? { baseUrl: r.base_url } : {}),
  };
}

/** Every shard of `logName`, oldest first (empty before the log's first start). */
export async function logShards(q: Queryable, logName: string): Promise<LogShard[]> {
  const rows = await q.query<ShardRow>(
    `SELECT ${SHARD_COLUMNS} FROM log_shards s JOIN trees t ON t.tree_id = s.tree_id WHERE s.log_name = $1 ORDER BY s.ordinal`,
    [logName],
  );
  return rows.map(shardOf);
}

export const activeShardOf = (shards: readonly LogShard[]): LogShard | undefined => shards.find((s) => s.frozenAt === undefined);

/**
 * The shards of `logName`, recording its first tree (the one named `logName` in trees, which
 * every log had before shards existed) as shard 1 when none is recorded. Race-safe: processes
 * starting at once insert the same row, and one of them wins.
 */
export async function openLogShards(sql: Sql, logName: string): Promise<LogShard[]> {
  await sql.query(
    `INSERT INTO trees (tree_id, log_name, tree_size, root_hash) VALUES ($1, $2, 0, $3) ON CONFLICT (log_name) DO NOTHING`,
    [randomTreeId(), logName, EMPTY_ROOT],
  );
  await sql.query(
    `INSERT INTO log_shards (log_name, ordinal, tree_id, first_index, active_from)
     SELECT log_name, 1, tree_id, 0, created_at FROM trees WHERE log_name = $1
     ON CONFLICT DO NOTHING`,
    [logName],
  );
  const shards = await logShards(sql, logName);
  assert(activeShardOf(shards), `log ${logName} has a shard in use`);
  return shards;
}

/**
 * Freeze the shard in use at its current size and start the next one, bound to `publicKey`,
 * from `at`. The frozen shard's validFor ends at the second after `at` and the new one's starts
 * at the second `at` falls in (integratedTime has whole seconds), so every entry of either
 * falls inside its own key's window (the frozen one's end is taken once its head lock is held, so
 * it covers every batch that committed before). `baseUrl`: the new shard's own public base URL,
 * when it is served under a host name of its own. Returns every shard, oldest first.
 */
export async function rotateShard(sql: Sql, logName: string, publicKey: Buffer, at: Date, baseUrl?: string): Promise<LogShard[]> {
  const from = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return sql.tx(async (tx) => {
    const shards = await logShards(tx, logName);
    const active = activeShardOf(shards);
    if (!active) throw new SealhouseError('invalid_input', `the log "${logName}" has not been started yet: start the server once, then rotate its key`);
    const reused = shards.find((s) => s.publicKey?.equals(publicKey));
    if (reused) {
      throw new SealhouseError('invalid_input', `this key already signed shard ${reused.ordinal} (tree ${reused.treeId}) of the log "${logName}": a log key is never used for a second shard — rotate to a new key`);
    }
    if (from <= active.activeFrom) throw new SecondTakenError(`shard ${active.ordinal} of the log "${logName}"`, active.activeFrom);
    // The head lock: an append of any process in progress commits first, and none follows.
    const [head] = await tx.query<{ tree_size: unknown }>('SELECT tree_size FROM trees WHERE tree_id = $1 FOR UPDATE', [active.treeId]);
    assert(head, `tree ${active.treeId} exists`);
    const size = toSafeNumber(head.tree_size);
    // The frozen window ends after the lock is held, not at `at`: a batch that committed while
    // this waited for the lock stamped its SCTs after `at`, and sigstore-js accepts an SCT only
    // inside its log's validFor — ending at `at` disowned those in the second's last moments.
    const until = new Date(Math.ceil(Math.max(at.getTime(), Date.now()) / 1000) * 1000);
    await tx.query('UPDATE trees SET frozen_at = $2 WHERE tree_id = $1', [active.treeId, until]);
    await tx.query('UPDATE log_shards SET frozen_at = $3, frozen_size = $4 WHERE log_name = $1 AND ordinal = $2', [logName, active.ordinal, until, size]);
    const ordinal = active.ordinal + 1;
    const treeId = randomTreeId();
    await tx.query('INSERT INTO trees (tree_id, log_name, public_key, tree_size, root_hash) VALUES ($1, $2, $3, 0, $4)', [
      treeId,
      `${logName}#${ordinal}`,
      publicKey,
      EMPTY_ROOT,
    ]);
    if (baseUrl !== undefined && shards.some((s) => s.baseUrl === baseUrl)) {
      throw new SealhouseError('invalid_input', `${baseUrl} already serves a shard of the log "${logName}": a new log needs a base URL of its own`);
    }
    await tx.query('INSERT INTO log_shards (log_name, ordinal, tree_id, first_index, active_from, base_url) VALUES ($1, $2, $3, $4, $5, $6)', [
      logName,
      ordinal,
      treeId,
      active.firstIndex + size,
      from,
      baseUrl ?? null,
    ]);
    return logShards(tx, logName);
  });
}
