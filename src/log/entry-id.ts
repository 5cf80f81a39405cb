/**
 * Entry identifiers (rekor-api.md §1.1): a 64-hex UUID is the leaf hash; an 80-hex entry ID is
 * the 16-hex tree ID followed by the UUID. Tree ID 0 is invalid; another tree's ID names no
 * entry of ours.
 */
import { SealhouseError } from '../errors.js';

export type EntryLookup = { readonly leafHash: Buffer } | { readonly otherTree: true };

/** `id` has already matched ^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$ (the API schema). */
export function parseEntryId(id: string, treeId: number): EntryLookup {
  const lower = id.toLowerCase();
  if (!/^([0-9a-f]{64}|[0-9a-f]{80})$/.test(lower)) {
    throw new SealhouseError('schema_violation', `entryUUID ${JSON.stringify(id)} must be 64 or 80 hexadecimal characters`);
  }
  if (lower.length === 80) {
    const treePart = lower.slice(0, 16);
    if (/^0+$/.test(treePart)) throw new SealhouseError('invalid_input', `validation error: tree ID 0 in entry ID ${lower} is not a valid tree`);
    if (BigInt(`0x${treePart}`) !== BigInt(treeId)) return { otherTree: true };
  }
  return { leafHash: Buffer.from(lower.slice(-64), 'hex') };
}

/** Tree ID as 16 hex digits, then the 64-hex leaf hash. */
export function entryIdOf(treeId: number, leafHash: Buffer): string {
  return treeId.toString(16).padStart(16, '0') + leafHash.toString('hex');
}
