/**
 * The transparency log as the API sees it: append through the sequencer; read entries with an
 * inclusion proof against a signed checkpoint; consistency proofs; tiles by C2SP path.
 *
 * The log is a sequence of shards (src/storage/log-shards.ts), as Rekor's is: each a tree with
 * its own key, the newest taking entries and the older ones frozen, readable and verifiable
 * with their own keys. Log indexes are global across shards (a shard's first index is the
 * sizes of the shards before it, summed); inclusion proofs use the index inside the shard.
 * A rotation recorded by any process reaches this one when a batch meets the frozen tree (the
 * sequencer fails over to the new shard) or when `refreshShards` is called (the rotation watch).
 */
import { createPublicKey } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { canonicalizeProposedEntry, type EntryOptions } from '../entries/index.js';
import { EMPTY_ROOT, leafHash } from '../merkle/hash.js';
import { proveConsistency, proveInclusion, rootAt } from '../merkle/prove.js';
import { RekorStore, type StoredCheckpoint, type StoredEntry } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore, type SignedHead, type TreeHead } from '../storage/tree-store.js';
import type { BatchObserver, GroupCommitOptions } from '../storage/group-commit.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import { activeShardOf, type LogShard, logShards, openLogShards } from '../storage/log-shards.js';
import { logIdOf } from '../note/log-id.js';
import type { LogKey } from './log-key.js';
import { LogSigner } from './log-signer.js';
import type { Clock } from '../clock.js';
import { Sequencer, type InclusionProof, type PendingEntry, type SequencedEntry, type SequencerTarget } from './sequencer.js';

export type { InclusionProof };

export const REKOR_TREE = 'rekor';

/** A shard as the API names it: its tree, its log ID (SHA-256 of its key) and its first global index. */
export interface ShardIdentity {
  readonly treeId: number;
  readonly logIdHex: string;
  readonly firstIndex: number;
}

export interface ProvenEntry extends StoredEntry {
  /** The global log index (inclusion proofs use `index`, the shard's own). */
  readonly logIndex: number;
  readonly shard: ShardIdentity;
  readonly proof: InclusionProof;
}

/** A stored entry of `shard` with its inclusion `path` in `checkpoint`'s tree. */
function proven(shard: Shard, entry: StoredEntry, checkpoint: StoredCheckpoint, path: Buffer[]): ProvenEntry {
  return {
    ...entry,
    logIndex: shard.firstIndex + entry.index,
    shard,
    proof: { logIndex: entry.index, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, hashes: path, checkpoint: checkpoint.note },
  };
}

/** An appended entry with the shard it went to. */
export interface AppendedEntry extends SequencedEntry {
  readonly shard: ShardIdentity;
}

export interface LogInfo {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly checkpoint: string;
}

/** A frozen shard as GET /api/v1/log lists it in inactiveShards. */
export interface InactiveShardInfo extends LogInfo {
  readonly treeId: number;
}

/** The most search hits returned at once (Rekor's index search is unpaged and "may be incomplete"). */
export const MAX_SEARCH_RESULTS = 10_000;

export interface LogServiceOptions extends GroupCommitOptions {
  /** Entry-type options, e.g. the hashedrekord algorithm allow-list. */
  readonly entryOptions?: EntryOptions;
  readonly key: LogKey;
  /**
   * The key bound to a new shard (DER SPKI) from the key source (the configured file, or the
   * data directory's), read again after a rotation; undefined while it is not there yet.
   * Without it the log cannot follow a rotation.
   */
  readonly findKey?: (spki: Buffer) => LogKey | undefined;
  /** Public host name: checkpoint origin "<host> - <treeID>" and signature name. */
  readonly host: string;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
  /** Told once when the tree cannot be vouched for and the log stops accepting writes. */
  readonly onIntegrityProblem?: (err: TreeIntegrityError) => void;
  /** Told when the log has moved to a new shard (a key rotation). */
  readonly onShardChange?: (shard: LogShard) => void;
}

