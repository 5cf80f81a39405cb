/**
 * The one verifier of a Rekor v1 log entry against trusted log keys, as sigstore clients do
 * offline (rekor-api.md §3–§5), used by the page, the CLI and the server's tests alike: the
 * entry UUID is the leaf hash of the body, the log ID names a trusted key, the SET verifies,
 * the checkpoint is signed by that key and describes the proof's tree, the audit path leads to
 * the checkpoint's (signed) root, and (for a certificate) the integrated time lies inside its
 * validity. An entry is verified when its SET verifies or its inclusion proof leads to a
 * verified checkpoint; nothing else the answer says is taken on trust.
 */
import { base64ToBytes, hexToBytes, toHex } from './bytes.js';
import { parseCheckpoint, verifyCheckpointSignature, type Checkpoint } from './checkpoint.js';
import { bodyChecks } from './body-checks.js';
import { run, type Check, type CheckId } from './checks.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { verifySet } from './set.js';
import { sha256Of, type CoreCrypto } from './crypto.js';
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

/**
 * Whether the entry's signer is who its certificate says: 'verified' (chain and SCT against
 * the trusted root), 'not-verified' (with why), or 'none' (a bare key names nobody).
 */
export interface IdentityVerdict {
  readonly status: 'verified' | 'not-verified' | 'none';
  readonly detail: string;
}

export interface EntryVerification {
  /** The log's proofs hold: a verified SET, or an inclusion proof to a verified checkpoint. */
  readonly verified: boolean;
  /** Separate from `verified`: the log can prove it holds an entry whose identity is forged. */
  readonly identity: IdentityVerdict;
  readonly checks: Check[];
  /** One sentence: what was proven, or the first reason it failed. */
  readonly summary: string;
}

/** The checks that passed, by id (for callers that report or assert what was proven). */
export const passedChecks = (v: EntryVerification): CheckId[] => v.checks.filter((c) => c.status === 'ok').map((c) => c.id);

/** What the page asked for; the answer must be that entry. */
export interface Expected {
  readonly uuid?: string;
  readonly logIndex?: number;
}

export interface VerifyEntryOptions {
  readonly logs: readonly TrustedLog[];
  readonly crypto: CoreCrypto;
  /** The trusted_root.json the logs came from; its CAs and CT logs decide identities. */
  readonly trustedRoot?: unknown;
  readonly expected?: Expected;
}

// A page of results usually shares one checkpoint: verify each (note, key) pair once. The key
// is everything the verdict depends on — the signed text, every signature line's name, key hint
// and signature, and the trusted key with its accepted names — so a note that differs from a
// verified one in any of them (a wrong key hint, another signer name) is verified afresh.
const verifiedNotes = new Map<string, string>();

const noteCacheKey = (cp: Checkpoint, log: TrustedLog): string =>
  [log.logIdHex, log.signerNames.join(' '), cp.text, ...cp.signatures.map((s) => `${s.name} ${toHex(s.keyHint)} ${toHex(s.signature)}`)].join('\n');

/**
 * Verifies a checkpoint's signature with a trusted log key: the key hint is the log ID's, the
 * signer name is one the log may use (TrustedLog.signerNames), and the signature verifies.
 * Returns the signer name; throws why not. The log page checks the head with this too.
 */
export function verifyLogCheckpoint(cp: Checkpoint, log: TrustedLog, crypto: CoreCrypto): string {
  const cacheKey = noteCacheKey(cp, log);
  const known = verifiedNotes.get(cacheKey);
  if (known !== undefined) return known;
  const name = verifyCheckpointSignature(crypto, cp, { logId: hexToBytes(log.logIdHex), spki: log.key.der, names: log.signerNames });
  if (verifiedNotes.size > 256) verifiedNotes.clear();
  verifiedNotes.set(cacheKey, name);
  return name;
}

