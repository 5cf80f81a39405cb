/**
 * The Rekor v2 log (sigstore/rekor-tiles semantics on Sealhouse's storage): a second tree in the
 * same database ('rekor-v2'), bound to its own Ed25519 key, written through the same Sequencer
 * as v1 — group commit, lock the head, dedupe, integrate tiles, entries and one signed
 * checkpoint per batch, inclusion proofs built inside the transaction, callers answered after
 * COMMIT. No SET, no integrated time.
 *
 * Checkpoints are C2SP signed notes (https://c2sp.org/tlog-checkpoint) whose origin is also the
 * key name: by default the bare host of the public URL, because sigstore-go verifies them with
 * the key name url.Hostname() of the trusted root's baseUrl. The log ID clients match is the
 * full note key ID SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ public key).
 *
 * It is a TileLog (http/tiles-router.ts): `tile(path)` and `checkpoint()`; the checkpoint
 * carries witness cosignatures when a witness hook (src/witness) is attached, and every new
 * checkpoint is handed to that hook after its commit, never awaited by an append.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { signCheckpoint } from '../note/checkpoint.js';
import { ed25519KeySigner } from '../note/ed25519-note.js';
import { EMPTY_ROOT, leafHash } from '../merkle/hash.js';
import { proveConsistency } from '../merkle/prove.js';
import type { BatchObserver, GroupCommitOptions } from '../storage/group-commit.js';
import type { StoredCheckpoint } from '../storage/rekor-store.js';
import type { Sql } from '../storage/sql.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import { TreeStore, type TreeHead } from '../storage/tree-store.js';
import type { Clock } from '../clock.js';
import { Sequencer, type SequencedEntry } from '../log/sequencer.js';
import { hashedRekordEntry, type V2Entry } from './hashedrekord-v002.js';
import { RekorV2Store } from './rekor-v2-store.js';

export const REKOR_V2_TREE = 'rekor-v2';

/** What src/witness offers the log (its CheckpointWitnesses), seen from here. */
export interface CheckpointWitnessHook {
  /** Told after each commit that published a new checkpoint; must not throw or block. */
  checkpointPublished(cp: { readonly treeSize: number; readonly rootHash: Uint8Array; readonly note: string }): void;
  /** The note with the stored cosignature lines for `treeSize` appended. */
  cosigned(note: string, treeSize: number): Promise<string>;
}

export interface RekorV2LogOptions extends GroupCommitOptions {
  /** Ed25519 private key of the checkpoints. */
  readonly key: KeyObject;
  /** Checkpoint origin and key name (SEALHOUSE_REKOR_V2_ORIGIN or the public URL's host). */
  readonly origin: string;
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
  /** Told once when the tree cannot be vouched for and the log stops accepting writes. */
  readonly onIntegrityProblem?: (err: TreeIntegrityError) => void;
  readonly witnesses?: CheckpointWitnessHook;
}

export class RekorV2Log {
  /** Full note key ID: the trusted root's logId.keyId and every response's logId. */
  readonly logId: Buffer;
  /** DER SPKI of the checkpoint key (the trusted root's publicKey). */
  readonly spki: Buffer;
  /** The C2SP vkey of the checkpoint key, for witnesses and monitors. */
  readonly vkey: string;
  private witnesses: CheckpointWitnessHook | undefined;
  private publishedSize = 0;

  private constructor(
    private readonly tree: TreeStore,
    private readonly store: RekorV2Store,
    private readonly sequencer: Sequencer,
    private readonly signer: { signCheckpoint(treeSize: number, rootHash: Buffer): string },
    ids: { logId: Buffer; spki: Buffer; vkey: string },
    readonly origin: string,
    witnesses: CheckpointWitnessHook | undefined,
  ) {
    this.logId = ids.logId;
    this.spki = ids.spki;
    this.vkey = ids.vkey;
    this.witnesses = witnesses;
  }

