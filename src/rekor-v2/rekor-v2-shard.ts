/**
 * One shard of the Rekor v2 log (storage/log-shards.ts): a tree with its own Ed25519 key and
 * checkpoint origin (core/shard-paths.ts: the log's configured origin, or the host name of a
 * shard served under a host of its own), read as C2SP tiles and checkpoints (a TileLog, http/tiles-router.ts). Frozen shards
 * stay readable forever: their tiles and their last stored checkpoint, signed by their own key,
 * never change. Only the active shard has a Sequencer (rekor-v2-log.ts gives it one); a shard
 * knows its signer only if this process held its private key while it was active, which it
 * needs for nothing but the unstored checkpoint of an empty tree (checkpoints start at size 1).
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/hash.js';
import { proveConsistency } from '../merkle/prove.js';
import { signCheckpoint } from '../note/checkpoint.js';
import { ed25519KeyHash, ed25519KeySigner } from '../note/ed25519-note.js';
import type { LogShard } from '../storage/log-shards.js';
import type { StoredCheckpoint } from '../storage/rekor-store.js';
import { rekorV2ShardAddress, shardPath } from '../core/shard-paths.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore, type TreeHead } from '../storage/tree-store.js';
import { RekorV2Store } from './rekor-v2-store.js';

/** What src/witness offers the log (its CheckpointWitnesses), seen from here. */
export interface CheckpointWitnessHook {
  /** Told after each commit that published a new checkpoint; must not throw or block. */
  checkpointPublished(cp: { readonly treeSize: number; readonly rootHash: Uint8Array; readonly note: string }): void;
  /** The note with the stored cosignature lines for `treeSize` appended. */
  cosigned(note: string, treeSize: number): Promise<string>;
}

export interface CheckpointSigner {
  signCheckpoint(treeSize: number, rootHash: Buffer): string;
}

/** An Ed25519 public key's raw 32 bytes: the last 32 of its 44-byte DER SPKI. */
const rawEd25519 = (spki: Buffer): Buffer => Buffer.from(spki.subarray(spki.length - 32));

export class RekorV2Shard {
  readonly ordinal: number;
  readonly origin: string;
  /** Where it is served under the log's base URL: '' for shard 1, '/shards/N' after. */
  readonly path: string;
  /** Its own public base URL when it is served under a host name of its own (requests for that host are routed to `path`). */
  readonly ownUrl: string | undefined;
  /** DER SPKI of the shard's checkpoint key (trees.public_key). */
  readonly spki: Buffer;
  /** Full note key ID of origin and key: the trusted root's logId.keyId for this shard. */
  readonly logId: Buffer;
  readonly tree: TreeStore;
  readonly store: RekorV2Store;
  /** When it started taking entries (the start of its key's validFor). */
  readonly activeFrom: Date;
  /** Set when the shard is frozen (learnt at open, or when the log rotated away from it). */
  frozenAt: Date | undefined;
  private signerOf: CheckpointSigner | undefined;
  private vkeyOf: string | undefined;
  /** The witness hook of this shard: attached while active, kept after it froze (cosignatures of its last checkpoints). */
  witnesses: CheckpointWitnessHook | undefined;
  /** Size of the last checkpoint handed to the witnesses. */
  publishedSize = 0;

  constructor(sql: Sql, shard: LogShard, baseOrigin: string) {
    if (!shard.publicKey) throw new SealhouseError('internal', `Rekor v2 shard ${shard.ordinal} (tree ${shard.treeId}) has no bound key`);
    this.ordinal = shard.ordinal;
    this.origin = rekorV2ShardAddress({ baseUrl: '', origin: baseOrigin }, shard).origin;
    this.path = shardPath(shard.ordinal);
    this.ownUrl = shard.baseUrl;
    this.spki = shard.publicKey;
    this.logId = ed25519KeyHash(this.origin, rawEd25519(shard.publicKey));
    this.tree = TreeStore.byId(sql, shard.treeId);
    this.store = new RekorV2Store(sql, shard.treeId);
    this.activeFrom = shard.activeFrom;
    this.frozenAt = shard.frozenAt;
  }

  get treeId(): number {
    return this.tree.treeId;
  }

  /** The signer, once this process holds the shard's private key (only ever the active shard's). */
  get signer(): CheckpointSigner | undefined {
    return this.signerOf;
  }

  /** The C2SP vkey (witnesses, monitors); known once the private key is. */
  get vkey(): string | undefined {
    return this.vkeyOf;
  }

  /** Whether `key` is this shard's private key. */
  holds(key: KeyObject): boolean {
    return createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(this.spki);
  }

  /** Give the shard its private key (checked against the bound public key by the caller: `holds`). */
  useKey(key: KeyObject): CheckpointSigner {
    const noteSigner = ed25519KeySigner(this.origin, key);
    this.vkeyOf = noteSigner.vkey;
    this.signerOf = {
      signCheckpoint: (treeSize: number, rootHash: Buffer): string => signCheckpoint({ origin: this.origin, size: treeSize, rootHash, extensions: [] }, noteSigner),
    };
    return this.signerOf;
  }

  /** The latest signed checkpoint (an empty tree's signed on demand), with witness cosignatures. */
  async checkpoint(): Promise<string> {
    const latest = await this.store.latestCheckpoint();
    if (!latest) {
      if (!this.signerOf) throw new SealhouseError('not_found', `shard ${this.ordinal} of the Rekor v2 log was frozen before its first entry: it has no checkpoint`);
      return this.signerOf.signCheckpoint(0, EMPTY_ROOT);
    }
    return this.witnesses ? this.witnesses.cosigned(latest.note, latest.treeSize) : latest.note;
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.store.latestCheckpoint();
  }

  async consistency(size1: number, size2: number): Promise<Buffer[]> {
    return size1 === 0 || size1 === size2 ? [] : proveConsistency(size1, size2, this.tree);
  }

  head(): Promise<TreeHead> {
    return this.tree.head();
  }

  /** A C2SP tile or entry bundle by path (tiles-router.ts). */
  tile(path: string): Promise<Buffer> {
    return this.tree.tileByPath(path, (start, count) => this.store.entriesRange(start, count));
  }

  /** Each batch's checkpoint goes to the witnesses once (every caller of the batch sees it). */
  published(cp: StoredCheckpoint): void {
    if (cp.treeSize <= this.publishedSize) return;
    this.publishedSize = cp.treeSize;
    this.offer(cp);
  }

  offer(cp: StoredCheckpoint): void {
    try {
      this.witnesses?.checkpointPublished({ treeSize: cp.treeSize, rootHash: cp.rootHash, note: cp.note });
    } catch {
      // A witness is never a reason to fail an append that has committed.
    }
  }
}
