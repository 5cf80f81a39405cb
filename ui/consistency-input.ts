/**
 * What the log page's consistency form accepts (rekor-api.md §1.5, §5.4): a tree size the user
 * saw before and, optionally, its root hash as people copy it. Bad input is a UiError
 * ('bad-input') with a message the user can act on; the proof itself is checked by
 * src/core/merkle.ts against the head checkpoint the page verified.
 */
import { base64ToBytes, hexToBytes } from '../src/core/bytes.js';
import { UiError } from './errors.js';

const bad = (message: string): UiError => new UiError('bad-input', message);

/** A root hash as people copy it: 64 hex digits or the 44-character base64 of a checkpoint. */
export function parseRootHash(text: string): Uint8Array | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) return hexToBytes(t.toLowerCase());
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) return base64ToBytes(t);
  throw bad('The root hash must be 64 hex digits or the base64 root line of a checkpoint.');
}

export function parseOldSize(text: string, headSize: number): number {
  const t = text.trim();
  if (!/^[0-9]+$/.test(t)) throw bad(`"${text}" is not a tree size: expected a whole number.`);
  const n = Number(t);
  if (n < 1) throw bad('A consistency proof needs a tree size of at least 1.');
  if (n > headSize) throw bad(`The log has ${headSize} entries: choose a size between 1 and ${headSize}.`);
  return n;
}

/** A power-of-two size's root is not in its consistency proof: the caller must know it. */
export function needsOldRoot(size: number): boolean {
  let n = size;
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}
