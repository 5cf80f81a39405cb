/**
 * Verifying a checkpoint the log serves against the trusted root's log keys (ECDSA P-256 for
 * Rekor v1, Ed25519 for Rekor v2: core/trust.ts logsFromTrustedRoot), and deciding what a new verified checkpoint
 * means next to the saved one. The note format and signature check are src/core/checkpoint.ts;
 * this file only picks the key (by key hint, as rekor-monitor does, rekor-api.md §5.4) and
 * refuses keys outside their validFor window.
 */
import { nodeCrypto } from '../node-crypto.js';
import { parseCheckpoint, type Checkpoint } from '../core/checkpoint.js';
import type { TrustedLog } from '../core/trust.js';
import { verifyLogCheckpoint } from '../core/verify-entry.js';
import { Inconsistency, type CheckpointSummary } from './inconsistency.js';

export type { TrustedLog };

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: string;
  readonly log: TrustedLog;
}

/**
 * Parses and verifies `note`; any failure is an Inconsistency (a log that serves an unsigned or
 * wrongly signed head is misbehaving, whatever the cause).
 */
export function verifyCheckpointNote(note: string, logs: readonly TrustedLog[], saved: CheckpointSummary | undefined, now: Date = new Date()): VerifiedCheckpoint {
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(note);
  } catch (err) {
    throw new Inconsistency(`the log served a checkpoint that does not parse: ${(err as Error).message}`, saved, undefined, note);
  }
  const problems: string[] = [];
  for (const log of logs) {
    if (log.validFrom && now < log.validFrom) {
      problems.push(`log key ${log.logIdHex} is valid only from ${log.validFrom.toISOString()}`);
      continue;
    }
    if (log.validTo && now > log.validTo) {
      problems.push(`log key ${log.logIdHex} expired at ${log.validTo.toISOString()}`);
      continue;
    }
    try {
      verifyLogCheckpoint(checkpoint, log, nodeCrypto);
      return { checkpoint, note, log };
    } catch (err) {
      problems.push(`log key ${log.logIdHex}: ${(err as Error).message}`);
    }
  }
  throw new Inconsistency(`the checkpoint signature does not verify with any log key of the trusted root (${problems.join('; ')})`, saved, checkpoint, note);
}

export const summary = (c: Checkpoint): CheckpointSummary => ({ origin: c.origin, size: c.size, rootHash: c.rootHash });
