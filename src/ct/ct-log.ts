/**
 * Sealhouse's own Certificate Transparency log, RFC 6962 (https://www.rfc-editor.org/rfc/rfc6962),
 * on the same storage and Merkle core as the Rekor log: the log 'ct' is a sequence of shards
 * (storage/log-shards.ts), each a tree in `trees`/`tiles` with its own key; entries in
 * ct_entries, one signed tree head per batch in ct_sths. Shard 1 is the tree named 'ct' the log
 * always had; `sealhouse rotate ct` freezes the shard in use and starts the next with a new key.
 *
 * The write path mirrors the Rekor sequencer: submissions are group-committed, one transaction
 * per batch — lock the tree head, recognise resubmissions, assign indexes and one timestamp,
 * integrate the MerkleTreeLeaf hashes, write the rows, sign and store the tree head, commit.
 * An SCT is handed out only after that commit, so every SCT's entry is already in the tree
 * (a maximum merge delay of zero).
 *
 * Rotation under load: a batch that locks a frozen tree (ShardFrozenError — another process
 * rotated) rolls back, this log follows the rotation (the new shard's key from the key files,
 * checked against the shard's public_key) and commits the same batch to the new shard, so no
 * submission fails across a rotation. Every shard stays readable (`shard(ordinal)`).
 */
