/**
 * The CT log's part of `sealhouse fsck`, beside the Rekor log's (src/log/log-audit.ts): leaves
 * are SHA-256(0 ‖ MerkleTreeLeaf) of the stored leaf inputs, heads are the stored STHs, each
 * signature checked as RFC 6962 §3.5 says; the tree math is storage/tree-audit.ts's.
 */
import { verify, type KeyObject } from 'node:crypto';
import { leafHash } from '../merkle/hash.js';
import type { AuditCtRow, AuditSth, AuditStore } from '../storage/audit-store.js';
import { auditTree, boundKeyOf, type AuditHead, type AuditLeaf, type Findings, type TreeAuditCounts } from '../storage/tree-audit.js';
import { CT_TREE } from './ct-log.js';
import { treeHeadSignatureInput } from './ct-wire.js';

/** The CT log: leaves are SHA-256(0 ‖ MerkleTreeLeaf); heads are STHs signed as RFC 6962 §3.5 says. */
/** One shard of the CT log, by its tree's name (default: the first, `ct`). */
export async function auditCtLog(store: AuditStore, findings: Findings, pageSize: number, treeName = CT_TREE): Promise<(TreeAuditCounts & { treeId: number }) | undefined> {
  const tree = await store.tree(treeName);
  if (!tree) return undefined;
  const { treeId } = tree;
  const key = boundKeyOf(tree, findings);

  async function* leaves(): AsyncGenerator<AuditLeaf[]> {
    for (let from = 0; ; ) {
      const rows = await store.ctEntries(treeId, from, pageSize);
      if (rows.length === 0) return;
      yield rows.map((r) => ({ index: r.index, fromData: leafHash(r.leafInput), column: r.leafHash }));
      from = (rows[rows.length - 1] as AuditCtRow).index + 1;
    }
  }
  async function* heads(): AsyncGenerator<AuditHead[]> {
    for (let after = 0; ; ) {
      const rows = await store.sths(treeId, after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((sth) => {
        const problem = key ? sthProblem(sth, key) : undefined;
        if (problem) findings.add({ table: 'ct_sths', key: `tree ${treeId}, tree_size ${sth.treeSize} (signature)`, expected: 'a tree head signature by the CT key', found: problem });
        return { treeSize: sth.treeSize, rootHash: sth.rootHash, key: `tree_size ${sth.treeSize}` };
      });
      after = (rows[rows.length - 1] as AuditSth).treeSize;
    }
  }
  const counts = await auditTree({ store, treeId, head: tree, entryTable: 'ct_entries', headTable: 'ct_sths', leaves: leaves(), heads: heads(), findings });
  return { treeId, ...counts };
}

/** TLS DigitallySigned: hash sha256 (4), signature ecdsa (3), a 16-bit length, the DER signature. */
function sthProblem(sth: AuditSth, key: KeyObject): string | undefined {
  const s = sth.signature;
  if (s.length < 4 || s[0] !== 4 || s[1] !== 3 || s.readUInt16BE(2) !== s.length - 4) return 'not an ecdsa-with-SHA256 DigitallySigned';
  const ok = verify('sha256', treeHeadSignatureInput(sth.treeSize, sth.timestamp, sth.rootHash), { key, dsaEncoding: 'der' }, s.subarray(4));
  return ok ? undefined : 'a signature that does not verify';
}
