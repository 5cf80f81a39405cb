/**
 * A full audit of a stored log, independent of the code that wrote it: recompute every leaf
 * hash from its body and the root from all leaves (naive RFC 6962), compare with the head row
 * and the tiles, verify every SET and checkpoint, and prove each checkpoint consistent with
 * the head.
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyConsistency } from '../../src/core/merkle.js';
import type { LogService } from '../../src/log/log-service.js';
import { verifySet } from '../../src/log/set.js';
import { verifyCheckpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { mth } from './naive-tree.js';

export async function auditLog(log: LogService, publicKey: KeyObject, host: string): Promise<{ treeSize: number }> {
  const head = await log.head();
  const entries = await log.entriesRange(0, head.treeSize + 1);
  assert.equal(entries.length, head.treeSize, 'one entry row per leaf, none beyond the head');
  const leaves = entries.map((e, i) => {
    assert.equal(e.index, i, 'indexes are dense');
    assert.ok(leafHash(e.body).equals(e.leafHash), `leaf hash of entry ${i} matches its body`);
    assert.ok(
      verifySet({ body: e.body, integratedTime: e.integratedTime, logIdHex: log.signer.logIdHex, logIndex: e.index }, e.setSignature, publicKey),
      `SET of entry ${i} verifies`,
    );
    return e.leafHash;
  });
  assert.equal(new Set(leaves.map((l) => l.toString('hex'))).size, leaves.length, 'no leaf logged twice');
  assert.ok(mth(leaves).equals(head.rootHash), 'head root equals the naive root over all entries');
  assert.ok((await log.rootAt(head.treeSize)).equals(head.rootHash), 'tiles give the head root');
  const verifier = ecdsaNoteVerifier(host, publicKey);
  for (const cp of await log.checkpoints()) {
    const parsed = verifyCheckpoint(cp.note, [verifier]);
    assert.equal(parsed.size, cp.treeSize);
    assert.ok(mth(leaves, 0, cp.treeSize).equals(parsed.rootHash), `checkpoint ${cp.treeSize} matches the entries`);
    const { hashes } = await log.consistency(cp.treeSize, head.treeSize);
    verifyConsistency(nodeSha256, cp.treeSize, head.treeSize, parsed.rootHash, head.rootHash, hashes);
  }
  return { treeSize: head.treeSize };
}

/** Checkpoints that a client received before a crash must be consistent with the later head. */
export async function checkReceivedCheckpoints(log: LogService, notes: readonly string[], publicKey: KeyObject, host: string): Promise<void> {
  const head = await log.head();
  const verifier = ecdsaNoteVerifier(host, publicKey);
  for (const note of notes) {
    const cp = verifyCheckpoint(note, [verifier]);
    const { hashes } = await log.consistency(cp.size, head.treeSize);
    verifyConsistency(nodeSha256, cp.size, head.treeSize, cp.rootHash, head.rootHash, hashes);
  }
}