import type { KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { EMPTY_ROOT, leafHash } from '../merkle/hash.js';
import { AlreadyLogged, GroupCommit, type BatchObserver, type CommitAttempt, type GroupCommitOptions } from '../storage/group-commit.js';
import { activeShardOf, commitAcrossRotations, type LogShard, logShards, openLogShards } from '../storage/log-shards.js';
import { CtStore, type CtRow } from './ct-store.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore, type SignedHead } from '../storage/tree-store.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import { type Clock, systemClock } from '../clock.js';
import type { AuditProof } from './ct-log-reader.js';
import { CtShard } from './ct-shard.js';
import { checkSubmittedChain, precertEntry, x509Entry } from './ct-submission.js';
import { entryIdentity, extraData, parseExtraData, type SignedTreeHead, treeHeadSignatureInput } from './ct-wire.js';
import { type CtEntry, CtLogSigner, merkleTreeLeaf, type Sct } from './sct.js';

/** The CT log's name in log_shards, and the name of its first tree in trees. */
export const CT_TREE = 'ct';

/** How long a batch that met a frozen shard waits for the new shard's key file before it fails (503). */
const FOLLOW_DEADLINE_MS = 30_000;
const FOLLOW_RETRY_MS = 100;

/** An entry to log: what the SCT certifies, and the chain get-entries will show with it. */
export interface CtSubmission {
  readonly entry: CtEntry;
  readonly extraData: Buffer;
}

export interface CtLogOptions extends GroupCommitOptions {
  /** ECDSA P-256 private key: the one loaded at start (the shard in use's, or shard 1's on a first start). */
  readonly key: KeyObject;
  /**
   * The private key whose public key is `spki` (DER), from wherever the operator keeps CT keys
   * (ct-key-files.ts), or undefined while it is not there; `where` names those places. Without
   * it, a log whose shard in use has another key than `key` cannot open or follow a rotation.
   */
  readonly keys?: { readonly find: (spki: Buffer) => KeyObject | undefined; readonly where: string };
  /** The roots add-chain / add-pre-chain accept (DER); get-roots lists them. */
  readonly roots: readonly Buffer[];
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
}

/** The shard taking entries, with its key. */
interface Writing {
  readonly shard: CtShard;
  readonly signer: CtLogSigner;
}

export class CtLog {
  private readonly group: GroupCommit<CtSubmission, Sct>;
  private readonly clock: Clock;
  private lastTimestamp = 0;
  private writing!: Writing;
  /** Every shard by ordinal; the one in use is writing.shard. */
  private shards = new Map<number, CtShard>();
  private following: Promise<void> | undefined;
  private readonly problemListeners: ((err: TreeIntegrityError) => void)[] = [];

  private constructor(
    private readonly sql: Sql,
    private acceptedRoots: readonly Buffer[],
    private readonly options: CtLogOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.group = new GroupCommit(options, (batch, attempt) => this.commitBatch(batch, attempt), options.observer);
  }

  static async open(sql: Sql, options: CtLogOptions): Promise<CtLog> {
    const log = new CtLog(sql, options.roots, options);
    const shards = await openLogShards(sql, CT_TREE);
    const active = activeShardOf(shards) as LogShard; // openLogShards asserts there is one
    // Without the shard's key, bindPublicKey refuses the loaded one, naming the setting to fix.
    const signer = new CtLogSigner(log.keyOf(active, options.key) ?? options.key);
    const tree = TreeStore.byId(sql, active.treeId);
    await tree.bindPublicKey(signer.spki, 'SEALHOUSE_CT_KEY');
    const store = new CtStore(sql, tree.treeId);
    await verifyShard(tree, store);
    await refuseUnknownRoot(store, (await tree.head()).treeSize, options.roots);
    log.use(shards, tree, signer);
    return log;
  }

  /** The key of the shard in use, and its log ID: what SCTs made now are signed with. */
  get signer(): CtLogSigner {
    return this.writing.signer;
  }

  /** The tree of the shard in use. */
  get treeId(): number {
    return this.writing.shard.treeId;
  }

  /** The roots add-chain / add-pre-chain accept (DER); get-roots lists them. */
  get roots(): readonly Buffer[] {
    return this.acceptedRoots;
  }

  /** Accept these roots from now on: a CA rotation to a new root, seen by a running server. */
  acceptRoots(roots: readonly Buffer[]): void {
    this.acceptedRoots = roots;
  }

  /** Why the CT log accepts no writes (it cannot vouch for the tree in use), or undefined. */
  get integrityProblem(): TreeIntegrityError | undefined {
    return this.writing.shard.treeStore.problem;
  }

  /** Told once when the tree in use cannot be vouched for (at start, or when a batch finds it); also for later shards. */
  onIntegrityProblem(listener: (err: TreeIntegrityError) => void): void {
    this.problemListeners.push(listener);
    this.writing.shard.treeStore.onProblem(listener);
  }

  get queueDepth(): number {
    return this.group.depth;
  }

  /** The shard `ordinal` (1 is the log's first tree), or undefined if the log has no such shard. */
  async shard(ordinal: number): Promise<CtShard | undefined> {
    const known = this.shards.get(ordinal);
    if (known || ordinal <= Math.max(0, ...this.shards.keys())) return known;
    // Rotated by another process, not yet seen here: the frozen shards are readable at once.
    await this.follow().catch(() => undefined);
    return this.shards.get(ordinal);
  }

  // The read side of the shard in use (the in-process CA and tests look at what they just logged).
  sth(): Promise<SignedTreeHead> {
    return this.writing.shard.sth();
  }
  consistency(first: number, second: number): Promise<Buffer[]> {
    return this.writing.shard.consistency(first, second);
  }
  proofByHash(hash: Buffer, treeSize: number): Promise<AuditProof> {
    return this.writing.shard.proofByHash(hash, treeSize);
  }
  entries(start: number, end: number): Promise<CtRow[]> {
    return this.writing.shard.entries(start, end);
  }
  entryAndProof(index: number, treeSize: number): Promise<{ entry: CtRow; auditPath: Buffer[] }> {
    return this.writing.shard.entryAndProof(index, treeSize);
  }

  /** Log an entry the caller built itself (the in-process CA); resolves after the commit. */
  submit(submission: CtSubmission): Promise<Sct> {
    const problem = this.integrityProblem;
    if (problem) return Promise.reject(problem);
    return this.group.submit(submission);
  }

  /** RFC 6962 §4.1: a certificate chain ending at (or issued by) an accepted root. */
  async addChain(chain: readonly Buffer[]): Promise<Sct> {
    const full = checkSubmittedChain(chain, this.acceptedRoots);
    return this.submit({ entry: x509Entry(full[0] as Buffer), extraData: extraData('x509', full) });
  }

  /** RFC 6962 §4.2: a precertificate signed directly by the CA certificate in chain[1]. */
  async addPreChain(chain: readonly Buffer[]): Promise<Sct> {
    const full = checkSubmittedChain(chain, this.acceptedRoots);
    const [precert, issuer] = full;
    if (!precert || !issuer) throw new SealhouseError('invalid_input', 'add-pre-chain needs the precertificate and its issuing CA certificate');
    return this.submit({ entry: precertEntry(precert, issuer), extraData: extraData('precert', full) });
  }

  /**
   * Take entries in the shard the database has in use (a RotationWatch listener, and the path
   * of a batch that met a frozen shard). Idempotent; concurrent calls share one switch. Throws
   * while the new shard's key is not in the key files yet, and goes on writing nowhere else:
   * the frozen shard refuses every batch, so nothing lands under the old key.
   */
  follow(): Promise<void> {
    this.following ??= this.switchToActive().finally(() => {
      this.following = undefined;
    });
    return this.following;
  }

  /** Stop accepting submissions and commit (or reject) everything queued. */
  close(): Promise<void> {
    return this.group.close();
  }

  /** The private key `shard` is bound to: the one loaded at start, or one the key files hold; undefined if neither. */
  private keyOf(shard: LogShard, loaded: KeyObject): KeyObject | undefined {
    if (!shard.publicKey || shard.publicKey.equals(new CtLogSigner(loaded).spki)) return loaded;
    return this.options.keys?.find(shard.publicKey);
  }

  private async switchToActive(): Promise<void> {
    const shards = await logShards(this.sql, CT_TREE);
    const active = activeShardOf(shards);
    if (!active || active.ordinal === this.writing.shard.ordinal) return this.use(shards, this.writing.shard.treeStore, this.writing.signer);
    const key = this.keyOf(active, this.options.key);
    if (!key) {
      throw new SealhouseError(
        'malformed_key',
        `the CT log rotated to shard ${active.ordinal} (tree ${active.treeId}), whose key is in none of ${this.options.keys?.where ?? 'the configured key files'} yet; ` +
          `still on shard ${this.writing.shard.ordinal}, which takes no more entries — put the key \`sealhouse rotate ct\` rotated to there`,
      );
    }
    const signer = new CtLogSigner(key);
    const tree = TreeStore.byId(this.sql, active.treeId);
    // Other processes may have written to the new shard already: vouch for it as a start does.
    await verifyShard(tree, new CtStore(this.sql, tree.treeId));
    this.use(shards, tree, signer);
  }

  /** Make `tree` (the shard in use among `shards`) the one batches go to; every other shard becomes a reader. */
  private use(shards: readonly LogShard[], tree: TreeStore, signer: CtLogSigner): void {
    const next = new Map<number, CtShard>();
    let writing: Writing | undefined;
    for (const shard of shards) {
      if (shard.treeId === tree.treeId) {
        const current = this.shards.get(shard.ordinal);
        const reader = current && current.treeId === tree.treeId && current.shard.frozenAt === undefined ? current : new CtShard(tree, new CtStore(this.sql, tree.treeId), shard, () => this.emptyTreeHead());
        writing = { shard: reader, signer };
        next.set(shard.ordinal, reader);
      } else {
        const known = this.shards.get(shard.ordinal);
        // A frozen shard keeps its reader (and its tile cache); the one just frozen loses its key.
        next.set(shard.ordinal, known && known.shard.frozenAt !== undefined ? known : new CtShard(TreeStore.byId(this.sql, shard.treeId), new CtStore(this.sql, shard.treeId), shard));
      }
    }
    if (!writing) throw new SealhouseError('internal', `tree ${tree.treeId} is no shard of the CT log`);
    if (writing.shard !== this.writing?.shard) for (const listener of this.problemListeners) tree.onProblem(listener);
    this.writing = writing;
    this.shards = next;
  }

  /** An empty shard has no stored head; RFC 6962 still wants a signed one from get-sth. */
  private emptyTreeHead(): SignedTreeHead {
    return this.signTreeHead(this.writing.signer, 0, this.nextTimestamp(), EMPTY_ROOT);
  }

  /** Timestamps never go backwards within this process, even if the wall clock does. */
  private nextTimestamp(): number {
    this.lastTimestamp = Math.max(this.clock.now().getTime(), this.lastTimestamp);
    return this.lastTimestamp;
  }

  private signTreeHead(signer: CtLogSigner, treeSize: number, timestamp: number, rootHash: Buffer): SignedTreeHead {
    return { treeSize, timestamp, rootHash, signature: signer.digitallySign(treeHeadSignatureInput(treeSize, timestamp, rootHash)) };
  }

  /**
   * One batch into the shard in use. A frozen shard means another process rotated the log:
   * follow it (the new key may lag the database by the CLI's rename, hence the short retries)
   * and commit the same batch to the new shard, so its callers never see the rotation.
   */
  private commitBatch(batch: readonly CtSubmission[], attempt: CommitAttempt): Promise<Sct[]> {
    return commitAcrossRotations(() => this.commitTo(this.writing, batch, attempt), () => this.follow(), 'the CT log', FOLLOW_DEADLINE_MS, FOLLOW_RETRY_MS);
  }

  /**
   * Resubmissions are rare (every precert has a fresh serial), so a batch first commits
   * without looking them up; the insert skips known identities, and if it skipped any it
   * throws AlreadyLogged and GroupCommit redoes the batch with the lookup.
   */
  private commitTo({ shard, signer }: Writing, batch: readonly CtSubmission[], { lookUpExisting }: CommitAttempt): Promise<Sct[]> {
    const tree = shard.treeStore;
    const store = shard.ctStore;
    return this.sql.tx(async (tx) => {
      const head = await tree.lockHead(tx);
      const identities = batch.map((s) => entryIdentity(s.entry));
      const known = lookUpExisting ? await store.findByIdentity(tx, identities) : new Map<string, { timestamp: number }>();
      const timestamp = this.nextTimestamp();
      const rows: CtRow[] = [];
      const stamps = batch.map((s, i) => {
        const identityHash = identities[i] as Buffer;
        const key = identityHash.toString('hex');
        const earlier = known.get(key);
        if (earlier) return earlier.timestamp; // the original SCT's timestamp: the same leaf
        const leafInput = merkleTreeLeaf(s.entry, timestamp);
        rows.push({ index: head.treeSize + rows.length, leafHash: leafHash(leafInput), identityHash, timestamp, leafInput, extraData: s.extraData });
        known.set(key, { timestamp });
        return timestamp;
      });
      if (rows.length > 0) {
        const integration = await tree.append(tx, head, rows.map((r) => r.leafHash));
        if ((await store.insert(tx, rows)) !== rows.length) throw new AlreadyLogged();
        await store.insertSth(tx, this.signTreeHead(signer, integration.edge.treeSize, timestamp, integration.rootHash));
      }
      return batch.map((s, i) => signer.sign(s.entry, stamps[i] as number));
    });
  }
}

/** Refuse to sign over a tree that does not reproduce its latest STH (storage/tree-integrity.ts). */
async function verifyShard(tree: TreeStore, store: CtStore): Promise<void> {
  const readLatest = async (): Promise<SignedHead | undefined> => {
    const sth = await store.latestSth();
    return sth && { ...sth, row: `ct_sths (tree_size ${sth.treeSize})` };
  };
  await tree.verifyStored(readLatest, async (start, end) =>
    (await store.range(start, end)).map((r) => ({ index: r.index, fromData: leafHash(r.leafInput), column: r.leafHash, row: `ct_entries idx ${r.index}` })),
  );
}

/** MerkleTreeLeaf (RFC 6962 §3.4): version, leaf type, 8-byte timestamp, then the 2-byte entry type. */
const ENTRY_TYPE_OFFSET = 10;

/**
 * Roots that do not include the one the logged certificates chain to mean the CA files were lost
 * or replaced: serving them would publish a trusted root under which every certificate issued so
 * far fails to verify. authority_epochs catches that first for CAs it recorded; this check
 * still covers a database from before it, where the first start records whatever CA it is given.
 * The last entry's chain names the root.
 */
async function refuseUnknownRoot(store: CtStore, treeSize: number, roots: readonly Buffer[]): Promise<void> {
  if (treeSize === 0) return;
  const [last] = await store.range(treeSize - 1, treeSize);
  if (!last || last.leafInput.length < ENTRY_TYPE_OFFSET + 2) return; // the integrity check owns malformed rows
  const type = last.leafInput.readUInt16BE(ENTRY_TYPE_OFFSET) === 1 ? 'precert' : 'x509';
  const chain = parseExtraData(type, last.extraData);
  const loggedRoot = chain[chain.length - 1];
  if (!loggedRoot || roots.some((r) => r.equals(loggedRoot))) return;
  throw new SealhouseError(
    'invalid_input',
    `the CA's root is not the root the CT log's ${treeSize} logged certificates chain to; restore the CA files ` +
      '(the data directory\'s ca/, or SEALHOUSE_CA_CHAIN and SEALHOUSE_CA_KEY) from the backup they were issued under',
  );
}