export function verifyEntry(entryId: string, entry: LogEntryAnon, opts: VerifyEntryOptions): EntryVerification {
  const { logs, expected = {} } = opts;
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
  const sha256 = sha256Of(opts.crypto);
  const leaf = body ? leafHash(sha256, body) : undefined;

  checks.push(run('uuid', 'Entry UUID is the hash of the body', () => {
    if (!leaf) throw new Error('the body is not base64');
    if (!/^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(entryId)) throw new Error(`${JSON.stringify(entryId.slice(0, 90))} is not an entry ID (64 hex digits, or 80 with the tree ID)`);
    const uuid = entryId.slice(-64).toLowerCase();
    if (toHex(leaf) !== uuid) throw new Error(`the body hashes to ${toHex(leaf)}, but the entry is named ${uuid}`);
    return `SHA-256(0x00 ‖ body) = ${uuid}`;
  }));

  const logId = typeof entry.logID === 'string' ? entry.logID.toLowerCase() : undefined;
  const log = logs.find((l) => l.logIdHex === logId);
  checks.push(run('log-key', 'Signed by a trusted log key', () => {
    if (!log) throw new Error(`the entry's log ID ${String(entry.logID)} is not a trusted log (trusted: ${logs.map((l) => l.logIdHex).join(', ') || 'none'})`);
    const t = new Date(entry.integratedTime * 1000);
    if (log.validFrom && t < log.validFrom) throw new Error(`integrated at ${t.toISOString()}, before the key's validity start ${log.validFrom.toISOString()}`);
    if (log.validTo && t > log.validTo) throw new Error(`integrated at ${t.toISOString()}, after the key's validity end ${log.validTo.toISOString()}`);
    return `log ID ${log.logIdHex}`;
  }));

  const set = entry.verification?.signedEntryTimestamp;
  checks.push(run('set', 'Signed entry timestamp (SET)', !set ? 'the answer carries no SET' : !log ? 'no trusted key for this log ID' : () => {
    if (!verifySet(opts.crypto, entry, base64ToBytes(set), log.key.der)) throw new Error('the SET does not verify over {body, integratedTime, logID, logIndex} with the log key');
    return `the log promised to include this body at index ${entry.logIndex}, time ${entry.integratedTime}`;
  }));

  // The inclusion proof counts only against the root of a checkpoint whose signature verified:
  // the proof's own rootHash is unsigned, and anyone can make a tree of one leaf whose root is
  // that leaf.
  const proof = entry.verification?.inclusionProof;
  const note = proof?.checkpoint;
  let signedRoot: Uint8Array | undefined;
  checks.push(run('checkpoint', 'Checkpoint signed by the log', !proof ? 'the answer carries no inclusion proof' : !note ? 'the inclusion proof carries no checkpoint' : !log ? 'no trusted key for this log ID' : () => {
    const cp = parseCheckpoint(note);
    const name = verifyLogCheckpoint(cp, log, opts.crypto);
    if (cp.size !== proof.treeSize) throw new Error(`the checkpoint is for tree size ${cp.size}, the proof for ${proof.treeSize}`);
    if (toHex(cp.rootHash) !== String(proof.rootHash).toLowerCase()) throw new Error(`the checkpoint root ${toHex(cp.rootHash)} is not the proof's root ${proof.rootHash}`);
    signedRoot = cp.rootHash;
    return `"${cp.origin}", size ${cp.size}, signed by ${name}`;
  }));

  const title = 'Inclusion proof (RFC 6962)';
  checks.push(((): Check => {
    if (!proof) return run('inclusion', title, 'the answer carries no inclusion proof');
    if (!leaf) return run('inclusion', title, () => {
      throw new Error('the body is not base64');
    });
    const hashes = (): Uint8Array[] => proof.hashes.map(hexToBytes);
    if (!signedRoot) {
      // Nothing signs the proof's root, so it cannot count; but a path that does not even lead
      // to the answer's own root shows the answer is corrupt, and says so.
      return run('inclusion', title, ((): (() => string) | string => {
        try {
          verifyInclusion(sha256, proof.logIndex, proof.treeSize, leaf, hashes(), hexToBytes(String(proof.rootHash)));
          return 'no verified checkpoint: a proof to an unsigned root proves nothing';
        } catch (err) {
          return () => {
            throw new Error(`the audit path does not lead to the answer's own (unsigned) root: ${(err as Error).message}`);
          };
        }
      })());
    }
    const root = signedRoot;
    return run('inclusion', title, () => {
      verifyInclusion(sha256, proof.logIndex, proof.treeSize, leaf, hashes(), root);
      return `leaf ${proof.logIndex} of a tree of ${proof.treeSize}: ${proof.hashes.length} hashes lead to the signed root ${toHex(root)}`;
    });
  })());

  if (body) checks.push(...bodyChecks(entry.body, entry.integratedTime, { crypto: opts.crypto, trustedRoot: opts.trustedRoot }));

  const idCheck = checks.find((c) => c.id === 'identity');
  const identity: IdentityVerdict = !idCheck
    ? { status: 'not-verified', detail: 'identity NOT verified: the body cannot be decoded' }
    : { status: idCheck.status === 'ok' ? 'verified' : idCheck.status === 'skipped' ? 'none' : 'not-verified', detail: idCheck.detail };
  // The identity has its own verdict; every other failure fails the entry.
  const failed = checks.find((c) => c.status === 'failed' && c.id !== 'identity');
  const ok = (id: Check['id']): boolean => checks.some((c) => c.id === id && c.status === 'ok');
  const proven = ok('set') || (ok('checkpoint') && ok('inclusion'));
  const verified = !failed && proven;
  const summary = failed
    ? `${failed.title}: ${failed.detail}`
    : !proven
      ? 'Not verified: the answer has neither a SET nor an inclusion proof to a signed checkpoint'
      : `Verified in your browser: ${[ok('set') && 'SET', ok('checkpoint') && ok('inclusion') && 'inclusion proof and signed checkpoint'].filter(Boolean).join(' and ')}`;
  return { verified, identity, checks, summary };
}
