/**
 * The Rekor v2 log's part of `sealhouse fsck`, beside the v1 log's (src/log/log-audit.ts) and the
 * CT log's: leaves are SHA-256(0 ‖ body) of the stored bodies, heads are the stored checkpoints,
 * each a C2SP note whose origin is the configured one and whose Ed25519 signature by the key the
 * tree was bound to verifies; the tree math (tiles, roots, consistency) is storage/tree-audit.ts's.
 * Every body must also be the canonical form of the entry it records, so that a client
 * rebuilding it (sigstore-go) finds the same leaf.
 */
import { verify, type KeyObject } from 'node:crypto';
import { leafHash } from '../merkle/hash.js';
import { parseCheckpoint } from '../note/checkpoint.js';
import { ed25519KeyId } from '../note/ed25519-note.js';
import { parseSignedNote } from '../note/signed-note.js';
import { verifySignedNote } from '../note/verify-note.js';
import type { AuditCheckpoint, AuditStore, ShardTree } from '../storage/audit-store.js';
import { auditTree, boundKeyOf, type AuditHead, type AuditLeaf, type Findings, type TreeAuditCounts } from '../storage/tree-audit.js';
import { hex } from '../storage/tree-integrity.js';
import { rekorV2ShardAddress } from '../core/shard-paths.js';
import { hashedRekordEntry } from './hashedrekord-v002.js';
import { REKOR_V2_TREE } from './rekor-v2-log.js';

export type RekorV2AuditCounts = TreeAuditCounts & { treeId: number; bodiesRederived: number };

/** One shard of the Rekor v2 log (default: the first), checked with the key it was bound to and its origin. */
export async function auditRekorV2Log(store: AuditStore, findings: Findings, pageSize: number, origin: string, shard: ShardTree = { name: REKOR_V2_TREE, ordinal: 1, firstIndex: 0 }): Promise<RekorV2AuditCounts | undefined> {
  return auditShard(store, findings, pageSize, rekorV2ShardAddress({ baseUrl: '', origin }, shard).origin, shard.name);
}

async function auditShard(store: AuditStore, findings: Findings, pageSize: number, origin: string, treeName: string): Promise<RekorV2AuditCounts | undefined> {
  const tree = await store.tree(treeName);
  if (!tree) return undefined;
  const { treeId } = tree;
  const key = boundKeyOf(tree, findings);
  let bodiesRederived = 0;

  async function* leaves(): AsyncGenerator<AuditLeaf[]> {
    for (let from = 0; ; ) {
      const rows = await store.rekorV2Entries(treeId, from, pageSize);
      if (rows.length === 0) return;
      for (const r of rows) {
        if (bodyProblem(r.body)) findings.add({ table: 'rekor_v2_entries', key: `tree ${treeId}, idx ${r.index} (body)`, expected: 'the canonical body of a valid hashedrekord 0.0.2 entry', found: bodyProblem(r.body) ?? '' });
        else bodiesRederived++;
      }
      yield rows.map((r) => ({ index: r.index, fromData: leafHash(r.body), column: r.leafHash }));
      from = (rows[rows.length - 1] as { index: number }).index + 1;
    }
  }
  async function* heads(): AsyncGenerator<AuditHead[]> {
    for (let after = 0; ; ) {
      const rows = await store.checkpoints(treeId, after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((cp) => {
        const problem = checkpointProblem(cp, origin, key);
        if (problem) findings.add({ table: 'checkpoints', key: `tree ${treeId}, tree_size ${cp.treeSize} (note)`, ...problem });
        return { treeSize: cp.treeSize, rootHash: cp.rootHash, key: `tree_size ${cp.treeSize}` };
      });
      after = (rows[rows.length - 1] as AuditCheckpoint).treeSize;
    }
  }
  const counts = await auditTree({ store, treeId, head: tree, entryTable: 'rekor_v2_entries', headTable: 'checkpoints', leaves: leaves(), heads: heads(), findings });
  return { treeId, ...counts, bodiesRederived };
}

/**
 * Why a stored body is not one this log would store: rebuilt from its own digest and signature
 * through the request path (which verifies the signature), it must come out byte for byte.
 */
function bodyProblem(body: Buffer): string | undefined {
  try {
    const spec = (JSON.parse(body.toString('utf8')) as { spec: { hashedRekordV002: { data: { digest: unknown }; signature: unknown } } }).spec.hashedRekordV002;
    const rebuilt = hashedRekordEntry({ hashedRekordRequestV002: { digest: spec.data.digest, signature: spec.signature } }).body;
    return rebuilt.equals(body) ? undefined : `a body that is not canonical (rebuilt: ${rebuilt.length} bytes, stored: ${body.length})`;
  } catch (err) {
    return (err as Error).message;
  }
}

function checkpointProblem(cp: AuditCheckpoint, origin: string, key: KeyObject | undefined): { expected: string; found: string } | undefined {
  try {
    const signed = parseSignedNote(cp.note);
    const text = parseCheckpoint(signed.text);
    if (text.origin !== origin) return { expected: `origin ${JSON.stringify(origin)} (SEALHOUSE_REKOR_V2_ORIGIN)`, found: JSON.stringify(text.origin) };
    if (text.size !== cp.treeSize) return { expected: `size ${cp.treeSize} (the tree_size column)`, found: String(text.size) };
    if (!text.rootHash.equals(cp.rootHash)) return { expected: `root ${hex(cp.rootHash)} (the root_hash column)`, found: hex(text.rootHash) };
    if (key) {
      const raw = key.export({ type: 'spki', format: 'der' }).subarray(-32);
      verifySignedNote(signed, [{ name: origin, keyHint: ed25519KeyId(origin, raw), verify: (m, s) => s.length === 64 && verify(null, m, key, s) }]);
    }
    return undefined;
  } catch (err) {
    return { expected: 'a checkpoint signed by the Rekor v2 key', found: (err as Error).message };
  }
}
