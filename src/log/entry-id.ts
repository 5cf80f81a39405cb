/**
 * Entry identifiers (rekor-api.md §1.1): a 64-hex UUID is the leaf hash; an 80-hex entry ID is
 * the 16-hex tree ID (the shard) followed by the UUID. Tree ID 0 is invalid; a tree that is not
 * one of the log's shards names no entry.
 */
import { SealhouseError } from '../errors.js';

/** A leaf hash, and the tree it must be in when the ID names one (80 hex). */
export interface EntryLookup {
  readonly leafHash: Buffer;
  readonly treeId?: number;
}

/** `id` has already matched ^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$ (the API schema). */
export function parseEntryId(id: string): EntryLookup {
  const lower = id.toLowerCase();
  if (!/^([0-9a-f]{64}|[0-9a-f]{80})$/.test(lower)) {
    throw new SealhouseError('schema_violation', `entryUUID ${JSON.stringify(id)} must be 64 or 80 hexadecimal characters`);
  }
  if (lower.length === 80) {
    const treePart = lower.slice(0, 16);
    if (/^0+$/.test(treePart)) throw new SealhouseError('invalid_input', `validation error: tree ID 0 in entry ID ${lower} is not a valid tree`);
    const treeId = BigInt(`0x${treePart}`);
    // Past 2^53 no tree of ours exists (tree IDs are safe integers): a tree that names nothing.
    return { leafHash: Buffer.from(lower.slice(-64), 'hex'), treeId: treeId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(treeId) : -1 };
  }
  return { leafHash: Buffer.from(lower.slice(-64), 'hex') };
}

/** Tree ID as 16 hex digits, then the 64-hex leaf hash. */
export function entryIdOf(treeId: number, leafHash: Buffer): string {
  return treeId.toString(16).padStart(16, '0') + leafHash.toString('hex');
}
