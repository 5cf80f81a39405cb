/**
 * Verifying one Rekor v1 log entry in the browser against the trusted log keys, as sigstore
 * clients do offline (rekor-api.md §3–§5): the entry UUID is the leaf hash of the body, the
 * log ID names a trusted key, the SET verifies, the checkpoint is signed by that key and
 * describes the proof's tree, the audit path leads to the checkpoint's root, and (for a
 * certificate) the integrated time lies inside its validity.
 */
import { base64ToBytes, hexToBytes, toHex } from './bytes.js';
import { parseCheckpoint, verifyCheckpointSignature, type Checkpoint } from './checkpoint.js';
import { bodyChecks } from './body-checks.js';
import { run, type Check } from './checks.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { verifySet } from './set.js';
import type { TrustedLog } from './trust.js';

/** LogEntryAnon (rekor-api.md §1.6). */
export interface LogEntryAnon {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  attestation?: { data?: string };
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint?: string };
  };
}

export interface EntryVerification {
  readonly verified: boolean;
  readonly checks: Check[];
  /** One sentence: what was proven, or the first reason it failed. */
  readonly summary: string;
}

/** What the page asked for; the answer must be that entry. */
export interface Expected {
  readonly uuid?: string;
  readonly logIndex?: number;
}

// A page of results usually shares one checkpoint: verify each (note, key) pair once.
const verifiedNotes = new Map<string, string>();

function checkpointSigner(cp: Checkpoint, log: TrustedLog): string {
  const cacheKey = `${log.logIdHex} ${log.host ?? ''}\n${cp.text}${cp.signatures.map((s) => toHex(s.signature)).join()}`;
  const known = verifiedNotes.get(cacheKey);
  if (known !== undefined) return known;
  const name = verifyCheckpointSignature(cp, { logId: hexToBytes(log.logIdHex), point: log.key.keyBytes, name: log.host });
  if (verifiedNotes.size > 256) verifiedNotes.clear();
  verifiedNotes.set(cacheKey, name);
  return name;
}

export function verifyEntry(entryId: string, entry: LogEntryAnon, logs: readonly TrustedLog[], expected: Expected = {}): EntryVerification {
  const checks: Check[] = [];
  if (expected.uuid !== undefined || expected.logIndex !== undefined) {
    checks.push(run('request', 'The answer is the entry asked for', () => {
      const want = expected.uuid?.slice(-64).toLowerCase();
      if (want !== undefined && entryId.slice(-64).toLowerCase() !== want) throw new Error(`asked for UUID ${want}, got ${entryId.slice(-64)}`);
      if (expected.logIndex !== undefined && entry.logIndex !== expected.logIndex) throw new Error(`asked for log index ${expected.logIndex}, got ${entry.logIndex}`);
      return want !== undefined ? `UUID ${want}` : `log index ${expected.logIndex}`;
    }));
  }
  const body = ((): Uint8Array | undefined => {
    try {
      return base64ToBytes(entry.body);
    } catch {
      return undefined;
    }
  })();
  const leaf = body ? leafHash(body) : undefined;

  checks.push(run('uuid', 'Entry UUID is the hash of the body', () => {
    if (!leaf) throw new Error('the body is not base64');
    const uuid = entryId.slice(-64).toLowerCase();
    if (toHex(leaf) !== uuid) throw new Error(`the body hashes to ${toHex(leaf)}, but the entry is named ${uuid}`);
    return `SHA-256(0x00 ‖ body) = ${uuid}`;
  }));

  const log = logs.find((l) => l.logIdHex === entry.logID?.toLowerCase());
  checks.push(run('log-key', 'Signed by a trusted log key', () => {
    if (!log) throw new Error(`the entry's log ID ${entry.logID} is not a trusted log (trusted: ${logs.map((l) => l.logIdHex).join(', ') || 'none'})`);
    const t = new Date(entry.integratedTime * 1000);
    if (log.validFrom && t < log.validFrom) throw new Error(`integrated at ${t.toISOString()}, before the key's validity start ${log.validFrom.toISOString()}`);
    if (log.validTo && t > log.validTo) throw new Error(`integrated at ${t.toISOString()}, after the key's validity end ${log.validTo.toISOString()}`);
    return `log ID ${log.logIdHex}`;
  }));

  const set = entry.verification?.signedEntryTimestamp;
  checks.push(run('set', 'Signed entry timestamp (SET)', !set ? 'the answer carries no SET' : !log ? 'no trusted key for this log ID' : () => {
    if (!verifySet(entry, base64ToBytes(set), log.key.keyBytes)) throw new Error('the SET does not verify over {body, integratedTime, logID, logIndex} with the log key');
    return `the log promised to include this body at index ${entry.logIndex}, time ${entry.integratedTime}`;
  }));

  const proof = entry.verification?.inclusionProof;
  const note = proof?.checkpoint;
  checks.push(run('checkpoint', 'Checkpoint signed by the log', !proof ? 'the answer carries no inclusion proof' : !note ? 'the inclusion proof carries no checkpoint' : !log ? 'no trusted key for this log ID' : () => {
    const cp = parseCheckpoint(note);
    const name = checkpointSigner(cp, log);
    if (cp.size !== proof.treeSize) throw new Error(`the checkpoint is for tree size ${cp.size}, the proof for ${proof.treeSize}`);
    if (toHex(cp.rootHash) !== proof.rootHash.toLowerCase()) throw new Error(`the checkpoint root ${toHex(cp.rootHash)} is not the proof's root ${proof.rootHash}`);
    return `"${cp.origin}", size ${cp.size}, signed by ${name}`;
  }));

  checks.push(run('inclusion', 'Inclusion proof (RFC 6962)', !proof ? 'the answer carries no inclusion proof' : () => {
    if (!leaf) throw new Error('the body is not base64');
    // The path must lead to the proof's root; the checkpoint check ties that root to a signature.
    verifyInclusion(proof.logIndex, proof.treeSize, leaf, proof.hashes.map(hexToBytes), hexToBytes(proof.rootHash));
    return `leaf ${proof.logIndex} of a tree of ${proof.treeSize}: ${proof.hashes.length} hashes lead to root ${proof.rootHash.toLowerCase()}`;
  }));

  if (body) checks.push(...bodyChecks(entry.body, entry.integratedTime));

  const failed = checks.find((c) => c.status === 'failed');
  const ok = (id: Check['id']): boolean => checks.some((c) => c.id === id && c.status === 'ok');
  const proven = ok('set') || (ok('checkpoint') && ok('inclusion'));
  const verified = !failed && proven;
  const summary = failed
    ? `${failed.title}: ${failed.detail}`
    : !proven
      ? 'Nothing to verify: the answer has neither a SET nor a signed inclusion proof'
      : `Verified in your browser: ${[ok('set') && 'SET', ok('checkpoint') && ok('inclusion') && 'inclusion proof and signed checkpoint'].filter(Boolean).join(' and ')}`;
  return { verified, checks, summary };
}
