/**
 * Sealhouse's own Certificate Transparency log, RFC 6962 (https://www.rfc-editor.org/rfc/rfc6962),
 * on the same storage and Merkle core as the Rekor log: a tree named 'ct' in `trees`/`tiles`,
 * entries in ct_entries, one signed tree head per batch in ct_sths.
 *
 * The write path mirrors the Rekor sequencer: submissions are group-committed, one transaction
 * per batch — lock the tree head, recognise resubmissions, assign indexes and one timestamp,
 * integrate the MerkleTreeLeaf hashes, write the rows, sign and store the tree head, commit.
 * An SCT is handed out only after that commit, so every SCT's entry is already in the tree
 * (a maximum merge delay of zero).
 */
import type { KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { EMPTY_ROOT, leafHash } from '../merkle/hash.js';
import { AlreadyLogged, GroupCommit, type BatchObserver, type CommitAttempt, type GroupCommitOptions } from '../storage/group-commit.js';
import { CtStore, type CtRow } from './ct-store.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore } from '../storage/tree-store.js';
import type { TreeIntegrityError } from '../storage/tree-integrity.js';
import { type Clock, systemClock } from '../clock.js';
import { CtLogReader } from './ct-log-reader.js';
import { checkSubmittedChain, precertEntry, x509Entry } from './ct-submission.js';
import { entryIdentity, extraData, parseExtraData, type SignedTreeHead, treeHeadSignatureInput } from './ct-wire.js';
import { type CtEntry, CtLogSigner, merkleTreeLeaf, type Sct } from './sct.js';

export const CT_TREE = 'ct';

/** An entry to log: what the SCT certifies, and the chain get-entries will show with it. */
export interface CtSubmission {
  readonly entry: CtEntry;
  readonly extraData: Buffer;
}

export interface CtLogOptions extends GroupCommitOptions {
  /** ECDSA P-256 private key. */
  readonly key: KeyObject;
  /** The roots add-chain / add-pre-chain accept (DER); get-roots lists them. */
  readonly roots: readonly Buffer[];
  readonly clock?: Clock;
  readonly observer?: BatchObserver;
}

export class CtLog extends CtLogReader {
  private readonly group: GroupCommit<CtSubmission, Sct>;
  private readonly clock: Clock;
  private lastTimestamp = 0;

  private constructor(
    private readonly sql: Sql,
    tree: TreeStore,
    store: CtStore,
    readonly signer: CtLogSigner,
    readonly roots: readonly Buffer[],
    options: CtLogOptions,
  ) {
    super(tree, store);
    this.clock = options.clock ?? systemClock;
    this.group = new GroupCommit(options, (batch, attempt) => this.commitBatch(batch, attempt), options.observer);
  }

  static async open(sql: Sql, options: CtLogOptions): Promise<CtLog> {
    const signer = new CtLogSigner(options.key);
    const tree = await TreeStore.open(sql, CT_TREE);
    await tree.bindPublicKey(signer.spki, 'SEALHOUSE_CT_KEY');
    const store = new CtStore(sql, tree.treeId);
    // Refuse to sign over a tree that does not reproduce its latest STH (storage/tree-integrity.ts).
    const sth = await store.latestSth();
    await tree.verifyStored(sth && { ...sth, row: `ct_sths (tree_size ${sth.treeSize})` }, async (start, end) =>
      (await store.range(start, end)).map((r) => ({ index: r.index, fromData: leafHash(r.leafInput), column: r.leafHash, row: `ct_entries idx ${r.index}` })),
    );
    await refuseUnknownRoot(store, (await tree.head()).treeSize, options.roots);
    return new CtLog(sql, tree, store, signer, options.roots, options);
  }

  /** Why the CT log accepts no writes (it cannot vouch for its tree), or undefined. */
  get integrityProblem(): TreeIntegrityError | undefined {
    return this.tree.problem;
  }

  /** Told once when the tree cannot be vouched for (at start, or when a batch finds it). */
  onIntegrityProblem(listener: (err: TreeIntegrityError) => void): void {
    this.tree.onProblem(listener);
  }

  get queueDepth(): number {
    return this.group.depth;
  }

  /** Log an entry the caller built itself (the in-process CA); resolves after the commit. */
  submit(submission: CtSubmission): Promise<Sct> {
    if (this.tree.problem) return Promise.reject(this.tree.problem);
    return this.group.submit(submission);
  }

  /** RFC 6962 §4.1: a certificate chain ending at (or issued by) an accepted root. */
  async addChain(chain: readonly Buffer[]): Promise<Sct> {
    const full = checkSubmittedChain(chain, this.roots);
    return this.submit({ entry: x509Entry(full[0] as Buffer), extraData: extraData('x509', full) });
  }

  /** RFC 6962 §4.2: a precertificate signed directly by the CA certificate in chain[1]. */
  async addPreChain(chain: readonly Buffer[]): Promise<Sct> {
    const full = checkSubmittedChain(chain, this.roots);
    const [precert, issuer] = full;
    if (!precert || !issuer) throw new SealhouseError('invalid_input', 'add-pre-chain needs the precertificate and its issuing CA certificate');
    return this.submit({ entry: precertEntry(precert, issuer), extraData: extraData('precert', full) });
  }

  /** Stop accepting submissions and commit (or reject) everything queued. */
  close(): Promise<void> {
    return this.group.close();
  }

  /** An empty log has no stored head; RFC 6962 still wants a signed one from get-sth. */
  protected emptyTreeHead(): SignedTreeHead {
    return this.signTreeHead(0, this.nextTimestamp(), EMPTY_ROOT);
  }

  /** Timestamps never go backwards within this process, even if the wall clock does. */
  private nextTimestamp(): number {
    this.lastTimestamp = Math.max(this.clock.now().getTime(), this.lastTimestamp);
    return this.lastTimestamp;
  }

  private signTreeHead(treeSize: number, timestamp: number, rootHash: Buffer): SignedTreeHead {
    return { treeSize, timestamp, rootHash, signature: this.signer.digitallySign(treeHeadSignatureInput(treeSize, timestamp, rootHash)) };
  }

  /**
   * Resubmissions are rare (every precert has a fresh serial), so a batch first commits
   * without looking them up; the insert skips known identities, and if it skipped any it
   * throws AlreadyLogged and GroupCommit redoes the batch with the lookup.
   */
  private commitBatch(batch: readonly CtSubmission[], { lookUpExisting }: CommitAttempt): Promise<Sct[]> {
    return this.sql.tx(async (tx) => {
      const head = await this.tree.lockHead(tx);
      const identities = batch.map((s) => entryIdentity(s.entry));
      const known = lookUpExisting ? await this.store.findByIdentity(tx, identities) : new Map<string, { timestamp: number }>();
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
        const integration = await this.tree.append(tx, head, rows.map((r) => r.leafHash));
        if ((await this.store.insert(tx, rows)) !== rows.length) throw new AlreadyLogged();
        await this.store.insertSth(tx, this.signTreeHead(integration.edge.treeSize, timestamp, integration.rootHash));
      }
      return batch.map((s, i) => this.signer.sign(s.entry, stamps[i] as number));
    });
  }
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
