/**
 * The transparency log as the API sees it: append through the sequencer; read entries with an
 * inclusion proof against a signed checkpoint; consistency proofs; tiles by C2SP path.
 */
import { SealhouseError } from '../errors.js';
import { canonicalizeProposedEntry, type EntryOptions } from '../entries/index.js';
import { EMPTY_ROOT, leafHash } from '../merkle/hash.js';
import { proveConsistency, proveInclusion, rootAt } from '../merkle/prove.js';
import { RekorStore, type StoredCheckpoint, type StoredEntry } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore, type TreeHead } from '../storage/tree-store.js';
import type { BatchObserver, GroupCommitOptions } from '../storage/group-commit.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import type { LogKey } from './log-key.js';
import { LogSigner } from './log-signer.js';
import type { Clock } from '../clock.js';
import { Sequencer, type InclusionProof, type PendingEntry, type SequencedEntry } from './sequencer.js';

export type { InclusionProof };

export const REKOR_TREE = 'rekor';

export interface ProvenEntry extends StoredEntry {
  readonly proof: InclusionProof;
}

export interface LogInfo {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly checkpoint: string;
}

/** The most search hits returned at once (Rekor's index search is unpaged and "may be incomplete"). */
export const MAX_SEARCH_RESULTS = 10_000;

export interface LogServiceOptions extends GroupCommitOptions {
  /** Entry-type options, e.g. the hashedrekord algorithm allow-list. */
  readonly entryOptions?: EntryOptions;
  readonly key: LogKey;
  /** Public host name: checkpoint origin "<host> - <treeID>" and signature name. */
  readonly host: string;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
  /** Told once when the tree cannot be vouched for and the log stops accepting writes. */
  readonly onIntegrityProblem?: (err: TreeIntegrityError) => void;
}

export class LogService {
  // The stores stay private: callers get the reads they need from the methods below, so every
  // query of the log goes through one place (and the refusal to write, tree-integrity.ts).
  private constructor(
    private readonly tree: TreeStore,
    private readonly entries: RekorStore,
    readonly signer: LogSigner,
    private readonly sequencer: Sequencer,
    private readonly entryOptions: EntryOptions,
  ) {}

  static async open(sql: Sql, options: LogServiceOptions): Promise<LogService> {
    const tree = await TreeStore.open(sql, REKOR_TREE);
    const signer = new LogSigner(options.key, options.host, tree.treeId);
    await tree.bindPublicKey(signer.spki, 'SEALHOUSE_LOG_KEY');
    const entries = new RekorStore(sql, tree.treeId);
    if (options.onIntegrityProblem) tree.onProblem(options.onIntegrityProblem);
    const latest = await entries.latestCheckpoint();
    await tree.verifyStored(latest && { ...latest, row: `checkpoints (tree_size ${latest.treeSize})` }, async (start, end) =>
      (await entries.entriesRange(start, end - start)).map((e) => ({
        index: e.index,
        fromData: leafHash(e.body),
        column: e.leafHash,
        row: `rekor_entries idx ${e.index}`,
      })),
    );
    const sequencer = new Sequencer(
      { sql, tree, entries, signer, ...(options.clock ? { clock: options.clock } : {}), ...(options.observer ? { observer: options.observer } : {}) },
      options,
    );
    return new LogService(tree, entries, signer, sequencer, options.entryOptions ?? {});
  }

  get treeId(): number {
    return this.tree.treeId;
  }

  /** Why the log accepts no writes (it cannot vouch for its tree), or undefined when it does. */
  get integrityProblem(): TreeIntegrityError | undefined {
    return this.tree.problem;
  }

  get queueDepth(): number {
    return this.sequencer.queueDepth;
  }

  /**
   * Append and wait for the commit. Rejects with DuplicateEntryError for a logged body; `client`
   * (the submitter's address) is held to its share of the queue (maxQueuePerClient).
   */
  append(entry: PendingEntry, client?: string): Promise<SequencedEntry> {
    const problem = this.tree.problem;
    if (problem) return Promise.reject(problem);
    return this.sequencer.add(entry, client);
  }

  /** Validate a client's ProposedEntry (signatures included), then append it. */
  async submit(proposed: unknown, client?: string): Promise<SequencedEntry> {
    return this.append(await canonicalizeProposedEntry(proposed, this.entryOptions), client);
  }

  /** The logged entries whose canonical body equals this proposed entry's (search semantics). */
  async findProposed(proposed: unknown): Promise<ProvenEntry[]> {
    const canonical = await canonicalizeProposedEntry(proposed, { ...this.entryOptions, purpose: 'search' });
    return this.entriesByLeafHash([canonical.leafHash]);
  }