/** One shard's stores and identity. */
class Shard implements ShardIdentity {
  readonly tree: TreeStore;
  readonly entries: RekorStore;
  readonly logIdHex: string;

  constructor(
    sql: Sql,
    readonly record: LogShard,
  ) {
    this.tree = TreeStore.byId(sql, record.treeId);
    this.entries = new RekorStore(sql, record.treeId);
    this.logIdHex = record.publicKey ? logIdOf(createPublicKey({ key: record.publicKey, format: 'der', type: 'spki' })).toString('hex') : '';
  }

  get treeId(): number {
    return this.record.treeId;
  }

  get firstIndex(): number {
    return this.record.firstIndex;
  }

  /** Whether global index `index` is one of this shard's (for the one in use: at or after its start). */
  holds(index: number): boolean {
    return index >= this.firstIndex && (this.record.frozenSize === undefined || index < this.firstIndex + this.record.frozenSize);
  }

  publicKeyPem(): string {
    if (!this.record.publicKey) throw new SealhouseError('internal', `tree ${this.treeId} has no key recorded`);
    return createPublicKey({ key: this.record.publicKey, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;
  }
}

/**
 * The read side of the log: entries with inclusion proofs, search, checkpoints, consistency
 * proofs and tiles, every one from the database as it is now. The writer (LogService, below)
 * is this plus the sequencer and the signing key; a reader process on a Postgres streaming
 * replica (src/reader-server.ts) is this alone, so both serve reads with the same code.
 *
 * Why a read is consistent on a replica too: a batch commits its entries, tiles, head and
 * checkpoint in one transaction, a hot standby shows transactions whole and in commit order,
 * and each read here takes the entries first, then the checkpoint, then tiles at that
 * checkpoint's size — later snapshots only add to what the earlier ones showed, and the first
 * N hashes of a tile never change, so the proof is the one of the checkpoint served with it,
 * and that checkpoint is one the replica has (never newer).
 */
export class LogReader {
  // The stores stay private: callers get the reads they need from the methods below, so every
  // query of the log goes through one place (and the refusal to write, tree-integrity.ts).
  protected shards: Shard[];

  protected constructor(
    protected readonly sql: Sql,
    shards: Shard[],
    private readonly readEntryOptions: EntryOptions = {},
  ) {
    this.shards = shards;
  }

  /**
   * The log as a reader sees it, without a key and without writing: refuses to open a log
   * no writer has started yet (no shard recorded).
   */
  static async openReadOnly(sql: Sql, entryOptions?: EntryOptions): Promise<LogReader> {
    const records = await logShards(sql, REKOR_TREE);
    if (!activeShardOf(records)) {
      throw new SealhouseError('unavailable', 'the database holds no Rekor log yet: start a writer (DATABASE_URL on the primary) once, then the reader');
    }
    return new LogReader(sql, records.map((r) => new Shard(sql, r)), entryOptions);
  }

  protected get active(): Shard {
    return this.shards[this.shards.length - 1] as Shard;
  }

  /** Read the shards again (another process may have rotated the log). */
  async refreshShards(): Promise<void> {
    const records = await logShards(this.sql, REKOR_TREE);
    if (activeShardOf(records)) this.shards = records.map((r) => new Shard(this.sql, r));
  }

  /** The checkpoint of an empty shard in use: only a process with the key can sign one. */
  protected emptyCheckpoint(): string {
    throw new SealhouseError('unavailable', 'the log has no signed checkpoint yet (no entries): the writer signs the first one with its first batch');
  }

  /** The tree of the shard in use. */
  get treeId(): number {
    return this.active.treeId;
  }

  /** Every shard, oldest first. */
  get shardRecords(): readonly LogShard[] {
    return this.shards.map((s) => s.record);
  }

  /** The logged entries whose canonical body equals this proposed entry's (search semantics), in every shard. */
  async findProposed(proposed: unknown): Promise<ProvenEntry[]> {
    const canonical = await canonicalizeProposedEntry(proposed, { ...this.readEntryOptions, purpose: 'search' });
    return this.entriesByLeafHash([canonical.leafHash]);
  }

  /** Entry IDs' parts (tree, leaf hash) of entries matching index-search key groups, shard by shard in log order. */
  async search(groups: readonly (readonly string[])[], operator: 'and' | 'or'): Promise<{ treeId: number; leafHash: Buffer }[]> {
    const hits: { treeId: number; leafHash: Buffer }[] = [];
    for (const shard of this.shards) {
      if (hits.length >= MAX_SEARCH_RESULTS) break;
      for (const leafHash of await shard.entries.searchIndex(groups, operator, MAX_SEARCH_RESULTS - hits.length)) hits.push({ treeId: shard.treeId, leafHash });
    }
    return hits;
  }

  /** Size, root and signed checkpoint of the shard in use (an empty tree's is signed on demand). */
  async info(): Promise<LogInfo> {
    const latest = await this.active.entries.latestCheckpoint();
    if (latest) return { treeSize: latest.treeSize, rootHash: latest.rootHash, checkpoint: latest.note };
    return { treeSize: 0, rootHash: EMPTY_ROOT, checkpoint: this.emptyCheckpoint() };
  }

  /** The frozen shards, oldest first, each with its final signed checkpoint (an empty one holds nothing and is left out). */
  async inactiveShards(): Promise<InactiveShardInfo[]> {
    const out: InactiveShardInfo[] = [];
    for (const shard of this.shards.slice(0, -1)) {
      const latest = await shard.entries.latestCheckpoint();
      if (latest) out.push({ treeId: shard.treeId, treeSize: latest.treeSize, rootHash: latest.rootHash, checkpoint: latest.note });
    }
    return out;
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.active.entries.latestCheckpoint();
  }

  /** Every stored checkpoint of the shard in use, by size (audits, tests). */
  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.active.entries.checkpoints();
  }

  /** The committed head row of the shard in use: size and root. */
  async head(): Promise<TreeHead> {
    return this.active.tree.head();
  }

  /** Entries [start, start+count) of the shard in use, by its own indexes, without proofs (entry bundles, audits). */
  async entriesRange(start: number, count: number): Promise<StoredEntry[]> {
    return this.active.entries.entriesRange(start, count);
  }

  /** The root of the shard in use at `treeSize`, from the tiles. */
  async rootAt(treeSize: number): Promise<Buffer> {
    return rootAt(treeSize, this.active.tree);
  }

  /** The audit path of leaf `index` in the shard in use at `treeSize`, from the tiles. */
  async inclusionPath(index: number, treeSize: number): Promise<Buffer[]> {
    return proveInclusion(index, treeSize, this.active.tree);
  }

  /** The entry at global index `index`, in whichever shard holds it. */
  async entryByIndex(index: number): Promise<ProvenEntry | undefined> {
    return (await this.entriesByIndex([index]))[0];
  }

  /** Entries by global index, in index order; indexes no shard holds are skipped. */
  async entriesByIndex(indexes: readonly number[]): Promise<ProvenEntry[]> {
    let found = await this.lookUpIndexes(indexes);
    // Past the end of the shard this process thinks is in use: another process may have
    // rotated since; look at the shards again once.
    const activeStart = this.active.firstIndex;
    if (found.length < new Set(indexes).size && indexes.some((i) => i >= activeStart)) {
      await this.refreshShards().catch(() => undefined);
      found = await this.lookUpIndexes(indexes);
    }
    return found;
  }

  private async lookUpIndexes(indexes: readonly number[]): Promise<ProvenEntry[]> {
    const out: ProvenEntry[] = [];
    for (const shard of this.shards) {
      const local = indexes.filter((i) => shard.holds(i)).map((i) => i - shard.firstIndex);
      if (local.length > 0) out.push(...(await this.byIndexWithProofs(shard, local)));
    }
    return out.sort((a, b) => a.logIndex - b.logIndex);
  }

  /**
   * Entries by leaf hash: in the shard `treeId` names, or else in every shard — the one in use
   * first, then the frozen ones newest first, as Rekor searches a 64-hex UUID. Unknown tree: none.
   */
  async entriesByLeafHash(leafHashes: readonly Buffer[], treeId?: number): Promise<ProvenEntry[]> {
    if (leafHashes.length === 0) return [];
    if (treeId !== undefined && !this.shardOfTree(treeId)) await this.refreshShards().catch(() => undefined);
    const shards = treeId === undefined ? [...this.shards].reverse() : [this.shardOfTree(treeId)].filter((s): s is Shard => s !== undefined);
    const out: ProvenEntry[] = [];
    for (const shard of shards) out.push(...(await this.withProofs(shard, await shard.entries.entriesByLeafHash(leafHashes))));
    return out;
  }

  protected shardOfTree(treeId: number): Shard | undefined {
    return this.shards.find((s) => s.treeId === treeId);
  }

  /** Whether `treeId` is one of this log's shards (looking again once if it is not known yet). */
  async hasTree(treeId: number): Promise<boolean> {
    if (this.shardOfTree(treeId)) return true;
    await this.refreshShards().catch(() => undefined);
    return this.shardOfTree(treeId) !== undefined;
  }

  private async withProofs(shard: Shard, entries: readonly StoredEntry[]): Promise<ProvenEntry[]> {
    if (entries.length === 0) return [];
    const checkpoint = await shard.entries.latestCheckpoint();
    if (!checkpoint) throw new SealhouseError('internal', `an entry exists in tree ${shard.treeId} but no checkpoint does`);
    return Promise.all(entries.map(async (e) => proven(shard, e, checkpoint, await proveInclusion(e.index, checkpoint.treeSize, shard.tree))));
  }

  /**
   * Entries at shard-local indexes with their proofs. The indexes are known before the rows are,
   * so the entry rows, the checkpoint and the proof's tiles are read at once — on Postgres over
   * separate pooled connections — and a cold read waits for the slowest of them, not their sum.
   * An entry committed after the checkpoint was read is proven against a newer one.
   */
  private async byIndexWithProofs(shard: Shard, local: readonly number[]): Promise<ProvenEntry[]> {
    const checkpointing = shard.entries.latestCheckpoint();
    const proving = checkpointing.then((checkpoint) =>
      checkpoint === undefined
        ? []
        : Promise.all(local.filter((i) => i < checkpoint.treeSize).map(async (i) => [i, await proveInclusion(i, checkpoint.treeSize, shard.tree)] as const)),
    );
    proving.catch(() => undefined); // awaited below; this only keeps a failed entry read from leaking its rejection
    const entries = await shard.entries.entriesByIndex(local);
    const [checkpoint, paths] = await Promise.all([checkpointing, proving]);
    if (!checkpoint || entries.some((e) => e.index >= checkpoint.treeSize)) return this.withProofs(shard, entries);
    const pathOf = new Map<number, Buffer[]>(paths);
    return entries.map((e) => proven(shard, e, checkpoint, pathOf.get(e.index) as Buffer[]));
  }

  /** The PEM public key of shard `treeId`, or of the one in use; undefined for a tree that is not a shard of this log. */
  async publicKeyPem(treeId?: number): Promise<string | undefined> {
    if (treeId === undefined) return this.active.publicKeyPem();
    if (!(await this.hasTree(treeId))) return undefined;
    return this.shardOfTree(treeId)?.publicKeyPem();
  }

  /** Consistency proof between two sizes of shard `treeId` (default: the one in use), and the root at size2. */
  async consistency(size1: number, size2: number, treeId?: number): Promise<{ hashes: Buffer[]; rootHash: Buffer }> {
    // Rekor checks the order of the sizes before asking the tree (rekor-api.md §1.5).
    if (size1 < 1) throw new SealhouseError('out_of_range', `firstSize must be at least 1, got ${size1}`);
    if (size1 > size2) throw new SealhouseError('out_of_range', `firstSize(${size1}) must be less than lastSize(${size2})`);
    const shard = treeId === undefined ? this.active : (await this.hasTree(treeId)) ? this.shardOfTree(treeId) : undefined;
    if (!shard) throw new SealhouseError('invalid_input', `unknown tree ID ${String(treeId)}; this log's shards are ${this.shards.map((s) => s.treeId).join(', ')}`);
    const { treeSize } = await shard.tree.head();
    if (size2 > treeSize) {
      throw new SealhouseError('out_of_range', `the tree size requested(${size2}) was greater than what is currently observable(${treeSize})`);
    }
    const hashes = size1 === size2 ? [] : await proveConsistency(size1, size2, shard.tree);
    return { hashes, rootHash: await rootAt(size2, shard.tree) };
  }

  /**
   * A C2SP tile or entry bundle of shard `ordinal` (default: the one in use) by path (e.g.
   * "tile/0/x001/234.p/7", "tile/entries/000"). Full tiles never change; a partial tile is
   * served at exactly the width asked for.
   */
  async tile(path: string, ordinal?: number): Promise<Buffer> {
    const shard = ordinal === undefined ? this.active : this.shards.find((s) => s.record.ordinal === ordinal);
    if (!shard) throw new SealhouseError('not_found', `this log has no shard ${String(ordinal)}`);
    return shard.tree.tileByPath(path, (start, count) => shard.entries.entriesRange(start, count), (index) => `read it through the Rekor v1 API (log index ${shard.firstIndex + index})`);
  }

  /** The signed checkpoint of shard `ordinal` (default: the one in use). */
  async checkpointOf(ordinal?: number): Promise<string> {
    if (ordinal === undefined || ordinal === this.active.record.ordinal) return (await this.info()).checkpoint;
    const shard = this.shards.find((s) => s.record.ordinal === ordinal);
    const latest = shard && (await shard.entries.latestCheckpoint());
    if (!latest) throw new SealhouseError('not_found', `this log has no shard ${ordinal} with entries`);
    return latest.note;
  }

}

/** The log as the writer runs it: the read side above, plus appends through the sequencer with the log's key. */
export class LogService extends LogReader {
  private activeSigner: LogSigner;
  /** Signers of shards this process has left: a batch that started on one may still be using it. */
  private readonly retiredSigners: LogSigner[] = [];
  private readonly sequencer: Sequencer;
  private switching: Promise<void> = Promise.resolve();

