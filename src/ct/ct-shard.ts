/**
 * The read side of one shard of the CT log (storage/log-shards.ts): get-sth, consistency and
 * audit proofs and get-entries over that shard's tree. The shard in use also signs the head of
 * its empty tree; a frozen shard holds no key — its last stored STH, made while it was in use,
 * is its final head, so it never needs to sign again.
 */
import { SealhouseError } from '../errors.js';
import type { LogShard } from '../storage/log-shards.js';
import type { TreeStore } from '../storage/tree-store.js';
import { CtLogReader } from './ct-log-reader.js';
import type { CtStore } from './ct-store.js';
import type { SignedTreeHead } from './ct-wire.js';

export class CtShard extends CtLogReader {
  constructor(
    tree: TreeStore,
    store: CtStore,
    readonly shard: LogShard,
    private readonly signEmptyHead?: () => SignedTreeHead,
  ) {
    super(tree, store);
  }

  get ordinal(): number {
    return this.shard.ordinal;
  }

  /** The tree this shard writes to (the shard in use only: the CT log's batches). */
  get treeStore(): TreeStore {
    return this.tree;
  }

  get ctStore(): CtStore {
    return this.store;
  }

  protected emptyTreeHead(): SignedTreeHead {
    if (this.signEmptyHead) return this.signEmptyHead();
    throw new SealhouseError('not_found', `CT log shard ${this.shard.ordinal} was frozen before it took any entry: it has no tree head`);
  }
}