  /** Leaf hashes of entries matching index-search key groups, in log order. */
  async search(groups: readonly (readonly string[])[], operator: 'and' | 'or'): Promise<Buffer[]> {
    return this.entries.searchIndex(groups, operator, MAX_SEARCH_RESULTS);
  }

  /** Size, root and signed checkpoint of the current tree (an empty tree's is signed on demand). */
  async info(): Promise<LogInfo> {
    const latest = await this.entries.latestCheckpoint();
    if (latest) return { treeSize: latest.treeSize, rootHash: latest.rootHash, checkpoint: latest.note };
    return { treeSize: 0, rootHash: EMPTY_ROOT, checkpoint: this.signer.signCheckpoint(0, EMPTY_ROOT) };
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.entries.latestCheckpoint();
  }

  /** Every stored checkpoint, by size (audits, tests). */
  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.entries.checkpoints();
  }

  /** The committed head row: size and root. */
  async head(): Promise<TreeHead> {
    return this.tree.head();
  }

  /** Entries [start, start+count) without proofs (entry bundles, audits). */
  async entriesRange(start: number, count: number): Promise<StoredEntry[]> {
    return this.entries.entriesRange(start, count);
  }

  /** The root of the tree at `treeSize`, from the tiles. */
  async rootAt(treeSize: number): Promise<Buffer> {
    return rootAt(treeSize, this.tree);
  }

  /** The audit path of leaf `index` in the tree of `treeSize`, from the tiles. */
  async inclusionPath(index: number, treeSize: number): Promise<Buffer[]> {
    return proveInclusion(index, treeSize, this.tree);
  }

  async entryByIndex(index: number): Promise<ProvenEntry | undefined> {
    const [entry] = await this.entries.entriesByIndex([index]);
    return entry ? this.withProof(entry) : undefined;
  }

  async entriesByLeafHash(leafHashes: readonly Buffer[]): Promise<ProvenEntry[]> {
    return this.withProofs(await this.entries.entriesByLeafHash(leafHashes));
  }

  async entriesByIndex(indexes: readonly number[]): Promise<ProvenEntry[]> {
    return this.withProofs(await this.entries.entriesByIndex(indexes));
  }

  async withProofs(entries: readonly StoredEntry[]): Promise<ProvenEntry[]> {
    if (entries.length === 0) return [];
    const checkpoint = await this.requireCheckpoint();
    return Promise.all(entries.map(async (e) => ({ ...e, proof: await this.prove(e.index, checkpoint) })));
  }

  private async withProof(entry: StoredEntry): Promise<ProvenEntry> {
    return { ...entry, proof: await this.prove(entry.index, await this.requireCheckpoint()) };
  }

  private async requireCheckpoint(): Promise<StoredCheckpoint> {
    const checkpoint = await this.entries.latestCheckpoint();
    if (!checkpoint) throw new SealhouseError('internal', 'an entry exists but no checkpoint does');
    return checkpoint;
  }

  private async prove(index: number, checkpoint: StoredCheckpoint): Promise<InclusionProof> {
    return {
      logIndex: index,
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash,
      hashes: await proveInclusion(index, checkpoint.treeSize, this.tree),
      checkpoint: checkpoint.note,
    };
  }

  /** Consistency proof between two sizes of the current tree, and the root at size2. */
  async consistency(size1: number, size2: number): Promise<{ hashes: Buffer[]; rootHash: Buffer }> {
    // Rekor checks the order of the sizes before asking the tree (rekor-api.md §1.5).
    if (size1 < 1) throw new SealhouseError('out_of_range', `firstSize must be at least 1, got ${size1}`);
    if (size1 > size2) throw new SealhouseError('out_of_range', `firstSize(${size1}) must be less than lastSize(${size2})`);
    const { treeSize } = await this.tree.head();
    if (size2 > treeSize) {
      throw new SealhouseError('out_of_range', `the tree size requested(${size2}) was greater than what is currently observable(${treeSize})`);
    }
    const hashes = size1 === size2 ? [] : await proveConsistency(size1, size2, this.tree);
    return { hashes, rootHash: await rootAt(size2, this.tree) };
  }

  /**
   * A C2SP tile or entry bundle by path (e.g. "tile/0/x001/234.p/7", "tile/entries/000").
   * Full tiles never change; a partial tile is served at exactly the width asked for.
   */
  async tile(path: string): Promise<Buffer> {
    return this.tree.tileByPath(path, (start, count) => this.entries.entriesRange(start, count), (index) => `read it through the Rekor v1 API (log index ${index})`);
  }

  /** Commit everything queued, refuse anything new. */
  async close(): Promise<void> {
    await this.sequencer.drain();
    await this.signer.close();
  }
}