  private constructor(
    sql: Sql,
    private readonly options: LogServiceOptions,
    shards: Shard[],
    signer: LogSigner,
  ) {
    super(sql, shards, options.entryOptions);
    this.activeSigner = signer;
    this.sequencer = new Sequencer(
      {
        sql,
        ...this.target(),
        onFrozen: async () => {
          await this.refreshShards();
          if (this.active.record.frozenAt) throw new SealhouseError('unavailable', 'the new shard is not recorded yet');
          return this.target();
        },
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      },
      options,
    );
  }

  static async open(sql: Sql, options: LogServiceOptions): Promise<LogService> {
    const shards = (await openLogShards(sql, REKOR_TREE)).map((r) => new Shard(sql, r));
    const active = shards[shards.length - 1] as Shard;
    const signer = new LogSigner(options.key, options.host, active.treeId);
    await active.tree.bindPublicKey(signer.spki, 'SEALHOUSE_LOG_KEY');
    const bound = (await logShards(sql, REKOR_TREE)).map((r) => new Shard(sql, r));
    if (options.onIntegrityProblem) (bound[bound.length - 1] as Shard).tree.onProblem(options.onIntegrityProblem);
    const service = new LogService(sql, options, bound, signer);
    await service.verifyActive();
    return service;
  }

