/**
 * The write path (DESIGN §2): entries are grouped into batches and each batch is one
 * transaction — lock the tree head, drop duplicates (already logged, or repeated inside the
 * batch), assign indexes and integratedTime, sign each SET, integrate the tiles, write entries
 * and index keys, sign and store one checkpoint for the new size, commit. Callers are answered
 * only after that commit, so nothing acknowledged can be lost and the index, SET and checkpoint
 * of an entry exist exactly when the entry does.
 */
import { DuplicateEntryError } from '../errors.js';
import type { RekorStore, NewEntry, StoredCheckpoint } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import type { TreeStore } from '../storage/tree-store.js';
import { GroupCommit, type BatchObserver, type GroupCommitOptions } from './group-commit.js';
import type { LogSigner } from './log-signer.js';

/** A canonical entry ready to append (see src/entries). */
export interface PendingEntry {
  readonly body: Buffer;
  readonly leafHash: Buffer;
  readonly indexKeys: readonly string[];
}

export interface SequencedEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
  /** The checkpoint of the batch that integrated this entry. */
  readonly checkpoint: StoredCheckpoint;
}

export interface Clock {
  now(): number; // milliseconds since the epoch
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SequencerDeps {
  readonly sql: Sql;
  readonly tree: TreeStore;
  readonly entries: RekorStore;
  readonly signer: LogSigner;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
}

export class Sequencer {
  private readonly group: GroupCommit<PendingEntry, SequencedEntry>;

  constructor(
    private readonly deps: SequencerDeps,
    options: GroupCommitOptions,
  ) {
    this.group = new GroupCommit(options, (batch) => this.commitBatch(batch), deps.observer);
  }

  /** Resolves once the entry is committed; rejects with DuplicateEntryError if already logged. */
  add(entry: PendingEntry): Promise<SequencedEntry> {
    return this.group.submit(entry);
  }

  get queueDepth(): number {
    return this.group.depth;
  }

  /** Stop accepting entries and commit (or reject) everything already queued. */
  drain(): Promise<void> {
    return this.group.close();
  }

  private async commitBatch(batch: readonly PendingEntry[]): Promise<(SequencedEntry | Error)[]> {
    const { sql, tree, entries, signer } = this.deps;
    const clock = this.deps.clock ?? systemClock;
    return sql.tx(async (tx) => {
      const head = await tree.lockHead(tx);
      const existing = await entries.findIndexes(tx, batch.map((e) => e.leafHash));
      const integratedTime = Math.floor(clock.now() / 1000);

      const fresh: NewEntry[] = [];
      const placed = new Map<string, number>(); // leaf hash hex → index, for repeats in the batch
      const slots = batch.map((entry) => {
        const key = entry.leafHash.toString('hex');
        const known = existing.get(key) ?? placed.get(key);
        if (known !== undefined) return new DuplicateEntryError(known, entry.leafHash);
        const index = head.treeSize + fresh.length;
        placed.set(key, index);
        const setSignature = signer.signSet({ body: entry.body, integratedTime, logIndex: index });
        const row: NewEntry = { index, leafHash: entry.leafHash, body: entry.body, integratedTime, setSignature, indexKeys: entry.indexKeys };
        fresh.push(row);
        return row;
      });
      if (fresh.length === 0) return slots as Error[];

      const integration = await tree.append(tx, head, fresh.map((e) => e.leafHash));
      await entries.insertEntries(tx, fresh);
      const checkpoint: StoredCheckpoint = {
        treeSize: integration.edge.treeSize,
        rootHash: integration.rootHash,
        note: signer.signCheckpoint(integration.edge.treeSize, integration.rootHash),
      };
      await entries.insertCheckpoint(tx, checkpoint);
      return slots.map((slot) => (slot instanceof Error ? slot : { ...slot, checkpoint }));
    });
  }
}
