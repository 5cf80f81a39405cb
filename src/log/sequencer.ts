/**
 * The write path (DESIGN §2): entries are grouped into batches and each batch is one
 * transaction — lock the tree head, drop duplicates (already logged, or repeated inside the
 * batch), assign indexes and integratedTime, sign each SET, integrate the tiles, write entries
 * and index keys, sign and store one checkpoint for the new size, commit. Callers are answered
 * only after that commit, so nothing acknowledged can be lost and the index, SET and checkpoint
 * of an entry exist exactly when the entry does.
 *
 * One write path for every Rekor log: v1 passes its RekorStore and LogSigner (SETs and
 * integratedTime); the Rekor v2 log (src/rekor-v2) passes a store of its own and a signer with
 * no `signSets` (v2 has no SET), and so shares every step above instead of copying them.
 *
 * A log whose key rotates is a sequence of shards (src/storage/log-shards.ts). A batch that
 * locks a tree frozen by a rotation (by this or any other process) fails over: `onFrozen`
 * moves the log to the new shard and returns where to write now, and the same batch is
 * committed there — no caller sees the rotation. While the new shard cannot be written yet
 * (its key file not yet in place), the batch waits and tries again, for FAILOVER_MS at most.
 */
import { DuplicateEntryError } from '../errors.js';
import { commitAcrossRotations, ShardFrozenError } from '../storage/log-shards.js';
import { proveInclusionBatch } from '../merkle/prove.js';
import type { RekorStore, NewEntry, StoredCheckpoint } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import type { TreeStore } from '../storage/tree-store.js';
import { AlreadyLogged, GroupCommit, type BatchObserver, type CommitAttempt, type GroupCommitOptions } from '../storage/group-commit.js';
import { type Clock, systemClock } from '../clock.js';
import type { SetBatch } from './set-signer.js';

/** A canonical entry ready to append (see src/entries). */
export interface PendingEntry {
  readonly body: Buffer;
  readonly leafHash: Buffer;
  readonly indexKeys: readonly string[];
}

/** An RFC 6962 inclusion proof with the signed checkpoint of the tree it was built against. */
export interface InclusionProof {
  readonly logIndex: number;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly hashes: Buffer[];
  readonly checkpoint: string;
}

export interface SequencedEntry {
  /** The index in its shard's tree (what inclusion proofs use). */
  readonly index: number;
  /** The global index across shards: the shard's first index plus `index` (Rekor v1's logIndex). */
  readonly logIndex: number;
  /** The tree (shard) the entry was appended to. */
  readonly treeId: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
  /** The checkpoint of the batch that integrated this entry. */
  readonly checkpoint: StoredCheckpoint;
  /** Inclusion in that checkpoint's tree, built before the commit. */
  readonly proof: InclusionProof;
}

/** Where a batch's rows go: RekorStore for v1, the v2 log's store for v2. */
export type SequencerStore = Pick<RekorStore, 'findIndexes' | 'insertBatch'>;

/** The checkpoint signer of the log; `signSets` only for a log with SETs (v1). */
export interface SequencerSigner {
  signCheckpoint(treeSize: number, rootHash: Buffer): string;
  signSets?(batch: SetBatch): Promise<Buffer[]>;
}

const NO_SET = Buffer.alloc(0);

/** Where batches are written: one shard's tree, rows and signer. */
export interface SequencerTarget {
  readonly tree: TreeStore;
  readonly entries: SequencerStore;
  readonly signer: SequencerSigner;
  /** Global index of the tree's leaf 0 (0 for a log that never rotated, or without global indexes). */
  readonly firstIndex?: number;
}

export interface SequencerDeps extends SequencerTarget {
  readonly sql: Sql;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
  /**
   * The tree was frozen by a key rotation: move to the log's new shard and return it. Throws
   * while the new shard cannot be written yet; the batch then retries (FAILOVER_MS at most).
   * Without it a frozen tree fails the batch.
   */
  readonly onFrozen?: (frozen: ShardFrozenError) => Promise<SequencerTarget>;
  /** How long a batch keeps trying to reach the new shard before its callers get a 503 (default FAILOVER_MS). */
  readonly failoverMs?: number;
}

/** How long a batch keeps trying to reach a log's new shard before it is refused (503, retry). */
export const FAILOVER_MS = 15_000;

export class Sequencer {
  private readonly group: GroupCommit<PendingEntry, SequencedEntry>;
  private target: SequencerTarget;

  constructor(
    private readonly deps: SequencerDeps,
    options: GroupCommitOptions,
  ) {
    this.target = deps;
    this.group = new GroupCommit(options, (batch, attempt) => this.commitFailingOver(batch, attempt), deps.observer);
  }

  /** The tree batches go to now (it changes when the log rotates to a new shard). */
  get treeId(): number {
    return this.target.tree.treeId;
  }

  /**
   * Resolves once the entry is committed; rejects with DuplicateEntryError if already logged.
   * `client` (the submitter's address) counts against its fair share of the queue.
   */
  add(entry: PendingEntry, client?: string): Promise<SequencedEntry> {
    return this.group.submit(entry, client);
  }

