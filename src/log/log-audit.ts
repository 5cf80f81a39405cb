/**
 * The Rekor half of `sealhouse fsck`: the tree recomputed from the entry bodies (tree-audit.ts),
 * plus what only the Rekor log stores — every entry's SET (rekor-api.md §3) under the key the
 * tree was bound to, every checkpoint's note (origin "<host> - <treeID>", size and root equal
 * to its columns, signature by that key), and the search-index keys (re-derived from the body
 * where the body is itself a proposed entry, as hashedrekord's is; otherwise at least one key;
 * never a key for an index that has no entry).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { canonicalizeProposedEntry } from '../entries/index.js';
import { leafHash } from '../merkle/hash.js';
import { parseCheckpoint, parseRekorOrigin } from '../note/checkpoint.js';
import { ecdsaNoteVerifier } from '../note/ecdsa-note.js';
import { parseSignedNote } from '../note/signed-note.js';
import { verifySignedNote } from '../note/verify-note.js';
import type { AuditRekorRow, AuditStore, ShardTree } from '../storage/audit-store.js';
import { indexKeyHash } from '../storage/rekor-store.js';
import { auditTree, boundKeyOf, type AuditHead, type AuditLeaf, type Findings, type TreeAuditCounts } from '../storage/tree-audit.js';
import { hex } from '../storage/tree-integrity.js';
import { REKOR_TREE } from './log-service.js';
import { verifySet } from './set.js';

export interface RekorAuditCounts extends TreeAuditCounts {
  treeId: number;
  sets: number;
  indexKeys: number;
  /** Entries whose keys were re-derived from the body and compared exactly. */
  indexKeysRederived: number;
}

type KeyRow = { index: number; keyHash: Buffer };

/** Reads the index-key cursor alongside the entries, one entry's keys at a time. */
class KeyWalk {
  private page: KeyRow[] = [];
  private at = 0;
  private done = false;

  constructor(private readonly source: AsyncGenerator<KeyRow[]>) {}

  private async peek(): Promise<KeyRow | undefined> {
    while (this.at >= this.page.length && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.page = next.value;
        this.at = 0;
      }
    }
    return this.page[this.at];
  }

  /** Rows below `index` (orphans, reported by the caller), then the rows of `index`. */
  async upTo(index: number): Promise<{ orphans: KeyRow[]; mine: KeyRow[] }> {
    const orphans: KeyRow[] = [];
    const mine: KeyRow[] = [];
    for (let row = await this.peek(); row && row.index <= index; row = await this.peek()) {
      (row.index < index ? orphans : mine).push(row);
      this.at++;
    }
    return { orphans, mine };
  }
}

