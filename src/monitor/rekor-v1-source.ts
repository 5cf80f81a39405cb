/**
 * A Rekor v1 log read through its API (rekor-api.md §1.3, §1.5, §1.9): GET /api/v1/log for the
 * signed tree head, GET /api/v1/log/proof for consistency, and POST /api/v1/log/entries/retrieve
 * with `logIndexes` in pages of 10 (the API's limit; rekor-monitor reads the same way) for the
 * entries. Each entry is checked before it is reported: its UUID is the leaf hash of its body,
 * its index is the one asked for, and its inclusion proof leads to a checkpoint signed by the
 * trusted key that is the monitor's head or consistent with it.
 */
import { nodeSha256 } from '../node-crypto.js';
import { tryDecodeBase64 } from '../core/base64.js';
import { hexToBytes, toHex } from '../core/bytes.js';
import { verifyConsistency, verifyInclusion } from '../core/merkle.js';
import { leafHash } from '../merkle/hash.js';
import { summary, verifyCheckpointNote, type TrustedLog, type VerifiedCheckpoint } from './checkpoints.js';
import { BadAnswerError, type LogFetcher } from './fetch.js';
import { Inconsistency } from './inconsistency.js';
import type { LoggedEntry, LogSource } from './source.js';

/** The API's cap on items per retrieve request (rekor-api.md §1.9). */
export const RETRIEVE_PAGE = 10;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hexList(v: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(v) || !v.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/i.test(h))) throw new BadAnswerError(`${what} is not a list of 64-hex hashes`);
  return v.map((h: string) => hexToBytes(h.toLowerCase()));
}

function base64(text: string, what: string): Uint8Array {
  const bytes = tryDecodeBase64(text, 'standard');
  if (!bytes) throw new BadAnswerError(`${what} is not base64`);
  return bytes;
}

export class RekorV1Source implements LogSource {
  private readonly base: string;
  /**
   * Trees (origin, size, root) of entry proofs already shown to be on the given head's tree. Keyed by
   * the tree, not the note text: the log signs afresh on each answer, so the same tree comes
   * with new signature bytes and would otherwise cost a proof request per page.
   */
  private readonly vouched = new Set<string>();

