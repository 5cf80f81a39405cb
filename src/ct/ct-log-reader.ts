/**
 * The read side of the CT log, RFC 6962 §4.3–4.8 (https://www.rfc-editor.org/rfc/rfc6962#section-4.3):
 * the latest signed tree head, consistency proofs between tree sizes, audit paths by leaf hash,
 * and entries by index range. Proofs come from the shared Merkle core over the log's tiles.
 * Range rules follow the Go CT front end (certificate-transparency-go trillian/ctfe): get-entries
 * is clamped to the tree and to MAX_GET_ENTRIES per call.
 */
import { SealhouseError } from '../errors.js';
import { proveConsistency, proveInclusion } from '../merkle/prove.js';
import type { CtRow, CtStore } from './ct-store.js';
import type { TreeStore } from '../storage/tree-store.js';
import type { SignedTreeHead } from './ct-wire.js';

/** The most entries one get-entries call returns (the Go CT front end's default). */
export const MAX_GET_ENTRIES = 1000;

export interface AuditProof {
  readonly leafIndex: number;
  readonly auditPath: Buffer[];
}

const outOfRange = (why: string): SealhouseError => new SealhouseError('out_of_range', why);

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw outOfRange(`${name} must be a non-negative integer`);
}

export abstract class CtLogReader {
  protected constructor(
    protected readonly tree: TreeStore,
    protected readonly store: CtStore,
  ) {}

  get treeId(): number {
    return this.tree.treeId;
  }

  protected abstract emptyTreeHead(): SignedTreeHead;

  /** The signed head of the latest committed batch (an empty log's is signed on demand). */
  async sth(): Promise<SignedTreeHead> {
    return (await this.store.latestSth()) ?? this.emptyTreeHead();
  }

  private async size(): Promise<number> {
    return (await this.tree.head()).treeSize;
  }

  /** get-sth-consistency: the proof that tree `second` extends tree `first`. */
  async consistency(first: number, second: number): Promise<Buffer[]> {
    checkCount('first', first);
    checkCount('second', second);
    const size = await this.size();
    if (second > size) throw outOfRange(`second (${second}) is beyond the current tree size ${size}`);
    if (first > second) throw outOfRange(`first (${first}) must not be greater than second (${second})`);
    // An empty tree is consistent with everything and a tree with itself: nothing to prove.
    if (first === 0 || first === second) return [];
    return proveConsistency(first, second, this.tree);
  }

  /** get-proof-by-hash: the audit path of the leaf with this Merkle leaf hash in tree `treeSize`. */
  async proofByHash(hash: Buffer, treeSize: number): Promise<AuditProof> {
    if (hash.length !== 32) throw new SealhouseError('invalid_input', 'hash must be a base64 SHA-256 Merkle leaf hash (32 bytes)');
    checkCount('tree_size', treeSize);
    const size = await this.size();
    if (treeSize < 1 || treeSize > size) throw outOfRange(`tree_size must be between 1 and the current tree size ${size}`);
    const index = await this.store.indexOfLeafHash(hash);
    if (index === undefined || index >= treeSize) throw new SealhouseError('not_found', `no leaf with hash ${hash.toString('base64')} in the tree of size ${treeSize}`);
    return { leafIndex: index, auditPath: await proveInclusion(index, treeSize, this.tree) };
  }

  /** get-entries: entries start..end inclusive, clamped to the tree and to MAX_GET_ENTRIES. */
  async entries(start: number, end: number): Promise<CtRow[]> {
    checkCount('start', start);
    checkCount('end', end);
    if (end < start) throw outOfRange(`end (${end}) must not be less than start (${start})`);
    const size = await this.size();
    if (start >= size) throw outOfRange(`start (${start}) is beyond the last entry (tree size ${size})`);
    return this.store.range(start, Math.min(end + 1, size, start + MAX_GET_ENTRIES));
  }

  /** get-entry-and-proof: one entry with its audit path in tree `treeSize`. */
  async entryAndProof(index: number, treeSize: number): Promise<{ entry: CtRow; auditPath: Buffer[] }> {
    checkCount('leaf_index', index);
    checkCount('tree_size', treeSize);
    const size = await this.size();
    if (treeSize > size || index >= treeSize) throw outOfRange(`need leaf_index < tree_size <= ${size}`);
    const [entry] = await this.store.range(index, index + 1);
    if (!entry) throw new SealhouseError('internal', `CT entry ${index} is missing below tree size ${size}`);
    return { entry, auditPath: await proveInclusion(index, treeSize, this.tree) };
  }
}
