/**
 * Offline verification of a Rekor v1 LogEntry as an auditor or client would do it, with only
 * the log's public key: the entry UUID is the leaf hash of the body; the SET verifies
 * (rekor-api.md §3); the inclusion proof leads to its root; the checkpoint is signed by the log
 * and describes exactly that tree (§4). This is what proves our formats are Rekor's: the same
 * code verifies production Rekor entries and ours.
 */
import type { KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { leafHash } from '../merkle/hash.js';
import { verifyInclusion } from '../merkle/verify.js';
import { verifyCheckpoint } from '../note/checkpoint.js';
import { ecdsaNoteVerifier } from '../note/ecdsa-note.js';
import { logIdOf } from '../note/log-id.js';
import { verifySet } from './set.js';

/** The LogEntryAnon JSON of the Rekor v1 API (hex hashes, base64 body and SET). */
export interface ApiLogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint?: string };
  };
}

export interface TrustedLog {
  readonly publicKey: KeyObject;
  /** The checkpoint signer name (the log's host name), e.g. rekor.sigstore.dev. */
  readonly name: string;
}

export type EntryCheck = 'entry-uuid' | 'set' | 'inclusion' | 'checkpoint';

const fail = (message: string): SealhouseError => new SealhouseError('verification_failed', message);


/**
 * Verify everything the entry carries; returns the checks that ran. `entryId` is the response
 * key (64-hex UUID or 80-hex tree ID + UUID). Throws verification_failed on the first failure.
 */
export function verifyLogEntry(entryId: string, entry: ApiLogEntry, logs: readonly TrustedLog[]): EntryCheck[] {
  const checks: EntryCheck[] = [];
  const body = Buffer.from(entry.body, 'base64');
  const leaf = leafHash(body);
  if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(entryId) || entryId.slice(-64) !== leaf.toString('hex')) {
    throw fail(`entry ID ${entryId} is not the leaf hash of the body (${leaf.toString('hex')})`);
  }
  checks.push('entry-uuid');

  const log = logs.find((l) => logIdOf(l.publicKey).toString('hex') === entry.logID);
  if (!log) throw fail(`no trusted log has logID ${entry.logID}`);

  const set = entry.verification?.signedEntryTimestamp;
  if (set !== undefined) {
    const fields = { body, integratedTime: entry.integratedTime, logIdHex: entry.logID, logIndex: entry.logIndex };
    if (!verifySet(fields, Buffer.from(set, 'base64'), log.publicKey)) throw fail(`the signed entry timestamp of entry ${entryId} does not verify`);
    checks.push('set');
  }

  const proof = entry.verification?.inclusionProof;
  if (proof) {
    const hashes = proof.hashes.map((h) => Buffer.from(h, 'hex'));
    const root = Buffer.from(proof.rootHash, 'hex');
    verifyInclusion(proof.logIndex, proof.treeSize, leaf, hashes, root);
    checks.push('inclusion');
    if (proof.checkpoint !== undefined) {
      const checkpoint = verifyCheckpoint(proof.checkpoint, [ecdsaNoteVerifier(log.name, log.publicKey)]);
      if (checkpoint.size !== proof.treeSize || !checkpoint.rootHash.equals(root)) {
        throw fail(`the checkpoint (size ${checkpoint.size}) does not describe the proof's tree (size ${proof.treeSize})`);
      }
      checks.push('checkpoint');
    }
  }
  if (!checks.includes('set') && !checks.includes('inclusion')) throw fail(`entry ${entryId} carries neither a SET nor an inclusion proof`);
  return checks;
}