  get queueDepth(): number {
    return this.group.depth;
  }

  /** Stop accepting entries and commit (or reject) everything already queued. */
  drain(): Promise<void> {
    return this.group.close();
  }

  /**
   * Duplicates of logged entries are rare, so a batch first commits optimistically without
   * looking them up: the entry insert skips conflicting leaf hashes, and if it skipped any, it
   * throws AlreadyLogged and GroupCommit redoes the batch with the lookup. This saves one
   * index probe per entry on every ordinary batch.
   */
  private commitFailingOver(batch: readonly PendingEntry[], attempt: CommitAttempt): Promise<(SequencedEntry | Error)[]> {
    const { onFrozen } = this.deps;
    if (!onFrozen) return this.commitBatch(batch, attempt, this.target);
    let frozen: ShardFrozenError | undefined;
    return commitAcrossRotations(
      async () => {
        try {
          return await this.commitBatch(batch, attempt, this.target);
        } catch (err) {
          if (err instanceof ShardFrozenError) frozen = err;
          throw err;
        }
      },
      async () => {
        this.target = await onFrozen(frozen as ShardFrozenError);
      },
      'the log',
      this.deps.failoverMs ?? FAILOVER_MS,
    );
  }

  private async commitBatch(batch: readonly PendingEntry[], { lookUpExisting }: CommitAttempt, target: SequencerTarget): Promise<(SequencedEntry | Error)[]> {
    const { sql } = this.deps;
    const { tree, entries, signer } = target;
    const firstIndex = target.firstIndex ?? 0;
    const clock = this.deps.clock ?? systemClock;
    return sql.tx(async (tx) => {
      const head = await tree.lockHead(tx);
      const existing = lookUpExisting ? await entries.findIndexes(tx, batch.map((e) => e.leafHash)) : new Map<string, number>();
      const integratedTime = Math.floor(clock.now().getTime() / 1000);

      const fresh: PendingEntry[] = [];
      const placed = new Map<string, number>(); // leaf hash hex → index, for repeats in the batch
      const slots = batch.map((entry) => {
        const key = entry.leafHash.toString('hex');
        const known = existing.get(key) ?? placed.get(key);
        if (known !== undefined) return new DuplicateEntryError(known, entry.leafHash);
        const index = head.treeSize + fresh.length;
        placed.set(key, index);
        fresh.push(entry);
        return index;
      });
      if (fresh.length === 0) return slots as Error[];

      // Nothing is signed over a tree that does not reproduce its head (TreeIntegrityError).
      const edge = await tree.vouch(tx, head);
      // Signing runs in a worker while this thread writes the tiles (set-signer.ts).
      const signing = signer.signSets?.({ bodies: fresh.map((e) => e.body), firstIndex: firstIndex + head.treeSize, integratedTime });
      signing?.catch(() => undefined); // awaited below; this only stops an early rollback from leaking a rejection
      // The tile write is not awaited here: the entry insert queues behind it on the connection,
      // and both are awaited before COMMIT (one turn of the event loop instead of two).
      const { integration, written } = await tree.appendQueued(tx, head, fresh.map((e) => e.leafHash), edge);
      const signatures = await signing;
      const rows: NewEntry[] = fresh.map((e, i) => ({
        index: head.treeSize + i,
        leafHash: e.leafHash,
        body: e.body,
        integratedTime,
        setSignature: signatures?.[i] ?? NO_SET,
      }));
      const checkpoint: StoredCheckpoint = {
        treeSize: integration.edge.treeSize,
        rootHash: integration.rootHash,
        note: signer.signCheckpoint(integration.edge.treeSize, integration.rootHash),
      };
      // Entries, index keys and checkpoint in one statement: each round trip of this transaction
      // waits for a turn of the (busy) event loop, so fewer of them commit a batch sooner.
      const keys = fresh.map((e, i) => ({ index: head.treeSize + i, indexKeys: e.indexKeys }));
      const inserting = entries.insertBatch(tx, rows, keys, checkpoint);
      inserting.catch(() => undefined); // awaited below, after the CPU work it overlaps with
      // Proofs are built here, inside the transaction, so answering a caller after the commit
      // is pure formatting and cannot fail (a 5xx after commit is impossible by construction).
      const paths = await proveInclusionBatch(rows.map((r) => r.index), checkpoint.treeSize, tree.batchReader(tx, integration));
      const proofs: InclusionProof[] = rows.map((row, i) => ({
        logIndex: row.index,
        treeSize: checkpoint.treeSize,
        rootHash: checkpoint.rootHash,
        hashes: paths[i] as Buffer[],
        checkpoint: checkpoint.note,
      }));
      await written;
      if ((await inserting) !== rows.length) throw new AlreadyLogged();
      return slots.map((slot) => {
        if (slot instanceof Error) return slot;
        const i = slot - head.treeSize;
        return { ...(rows[i] as NewEntry), logIndex: firstIndex + slot, treeId: tree.treeId, checkpoint, proof: proofs[i] as InclusionProof };
      });
    });
  }
}
