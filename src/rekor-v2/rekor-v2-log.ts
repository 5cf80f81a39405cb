/**
 * The Rekor v2 log (sigstore/rekor-tiles semantics on Sealhouse's storage): log 'rekor-v2', a
 * sequence of shards (storage/log-shards.ts), each a tree bound to its own Ed25519 key, written
 * through the same Sequencer as v1 — group commit, lock the head, dedupe, integrate tiles,
 * entries and one signed checkpoint per batch, inclusion proofs built inside the transaction,
 * callers answered after COMMIT. No SET, no integrated time.
 *
 * Checkpoints are C2SP signed notes (https://c2sp.org/tlog-checkpoint) whose origin is also the
 * key name: by default the bare host of the public URL, because sigstore-go verifies them with
 * the key name url.Hostname() of the trusted root's baseUrl — for every shard, which is why
 * shards share the origin (core/shard-paths.ts). The log ID clients match is the full note key
 * ID SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ public key), one per shard (rekor-v2-shard.ts).
 *
 * Key rotation — a new log, the old one frozen: `sealhouse rotate rekor-v2` freezes the active
 * shard and starts the next one with a new key (rotateShard), from any process. This log follows
 * without a restart: a batch that meets the frozen tree (ShardFrozenError, from the head lock, so
 * it never lands there) makes the Sequencer ask `onFrozen` for the new shard — the log re-reads
 * its key source, finds the key bound to the new active shard — and commit the same batch there;
 * the rotation watch calls `follow()` too. Until the new key is in place batches are held (up to
 * `rotationHoldMs`), then refused with 503 + Retry-After; nothing is lost.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { leafHash } from '../merkle/hash.js';
import type { BatchObserver, GroupCommitOptions } from '../storage/group-commit.js';
import { activeShardOf, logShards, openLogShards, type LogShard } from '../storage/log-shards.js';
import type { StoredCheckpoint } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import { TreeStore, type SignedHead, type TreeHead } from '../storage/tree-store.js';
import type { Clock } from '../clock.js';
import { Sequencer, type SequencedEntry, type SequencerSigner, type SequencerTarget } from '../log/sequencer.js';
import { hashedRekordEntryVerifiedOffThread, type V2Entry } from './hashedrekord-v002.js';
import { RekorV2Shard, type CheckpointWitnessHook } from './rekor-v2-shard.js';

export type { CheckpointWitnessHook } from './rekor-v2-shard.js';
export { RekorV2Shard } from './rekor-v2-shard.js';

/** The log's name in log_shards, and the trees name of its first shard. */
export const REKOR_V2_TREE = 'rekor-v2';

export interface RekorV2LogOptions extends GroupCommitOptions {
  /** Ed25519 private key of the checkpoints (when no `keySource`). */
  readonly key?: KeyObject;
  /**
   * The keys the operator has in place now, read again at every rotation (rekor-v2-keys.ts):
   * the one bound to the active shard is used. Default: [key].
   */
  readonly keySource?: () => readonly KeyObject[];
  /** Where the operator puts the key, for messages ("SEALHOUSE_REKOR_V2_KEY" or a file). */
  readonly keyWhere?: string;
  /** Checkpoint origin and key name of shard 1 (SEALHOUSE_REKOR_V2_ORIGIN or the public URL's host). */
  readonly origin: string;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
  /** Told once per shard when its tree cannot be vouched for and the log stops accepting writes. */
  readonly onIntegrityProblem?: (err: TreeIntegrityError) => void;
  readonly witnesses?: CheckpointWitnessHook;
  /** How long an entry waits for the new shard's key after a rotation before a 503 (default 5 s). */
  readonly rotationHoldMs?: number;
}

/** An appended entry and the log ID of the shard it is in (the response's logId). */
export interface V2SequencedEntry extends SequencedEntry {
  readonly logId: Buffer;
  readonly shard: number;
}

/** The shard batches go to, and its signer. */
interface Writer {
  readonly shard: RekorV2Shard;
  readonly signer: SequencerSigner;
}

const spkiOf = (key: KeyObject): Buffer => createPublicKey(key).export({ type: 'spki', format: 'der' });
/** How often an unknown shard ordinal may send this process to the database. */
const LOOKUP_MS = 250;

export class RekorV2Log {
  private readonly shardsByOrdinal = new Map<number, RekorV2Shard>();
  private writer!: Writer;
  private sequencer!: Sequencer;
  private following: Promise<void> | undefined;
  private readonly switchListeners: ((shard: RekorV2Shard) => void)[] = [];
  private closed = false;
  private lastLookup = 0;

  private constructor(
    private readonly sql: Sql,
    private readonly options: RekorV2LogOptions,
  ) {}