  static async open(sql: Sql, options: RekorV2LogOptions): Promise<RekorV2Log> {
    const noteSigner = ed25519KeySigner(options.origin, options.key);
    const spki = createPublicKey(options.key).export({ type: 'spki', format: 'der' });
    const tree = await TreeStore.open(sql, REKOR_V2_TREE);
    await tree.bindPublicKey(spki, 'SEALHOUSE_REKOR_V2_KEY');
    const store = new RekorV2Store(sql, tree.treeId);
    if (options.onIntegrityProblem) tree.onProblem(options.onIntegrityProblem);
    // The same start-up check as v1 (storage/tree-integrity.ts): no signing over a tree the tiles, head and checkpoint do not agree on.
    const latest = await store.latestCheckpoint();
    await tree.verifyStored(latest && { ...latest, row: `checkpoints (tree_size ${latest.treeSize})` }, async (start, end) =>
      (await store.entriesRange(start, end - start)).map((e) => ({ index: e.index, fromData: leafHash(e.body), column: e.leafHash, row: `rekor_v2_entries idx ${e.index}` })),
    );
    const signer = {
      signCheckpoint: (treeSize: number, rootHash: Buffer): string => signCheckpoint({ origin: options.origin, size: treeSize, rootHash, extensions: [] }, noteSigner),
    };
    const sequencer = new Sequencer(
      { sql, tree, entries: store, signer, ...(options.clock ? { clock: options.clock } : {}), ...(options.observer ? { observer: options.observer } : {}) },
      options,
    );
    const log = new RekorV2Log(tree, store, sequencer, signer, { logId: noteSigner.keyHash, spki, vkey: noteSigner.vkey }, options.origin, options.witnesses);
    log.publishedSize = latest?.treeSize ?? 0;
    return log;
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
   * Attach the witness hook after opening (the witness service needs the log's tree first) and
   * offer it the latest checkpoint, which a previous process may have committed but not
   * submitted before it stopped.
   */
  attachWitnesses(witnesses: CheckpointWitnessHook): void {
    this.witnesses = witnesses;
    this.store.latestCheckpoint().then(
      (latest) => latest && this.offer(latest),
      () => undefined, // the next batch's checkpoint is offered anyway
    );
  }

  /**
   * Append and wait for the commit: the index, and an inclusion proof against the signed
   * checkpoint of the batch. Rejects with DuplicateEntryError for an entry already logged.
   */
  async append(entry: V2Entry, client?: string): Promise<SequencedEntry> {
    const problem = this.tree.problem;
    if (problem) throw problem;
    const done = await this.sequencer.add({ body: entry.body, leafHash: entry.leafHash, indexKeys: [] }, client);
    this.published(done.checkpoint);
    return done;
  }

  /** Validate a protojson CreateEntryRequest (signature included), then append it. */
  async submit(request: unknown, client?: string): Promise<SequencedEntry> {
    return this.append(hashedRekordEntry(request), client);
  }

  /** Each batch's checkpoint goes to the witnesses once (every caller of the batch sees it). */
  private published(cp: StoredCheckpoint): void {
    if (cp.treeSize <= this.publishedSize) return;
    this.publishedSize = cp.treeSize;
    this.offer(cp);
  }

  private offer(cp: StoredCheckpoint): void {
    try {
      this.witnesses?.checkpointPublished({ treeSize: cp.treeSize, rootHash: cp.rootHash, note: cp.note });
    } catch {
      // A witness is never a reason to fail an append that has committed.
    }
  }

  /** The latest signed checkpoint (an empty tree's signed on demand), with witness cosignatures. */
  async checkpoint(): Promise<string> {
    const latest = await this.store.latestCheckpoint();
    const cp = latest ?? { treeSize: 0, rootHash: EMPTY_ROOT, note: this.signer.signCheckpoint(0, EMPTY_ROOT) };
    return this.witnesses && cp.treeSize > 0 ? this.witnesses.cosigned(cp.note, cp.treeSize) : cp.note;
  }

  /** The latest checkpoint as stored (only the log's own signature), if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.store.latestCheckpoint();
  }

  /** RFC 6962 consistency proof between two sizes of this tree (witness add-checkpoint). */
  async consistency(size1: number, size2: number): Promise<Buffer[]> {
    return size1 === 0 || size1 === size2 ? [] : proveConsistency(size1, size2, this.tree);
  }

  async head(): Promise<TreeHead> {
    return this.tree.head();
  }

  /** A C2SP tile or entry bundle by path (tiles-router.ts). */
  tile(path: string): Promise<Buffer> {
    return this.tree.tileByPath(path, (start, count) => this.store.entriesRange(start, count));
  }

  /** Commit everything queued, refuse anything new. */
  close(): Promise<void> {
    return this.sequencer.drain();
  }
}
