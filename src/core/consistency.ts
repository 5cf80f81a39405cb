/**
 * Checking that the log's head extends an earlier tree (RFC 9162 §2.1.4), as an auditor does
 * between two checkpoints (rekor-api.md §1.5, §5.4). The head's root comes from a checkpoint
 * the page verified; the earlier root is the user's, or derived from the proof.
 */
import { base64ToBytes, hexToBytes, toHex } from './bytes.js';
import { verifyConsistency } from './merkle.js';

export class ConsistencyInputError extends Error {}

/** A root hash as people copy it: 64 hex digits or the 44-character base64 of a checkpoint. */
export function parseRootHash(text: string): Uint8Array | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) return hexToBytes(t.toLowerCase());
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) return base64ToBytes(t);
  throw new ConsistencyInputError('The root hash must be 64 hex digits or the base64 root line of a checkpoint.');
}

export function parseOldSize(text: string, headSize: number): number {
  const t = text.trim();
  if (!/^[0-9]+$/.test(t)) throw new ConsistencyInputError(`"${text}" is not a tree size: expected a whole number.`);
  const n = Number(t);
  if (n < 1) throw new ConsistencyInputError('A consistency proof needs a tree size of at least 1.');
  if (n > headSize) throw new ConsistencyInputError(`The log has ${headSize} entries: choose a size between 1 and ${headSize}.`);
  return n;
}

/** A power-of-two size's root is not in its consistency proof: the caller must know it. */
export function needsOldRoot(size: number): boolean {
  let n = size;
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

export interface ConsistencyResult {
  readonly oldSize: number;
  readonly oldRootHex: string;
  readonly headSize: number;
  readonly headRootHex: string;
}

export function checkConsistency(oldSize: number, oldRoot: Uint8Array | undefined, headSize: number, headRoot: Uint8Array, proofHex: readonly string[]): ConsistencyResult {
  const fr = verifyConsistency(oldSize, headSize, oldRoot, headRoot, proofHex.map(hexToBytes));
  return { oldSize, oldRootHex: toHex(fr), headSize, headRootHex: toHex(headRoot) };
}