  static async open(sql: Sql, options: RekorV2LogOptions): Promise<RekorV2Log> {
    const log = new RekorV2Log(sql, options);
    let rows = await openLogShards(sql, REKOR_V2_TREE);
    const first = activeShardOf(rows);
    if (first && !first.publicKey) {
      // The first start: shard 1 is bound to the key in place (refused if another process bound another one first).
      const [key] = log.keys();
      if (!key) throw new SealhouseError('malformed_key', `no Rekor v2 log key in place (${log.where})`);
      await TreeStore.byId(sql, first.treeId).bindPublicKey(spkiOf(key), 'SEALHOUSE_REKOR_V2_KEY');
      rows = await logShards(sql, REKOR_V2_TREE);
    }
    const active = log.learn(rows);
    const key = log.keys().find((k) => active.holds(k));
    if (!key) {
      throw new SealhouseError(
        'malformed_key',
        `the configured signing key does not match the key tree ${active.treeId} was created with (shard ${active.ordinal} of the Rekor v2 log, in use now); ` +
          `start with that key (SEALHOUSE_REKOR_V2_KEY / the data directory it was generated in); looked in ${log.where}`,
      );
    }
    log.writer = await log.writerFor(active, key);
    const { clock, observer } = options;
    log.sequencer = new Sequencer(
      {
        sql,
        ...log.target(),
        onFrozen: async () => {
          await log.follow();
          if (log.writer.shard.frozenAt) throw new SealhouseError('unavailable', 'the new Rekor v2 shard is not recorded yet');
          return log.target();
        },
        failoverMs: options.rotationHoldMs ?? 5_000,
        ...(clock ? { clock } : {}),
        ...(observer ? { observer } : {}),
      },
      options,
    );
    return log;
  }

  private target(): SequencerTarget {
    return { tree: this.writer.shard.tree, entries: this.writer.shard.store, signer: this.writer.signer };
  }

  private get where(): string {
    return this.options.keyWhere ?? 'SEALHOUSE_REKOR_V2_KEY / the data directory it was generated in';
  }

  /** The keys in place now; a file half-written or unreadable counts as no key yet. */
  private keys(): readonly KeyObject[] {
    if (this.options.keySource) return this.options.keySource();
    return this.options.key ? [this.options.key] : [];
  }

  /** Record shards not seen before and freezes of known ones; returns the active shard. */
  private learn(rows: readonly LogShard[]): RekorV2Shard {
    for (const row of rows) {
      const known = this.shardsByOrdinal.get(row.ordinal);
      if (known) known.frozenAt ??= row.frozenAt;
      else if (row.publicKey) this.shardsByOrdinal.set(row.ordinal, new RekorV2Shard(this.sql, row, this.options.origin));
    }
    const active = activeShardOf(rows);
    const shard = active && this.shardsByOrdinal.get(active.ordinal);
    if (!shard) throw new SealhouseError('internal', 'the Rekor v2 log has no active shard with a bound key');
    return shard;
  }

  /** The active shard's signer, after the same start-up check as v1 (storage/tree-integrity.ts). */
  private async writerFor(shard: RekorV2Shard, key: KeyObject): Promise<Writer> {
    const signer = shard.useKey(key);
    if (this.options.onIntegrityProblem) shard.tree.onProblem(this.options.onIntegrityProblem);
    let latest: Awaited<ReturnType<typeof shard.store.latestCheckpoint>>;
    const readLatest = async (): Promise<SignedHead | undefined> => {
      latest = await shard.store.latestCheckpoint();
      return latest && { ...latest, row: `checkpoints (tree_size ${latest.treeSize})` };
    };
    await shard.tree.verifyStored(readLatest, async (start, end) =>
      (await shard.store.entriesRange(start, end - start)).map((e) => ({ index: e.index, fromData: leafHash(e.body), column: e.leafHash, row: `rekor_v2_entries idx ${e.index}` })),
    );
    shard.publishedSize = latest?.treeSize ?? 0;
    if (!shard.witnesses && this.options.witnesses && shard.ordinal === 1) shard.witnesses = this.options.witnesses;
    return { shard, signer };
  }

  /**
   * Apply what log_shards records now (idempotent; the rotation watch's listener): learn new
   * shards and, if another one is active, move writing there (the Sequencer's next batch meets
   * the frozen tree and asks for it). Throws while the new shard's key is not in place yet (the
   * watch calls again; held batches retry).
   */
  follow(): Promise<void> {
    this.following ??= this.switchToActive().finally(() => {
      this.following = undefined;
    });
    return this.following;
  }

  private async switchToActive(): Promise<void> {
    const target = this.learn(await logShards(this.sql, REKOR_V2_TREE));
    if (this.closed || target === this.writer.shard) return;
    let keys: readonly KeyObject[];
    try {
      keys = this.keys();
    } catch (err) {
      throw new SealhouseError('unavailable', `the Rekor v2 log rotated to shard ${target.ordinal}, but its key cannot be read yet: ${(err as Error).message}`, { retryAfterSeconds: 1 });
    }
    const key = keys.find((k) => target.holds(k));
    if (!key) {
      throw new SealhouseError('unavailable', `the Rekor v2 log rotated to shard ${target.ordinal} (tree ${target.treeId}), but its key is not in place yet (${this.where})`, { retryAfterSeconds: 1 });
    }
    this.writer = await this.writerFor(target, key);
    for (const listener of this.switchListeners) listener(target);
  }