  constructor(
    url: string,
    private readonly fetcher: LogFetcher,
    private readonly logs: readonly TrustedLog[],
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Global index of each shard's leaf 0, by tree ID: a frozen shard's never changes. */
  private readonly firstIndexes = new Map<string, number>();

  private async logInfo(): Promise<{ signedTreeHead: string; treeID: string; inactive: { treeID: string; treeSize: number; signedTreeHead: string }[] }> {
    const info = await this.fetcher.json(`${this.base}/api/v1/log`);
    if (!isObject(info) || typeof info.signedTreeHead !== 'string') throw new BadAnswerError(`GET ${this.base}/api/v1/log has no signedTreeHead`);
    const raw = info.inactiveShards ?? [];
    if (!Array.isArray(raw)) throw new BadAnswerError('GET /api/v1/log: inactiveShards is not a list');
    const inactive = raw.map((s: unknown) => {
      if (!isObject(s) || typeof s.treeID !== 'string' || !Number.isSafeInteger(s.treeSize) || typeof s.signedTreeHead !== 'string') throw new BadAnswerError('GET /api/v1/log: an inactive shard lacks treeID, treeSize or signedTreeHead');
      return { treeID: s.treeID, treeSize: s.treeSize as number, signedTreeHead: s.signedTreeHead };
    });
    return { signedTreeHead: info.signedTreeHead, treeID: String(info.treeID), inactive };
  }

  async checkpoint(): Promise<string> {
    return (await this.logInfo()).signedTreeHead;
  }

  async frozenShard(origin: string): Promise<string | undefined> {
    return (await this.logInfo()).inactive.find((s) => s.signedTreeHead.startsWith(`${origin}\n`))?.signedTreeHead;
  }

  /**
   * The global log index of leaf 0 of the tree `head` is on: the sizes of the frozen shards
   * before it (Rekor's virtual index, rekor-api.md §1.1); 0 for a log that never rotated.
   */
  private async firstIndexOf(head: VerifiedCheckpoint): Promise<number> {
    const tree = / - ([0-9]+)$/.exec(head.checkpoint.origin)?.[1];
    if (tree === undefined) return 0;
    const known = this.firstIndexes.get(tree);
    if (known !== undefined) return known;
    const { treeID, inactive } = await this.logInfo();
    let first = 0;
    for (const shard of inactive) {
      this.firstIndexes.set(shard.treeID, first);
      first += shard.treeSize;
    }
    this.firstIndexes.set(treeID, first);
    return this.firstIndexes.get(tree) ?? 0;
  }

  async consistencyProof(size1: number, size2: number, head: VerifiedCheckpoint): Promise<Uint8Array[]> {
    const tree = / - ([0-9]+)$/.exec(head.checkpoint.origin)?.[1];
    const query = `firstSize=${size1}&lastSize=${size2}${tree ? `&treeID=${tree}` : ''}`;
    const proof = await this.fetcher.json(`${this.base}/api/v1/log/proof?${query}`);
    if (!isObject(proof)) throw new BadAnswerError('the consistency proof is not a JSON object');
    return hexList(proof.hashes, 'the consistency proof "hashes"');
  }

  async *entries(start: number, end: number, head: VerifiedCheckpoint): AsyncIterable<LoggedEntry[]> {
    // The API takes global indexes; the tree's own are these plus the shard's first index.
    const first = await this.firstIndexOf(head);
    for (let from = first + start; from < first + end; from += RETRIEVE_PAGE) {
      const indexes = Array.from({ length: Math.min(RETRIEVE_PAGE, first + end - from) }, (_, i) => from + i);
      const answer = await this.fetcher.json(`${this.base}/api/v1/log/entries/retrieve`, { method: 'POST', body: JSON.stringify({ logIndexes: indexes }) });
      if (!Array.isArray(answer)) throw new BadAnswerError('POST /api/v1/log/entries/retrieve did not answer a JSON list');
      const byIndex = new Map<number, LoggedEntry>();
      for (const item of answer) {
        const entry = await this.checkEntry(item, head);
        byIndex.set(entry.logIndex, entry);
      }
      const missing = indexes.filter((i) => !byIndex.has(i));
      if (missing.length > 0) {
        throw new Inconsistency(`the log's signed tree has ${head.checkpoint.size} entries but it does not serve entries ${missing.join(', ')}`, undefined, summary(head.checkpoint));
      }
      yield indexes.map((i) => byIndex.get(i) as LoggedEntry);
    }
  }

  /** One `{entryId: LogEntryAnon}` of a retrieve answer, proven to be in the log. */
  private async checkEntry(item: unknown, head: VerifiedCheckpoint): Promise<LoggedEntry> {
    const pairs = isObject(item) ? Object.entries(item) : [];
    const [entryId, raw] = pairs[0] ?? [];
    if (pairs.length !== 1 || typeof entryId !== 'string' || !isObject(raw)) throw new BadAnswerError('a retrieved entry is not a one-key LogEntry object');
    const where = `entry ${entryId}`;
    if (typeof raw.body !== 'string' || !Number.isSafeInteger(raw.logIndex)) throw new BadAnswerError(`${where} has no body or logIndex`);
    const body = base64(raw.body, `${where} body`);
    const uuid = toHex(leafHash(body));
    const logIndex = raw.logIndex as number;
    const fail = (reason: string): never => {
      throw new Inconsistency(`${where} (log index ${logIndex}): ${reason}`, undefined, summary(head.checkpoint));
    };
    if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(entryId) || entryId.slice(-64) !== uuid) fail(`its ID does not end in the leaf hash of its body (${uuid})`);
    const proof = isObject(raw.verification) && isObject(raw.verification.inclusionProof) ? raw.verification.inclusionProof : undefined;
    if (!proof || typeof proof.checkpoint !== 'string' || !Number.isSafeInteger(proof.logIndex)) return fail('it carries no inclusion proof with a checkpoint');
    const signed = verifyCheckpointNote(proof.checkpoint, this.logs, summary(head.checkpoint));
    try {
      verifyInclusion(nodeSha256, proof.logIndex as number, signed.checkpoint.size, leafHash(body), hexList(proof.hashes, `${where} inclusion proof`), signed.checkpoint.rootHash);
    } catch (err) {
      fail(`its inclusion proof does not verify: ${(err as Error).message}`);
    }
    await this.vouch(signed, head);
    return { logIndex, uuid, entryId, body };
  }

  /** The entry's checkpoint must be the head or on the same append-only tree as the head. */
  private async vouch(signed: VerifiedCheckpoint, head: VerifiedCheckpoint): Promise<void> {
    const a = signed.checkpoint;
    // With the head in the key: being on an earlier head's tree says nothing about this one's.
    const tree = `${a.origin}\n${a.size}\n${toHex(a.rootHash)}\n${head.checkpoint.size}\n${toHex(head.checkpoint.rootHash)}`;
    if (this.vouched.has(tree)) return;
    const b = head.checkpoint;
    const [small, large] = a.size <= b.size ? [a, b] : [b, a];
    const bad = (reason: string): never => {
      throw new Inconsistency(`an entry's checkpoint is not on the monitored tree: ${reason}`, summary(head.checkpoint), summary(a));
    };
    if (a.origin !== b.origin) bad('its origin differs');
    if (small.size === large.size) {
      if (toHex(small.rootHash) !== toHex(large.rootHash)) bad('same size, different root');
    } else if (small.size > 0) {
      const hashes = await this.consistencyProof(small.size, large.size, large === a ? signed : head);
      try {
        verifyConsistency(nodeSha256, small.size, large.size, small.rootHash, large.rootHash, hashes);
      } catch (err) {
        bad((err as Error).message);
      }
    }
    this.vouched.add(tree);
  }
}