/** One shard of the Rekor v1 log (default: the first); its SETs sign the global index, firstIndex + idx. */
export async function auditRekorLog(store: AuditStore, findings: Findings, pageSize: number, shard: ShardTree = { name: REKOR_TREE, ordinal: 1, firstIndex: 0 }): Promise<RekorAuditCounts | undefined> {
  const tree = await store.tree(shard.name);
  if (!tree) return undefined;
  const { treeId } = tree;
  const publicKey = boundKeyOf(tree, findings);
  if (!tree.publicKey && tree.treeSize > 0) findings.add({ table: 'trees', key: `tree ${treeId} (public_key)`, expected: 'the log key', found: 'none' });
  const logIdHex = tree.publicKey ? createHash('sha256').update(tree.publicKey).digest('hex') : '';
  const extra = { sets: 0, indexKeys: 0, indexKeysRederived: 0 };
  const keys = new KeyWalk(store.indexKeys(treeId, pageSize));

  const reportOrphans = (orphans: readonly KeyRow[]): void => {
    for (const o of orphans) {
      findings.add({ table: 'rekor_index_keys', key: `tree ${treeId}, idx ${o.index}, key_hash ${hex(o.keyHash)}`, expected: 'an entry at that index', found: 'none' });
    }
  };

  const checkEntry = async (row: AuditRekorRow): Promise<void> => {
    const at = `tree ${treeId}, idx ${row.index}`;
    if (row.bodyProblem) findings.add({ table: 'rekor_entries', key: `${at} (body)`, expected: 'a stored body that decodes (src/storage/entry-body-codec.ts)', found: row.bodyProblem });
    if (publicKey) {
      extra.sets++;
      const logIndex = shard.firstIndex + row.index;
      const fields = { body: row.body, integratedTime: row.integratedTime, logIdHex, logIndex };
      if (!verifySet(fields, row.setSignature, publicKey)) {
        findings.add({ table: 'rekor_entries', key: `${at} (set_signature)`, expected: `a SET by the log key over {body, integratedTime ${row.integratedTime}, logIndex ${logIndex}}`, found: 'a signature that does not verify' });
      }
    }
    const { orphans, mine } = await keys.upTo(row.index);
    reportOrphans(orphans);
    extra.indexKeys += mine.length;
    const derived = await derivedKeys(row);
    if (!derived) {
      if (mine.length === 0) findings.add({ table: 'rekor_index_keys', key: at, expected: 'at least one search key', found: 'none' });
      return;
    }
    extra.indexKeysRederived++;
    const stored = new Set(mine.map((k) => hex(k.keyHash)));
    for (const [h, key] of derived) if (!stored.has(h)) findings.add({ table: 'rekor_index_keys', key: `${at}, key ${JSON.stringify(key)}`, expected: `key_hash ${h}`, found: 'no row' });
    for (const h of stored) if (!derived.has(h)) findings.add({ table: 'rekor_index_keys', key: `${at}, key_hash ${h}`, expected: 'no row (not a key of the body)', found: 'a row' });
  };

  async function* leaves(): AsyncGenerator<AuditLeaf[]> {
    for (let from = 0; ; ) {
      const rows = await store.rekorEntries(treeId, from, pageSize);
      if (rows.length === 0) break;
      for (const row of rows) await checkEntry(row);
      yield rows.map((r) => ({ index: r.index, fromData: leafHash(r.body), column: r.leafHash }));
      from = (rows[rows.length - 1] as AuditRekorRow).index + 1;
    }
    reportOrphans((await keys.upTo(Number.MAX_SAFE_INTEGER)).orphans);
  }

  async function* heads(): AsyncGenerator<AuditHead[]> {
    for (let after = 0; ; ) {
      const rows = await store.checkpoints(treeId, after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((cp) => {
        const key = `tree_size ${cp.treeSize}`;
        const problem = checkpointProblem(cp.note, cp.treeSize, cp.rootHash, treeId, publicKey);
        if (problem) findings.add({ table: 'checkpoints', key: `tree ${treeId}, ${key} (note)`, expected: problem.expected, found: problem.found });
        return { treeSize: cp.treeSize, rootHash: cp.rootHash, key };
      });
      after = (rows[rows.length - 1] as { treeSize: number }).treeSize;
    }
  }

  for (const d of await store.duplicateRekorLeaves(treeId, 200)) {
    findings.add({ table: 'rekor_entries', key: `tree ${treeId}, idx ${d.indexes.join(', ')} (leaf_hash)`, expected: 'each leaf once per tree', found: `leaf hash ${hex(d.leafHash)} at ${d.indexes.length} indexes` });
  }
  const counts = await auditTree({
    store,
    treeId,
    head: tree,
    entryTable: 'rekor_entries',
    headTable: 'checkpoints',
    leaves: leaves(),
    heads: heads(),
    findings,
  });
  return { treeId, ...counts, ...extra };
}

/** The index keys of a stored body, when the body is itself a valid proposed entry. */
async function derivedKeys(row: AuditRekorRow): Promise<Map<string, string> | undefined> {
  try {
    const canonical = await canonicalizeProposedEntry(JSON.parse(row.body.toString('utf8')), { purpose: 'search' });
    if (!canonical.leafHash.equals(leafHash(row.body))) return undefined;
    return new Map(canonical.indexKeys.map((k) => [hex(indexKeyHash(k.toLowerCase())), k]));
  } catch {
    return undefined; // dsse and intoto store a digest of what was proposed: keys cannot be re-derived
  }
}

function checkpointProblem(note: string, size: number, root: Buffer, treeId: number, publicKey: KeyObject | undefined): { expected: string; found: string } | undefined {
  try {
    const signed = parseSignedNote(note);
    const cp = parseCheckpoint(signed.text);
    const origin = parseRekorOrigin(cp.origin);
    if (origin.treeId !== String(treeId)) return { expected: `origin "<host> - ${treeId}"`, found: JSON.stringify(cp.origin) };
    if (cp.size !== size) return { expected: `size ${size} (the tree_size column)`, found: String(cp.size) };
    if (!cp.rootHash.equals(root)) return { expected: `root ${hex(root)} (the root_hash column)`, found: hex(cp.rootHash) };
    if (publicKey) verifySignedNote(signed, [ecdsaNoteVerifier(origin.host, publicKey)]);
    return undefined;
  } catch (err) {
    return { expected: 'a checkpoint signed by the log key', found: (err as Error).message };
  }
}
