/**
 * One transparency log entry of a bundle, checked against the trusted root's `tlogs`
 * (fulcio-and-clients.md §5.2 step 3; rekor-api.md §3–§4; sigstore-2026.md §3):
 *
 * - the entry's log ID names a trusted log;
 * - the SET (inclusionPromise), when present, is the log key's signature over the JCS form of
 *   {body, integratedTime, logID, logIndex}: a promise that proves the integrated time;
 * - the inclusion proof, when present, leads from SHA-256(0x00 ‖ body) to the root of the
 *   checkpoint, and the checkpoint's note carries a signature by the trusted key (key hint =
 *   first four bytes of the trusted log ID; signer name = the host of the log's baseUrl).
 *   The root and size are taken from the signed checkpoint, never from the proof's own
 *   unsigned `rootHash` (issue 10: an unsigned root proves nothing).
 */
import { equalBytes, fromUtf8, hexToBytes, toBase64, toHex, utf8 } from '../bytes.js';
import { checkpointSignerNames, parseCheckpoint, verifyCheckpointSignature, type Checkpoint } from '../checkpoint.js';
import { sha256Of, type CoreCrypto } from '../crypto.js';
import { leafHash, rootFromInclusion } from '../merkle.js';
import { setPayload } from '../set.js';
import { as, need } from './errors.js';
import type { TlogEntry } from './bundle-json.js';
import type { TrustedKeyLog, TrustedRoot } from './trusted-root.js';
import { withinValidity } from './trusted-root.js';

export interface TlogResult {
  readonly log: TrustedKeyLog;
  /** The integrated time, when a verified SET vouches for it. */
  readonly promisedTime?: Date;
  readonly checks: string[];
}

/** The checkpoint's signature by the trusted log: core's one check, with the log's host names. */
function verifyCheckpoint(crypto: CoreCrypto, cp: Checkpoint, log: TrustedKeyLog): string {
  // No usable baseUrl: any signer name; the key hint and the signature still decide.
  const names = checkpointSignerNames(log.baseUrl) ?? [];
  return as('checkpoint', `the checkpoint of ${log.baseUrl}`, () => verifyCheckpointSignature(crypto, cp, { logId: hexToBytes(log.logIdHex), spki: log.spki, names }));
}

export function verifyTlogEntry(crypto: CoreCrypto, entry: TlogEntry, root: TrustedRoot): TlogResult {
  const checks: string[] = [];
  const log = root.tlogs.find((l) => l.logIdHex === entry.logIdHex);
  need(log !== undefined, 'tlog-key', `the entry's log ${entry.logIdHex} is not a transparency log of the trusted root`);
  if (entry.integratedTime > 0) {
    const t = new Date(entry.integratedTime * 1000);
    need(withinValidity(log.validFor, t), 'tlog-key', `integrated at ${t.toISOString()}, outside the validity of ${log.baseUrl}'s key`);
  }

  let promisedTime: Date | undefined;
  if (entry.set) {
    const payload = as('set', 'the SET fields', () => setPayload({ body: toBase64(entry.body), integratedTime: entry.integratedTime, logID: entry.logIdHex, logIndex: entry.logIndex }));
    need(crypto.verify({ spki: log.spki, hash: 'sha256', signature: entry.set, data: utf8(payload) }), 'set', `the signed entry timestamp does not verify with the key of ${log.baseUrl}`);
    promisedTime = new Date(entry.integratedTime * 1000);
    checks.push(`the signed entry timestamp of ${log.baseUrl} promises entry ${entry.logIndex} at ${promisedTime.toISOString()}`);
  }

  // A proof without a checkpoint leads only to an unsigned root: it proves nothing. v0.1 bundles
  // may carry one beside their SET; it is set aside, never counted (issue 10).
  const proof = entry.proof?.checkpoint !== undefined ? entry.proof : undefined;
  if (entry.proof && !proof) {
    need(entry.set !== undefined, 'tlog-missing', 'the inclusion proof carries no checkpoint, and there is no SET');
    checks.push('an inclusion proof without a signed checkpoint was set aside (its root is unsigned)');
  }
  if (proof) {
    const cp = as('checkpoint', 'the checkpoint', () => parseCheckpoint(proof.checkpoint as string));
    const signer = verifyCheckpoint(crypto, cp, log);
    need(cp.size === proof.treeSize, 'inclusion-proof', `the proof is for a tree of ${proof.treeSize}, the signed checkpoint for ${cp.size}`);
    if (proof.rootHash) need(equalBytes(proof.rootHash, cp.rootHash), 'inclusion-proof', `the proof's root ${toHex(proof.rootHash)} is not the signed checkpoint's root ${toHex(cp.rootHash)}`);
    const sha256 = sha256Of(crypto);
    const computed = as('inclusion-proof', 'the inclusion proof', () => rootFromInclusion(sha256, proof.logIndex, cp.size, leafHash(sha256, entry.body), proof.hashes));
    need(equalBytes(computed, cp.rootHash), 'inclusion-proof', `the audit path leads to ${toHex(computed)}, not to the checkpoint's root ${toHex(cp.rootHash)}`);
    checks.push(`entry ${proof.logIndex} is included in ${signer}'s tree of ${cp.size} (signed checkpoint "${cp.origin}")`);
  }
  need(entry.set !== undefined || proof !== undefined, 'tlog-missing', 'the log entry has neither a signed entry timestamp nor an inclusion proof');
  return { log, promisedTime, checks };
}

/** The logged body as JSON (canonicalizedBody is base64 of Rekor's stored JSON). */
export function bodyJson(entry: TlogEntry): unknown {
  return as('body-mismatch', 'canonicalizedBody', () => JSON.parse(fromUtf8(entry.body)));
}