  /** The start-up check of the shard in use (frozen shards were checked while they were in use). */
  private async verifyActive(): Promise<void> {
    const { tree, entries } = this.active;
    const readLatest = async (): Promise<SignedHead | undefined> => {
      const latest = await entries.latestCheckpoint();
      return latest && { ...latest, row: `checkpoints (tree_size ${latest.treeSize})` };
    };
    await tree.verifyStored(readLatest, async (start, end) =>
      (await entries.entriesRange(start, end - start)).map((e) => ({
        index: e.index,
        fromData: leafHash(e.body),
        column: e.leafHash,
        row: `rekor_entries idx ${e.index}`,
      })),
    );
  }

  private target(): SequencerTarget {
    const shard = this.active;
    return { tree: shard.tree, entries: shard.entries, signer: this.activeSigner, firstIndex: shard.firstIndex };
  }

  /**
   * Read the shards again and, when a rotation has started a new one, move to it: reload the
   * key, check it is the one the new shard is bound to, sign with it from now on. Idempotent;
   * throws (and stays on the old shard) while the new key is not in place yet.
   */
  override refreshShards(): Promise<void> {
    const run = this.switching.then(() => this.applyShards());
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async applyShards(): Promise<void> {
    const records = await logShards(this.sql, REKOR_TREE);
    const newest = activeShardOf(records);
    if (!newest) throw new SealhouseError('internal', 'the log has no shard in use');
    if (newest.treeId !== this.active.treeId || this.active.record.frozenAt) {
      if (newest.treeId !== this.activeSigner.treeId) {
        const key = newest.publicKey && this.options.findKey?.(newest.publicKey);
        if (!key) {
          throw new SealhouseError(
            'malformed_key',
            `the log rotated to shard ${newest.ordinal} (tree ${newest.treeId}), but the log key configured is not that shard's key: put the new key in place (SEALHOUSE_LOG_KEY or the data directory's log-key.pem)`,
          );
        }
        this.retiredSigners.push(this.activeSigner);
        this.activeSigner = new LogSigner(key, this.options.host, newest.treeId);
        this.options.onShardChange?.(newest);
      }
    }
    this.shards = records.map((r) => new Shard(this.sql, r));
    if (this.options.onIntegrityProblem) this.active.tree.onProblem(this.options.onIntegrityProblem);
  }

  get signer(): LogSigner {
    return this.activeSigner;
  }

  protected override emptyCheckpoint(): string {
    return this.activeSigner.signCheckpoint(0, EMPTY_ROOT);
  }

  override async publicKeyPem(treeId?: number): Promise<string | undefined> {
    return treeId === undefined ? this.activeSigner.publicKeyPem() : super.publicKeyPem(treeId);
  }

  /** Why the log accepts no writes (it cannot vouch for its tree), or undefined when it does. */
  get integrityProblem(): TreeIntegrityError | undefined {
    return this.active.tree.problem;
  }

  get queueDepth(): number {
    return this.sequencer.queueDepth;
  }

  /**
   * Append and wait for the commit. Rejects with DuplicateEntryError for a body logged in the
   * shard in use (as Rekor's, deduplication is per shard); `client` (the submitter's address)
   * is held to its share of the queue (maxQueuePerClient).
   */
  async append(entry: PendingEntry, client?: string): Promise<AppendedEntry> {
    const problem = this.active.tree.problem;
    if (problem) throw problem;
    const appended = await this.sequencer.add(entry, client);
    return { ...appended, shard: this.shardOfTree(appended.treeId) ?? (await this.refreshed(appended.treeId)) };
  }

  private async refreshed(treeId: number): Promise<Shard> {
    await this.refreshShards().catch(() => undefined);
    const shard = this.shardOfTree(treeId);
    if (!shard) throw new SealhouseError('internal', `an entry was appended to tree ${treeId}, which is not a shard of this log`);
    return shard;
  }

  /** Validate a client's ProposedEntry (signatures included), then append it. */
  async submit(proposed: unknown, client?: string): Promise<AppendedEntry> {
    return this.append(await canonicalizeProposedEntry(proposed, this.entryOptions), client);
  }

  private get entryOptions(): EntryOptions {
    return this.options.entryOptions ?? {};
  }

  /** Commit everything queued, refuse anything new. */
  async close(): Promise<void> {
    await this.sequencer.drain();
    await this.activeSigner.close();
    await Promise.all(this.retiredSigners.map((s) => s.close()));
  }
}