  /** Called after writing moved to a new shard (re-point the witnesses, log a line). */
  onSwitch(listener: (shard: RekorV2Shard) => void): void {
    this.switchListeners.push(listener);
  }

  /** Every shard known, oldest first. */
  get shards(): readonly RekorV2Shard[] {
    return [...this.shardsByOrdinal.values()].sort((a, b) => a.ordinal - b.ordinal);
  }

  /** The shard taking entries in this process. */
  get activeShard(): RekorV2Shard {
    return this.writer.shard;
  }

  shard(ordinal: number): RekorV2Shard | undefined {
    return this.shardsByOrdinal.get(ordinal);
  }

  /** A shard by ordinal, looking in the database for one this process has not seen yet. */
  async findShard(ordinal: number): Promise<RekorV2Shard | undefined> {
    const known = this.shardsByOrdinal.get(ordinal);
    if (known) return known;
    // Requests for shards that do not exist cost at most one query per LOOKUP_MS, not one each.
    if (Date.now() - this.lastLookup < LOOKUP_MS) return undefined;
    this.lastLookup = Date.now();
    await this.follow().catch(() => undefined); // learnt even when its key is not in place yet
    return this.shardsByOrdinal.get(ordinal);
  }

  /** The active shard's full note key ID: the trusted root's logId.keyId and every response's logId. */
  get logId(): Buffer {
    return this.writer.shard.logId;
  }

  /** DER SPKI of the active shard's checkpoint key. */
  get spki(): Buffer {
    return this.writer.shard.spki;
  }

  /** The C2SP vkey of the active shard's checkpoint key, for witnesses and monitors. */
  get vkey(): string {
    return this.writer.shard.vkey ?? '';
  }

  get origin(): string {
    return this.writer.shard.origin;
  }

  get treeId(): number {
    return this.writer.shard.treeId;
  }

  /** Why the log accepts no writes (it cannot vouch for its active tree), or undefined when it does. */
  get integrityProblem(): TreeIntegrityError | undefined {
    return this.writer.shard.tree.problem;
  }

  get queueDepth(): number {
    return this.sequencer.queueDepth;
  }

  /**
   * Attach the witness hook of the active shard (the witness service needs the shard's tree
   * first) and offer it the latest checkpoint, which a previous process may have committed but
   * not submitted before it stopped. After a switch, attach the new shard's hook the same way.
   */
  attachWitnesses(witnesses: CheckpointWitnessHook, shard: RekorV2Shard = this.writer.shard): void {
    shard.witnesses = witnesses;
    shard.latestCheckpoint().then(
      (latest) => latest && shard.offer(latest),
      () => undefined, // the next batch's checkpoint is offered anyway
    );
  }

  /**
   * Append to the active shard and wait for the commit: the index, and an inclusion proof
   * against the signed checkpoint of the batch. Rejects with DuplicateEntryError for an entry
   * already logged in that shard. Across a rotation the Sequencer commits it in the new shard.
   */
  async append(entry: V2Entry, client?: string): Promise<V2SequencedEntry> {
    const problem = this.writer.shard.tree.problem;
    if (problem) throw problem;
    const done = await this.sequencer.add({ body: entry.body, leafHash: entry.leafHash, indexKeys: [] }, client);
    const shard = this.shards.find((s) => s.treeId === done.treeId);
    if (!shard) throw new SealhouseError('internal', `an entry was appended to tree ${done.treeId}, which is not a shard of the Rekor v2 log`);
    shard.published(done.checkpoint);
    return { ...done, logId: shard.logId, shard: shard.ordinal };
  }

  /** Validate a protojson CreateEntryRequest (signature included), then append it. */
  async submit(request: unknown, client?: string): Promise<V2SequencedEntry> {
    return this.append(await hashedRekordEntryVerifiedOffThread(request), client);
  }

  /** The active shard's latest signed checkpoint (an empty tree's signed on demand), with witness cosignatures. */
  checkpoint(): Promise<string> {
    return this.writer.shard.checkpoint();
  }

  /** The active shard's latest checkpoint as stored (only the log's own signature), if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.writer.shard.latestCheckpoint();
  }

  /** RFC 6962 consistency proof between two sizes of the active shard's tree (witness add-checkpoint). */
  consistency(size1: number, size2: number): Promise<Buffer[]> {
    return this.writer.shard.consistency(size1, size2);
  }

  head(): Promise<TreeHead> {
    return this.writer.shard.head();
  }

  /** A C2SP tile or entry bundle of the active shard by path. */
  tile(path: string): Promise<Buffer> {
    return this.writer.shard.tile(path);
  }

  /** Commit everything queued, refuse anything new. */
  async close(): Promise<void> {
    this.closed = true;
    await this.following?.catch(() => undefined);
    await this.sequencer.drain();
  }
}
