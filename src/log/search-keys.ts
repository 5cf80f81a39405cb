/**
 * POST /api/v1/index/retrieve: turning a search request into the index keys entries were
 * stored under (rekor-api.md §1.10, §2.1, §2.2). Each field gives one or more alternative keys;
 * `or` unites all hits, `and` intersects the per-field hit sets.
 */
import { createHash } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { parseVerifierMaterial } from '../entries/index.js';

export interface SearchIndexRequest {
  email?: string;
  subject?: string;
  hash?: string;
  publicKey?: { format: string; content?: string };
  operator?: 'and' | 'or';
}

const HASH_PREFIX_BY_LENGTH: Record<number, string> = { 40: 'sha1', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/** One entry per request field: the keys any of which matches that field. */
export function searchKeyGroups(request: SearchIndexRequest): string[][] {
  const groups: string[][] = [];
  if (request.email !== undefined) groups.push([request.email.toLowerCase()]);
  if (request.subject !== undefined) groups.push([request.subject.toLowerCase()]);
  if (request.hash !== undefined) groups.push([normaliseHash(request.hash)]);
  if (request.publicKey !== undefined) {
    // hashedrekord stores the key hash bare, dsse/intoto with a sha256: prefix; find both.
    const keyHash = publicKeyHash(request.publicKey);
    groups.push([keyHash, `sha256:${keyHash}`]);
  }
  if (groups.length === 0) {
    throw new SealhouseError('invalid_input', 'a search needs at least one of email, subject, hash or publicKey');
  }
  return groups;
}

function normaliseHash(hash: string): string {
  const lower = hash.toLowerCase();
  if (lower.includes(':')) return lower;
  const prefix = HASH_PREFIX_BY_LENGTH[lower.length];
  if (!prefix) throw new SealhouseError('invalid_input', `hash ${JSON.stringify(hash)} is not a sha1, sha256, sha384 or sha512 hex digest`);
  return `${prefix}:${lower}`;
}

function publicKeyHash(publicKey: { format: string; content?: string }): string {
  if (publicKey.format !== 'x509') {
    throw new SealhouseError('invalid_input', `the PKI format requested is not supported by this server: ${publicKey.format} (only x509 keys and certificates are indexed)`);
  }
  if (!publicKey.content) throw new SealhouseError('invalid_input', 'publicKey.content is required: base64 of a PEM public key or certificate');
  let canonicalPem: string;
  try {
    canonicalPem = parseVerifierMaterial(Buffer.from(publicKey.content, 'base64'), 'publicKey.content').canonicalPem;
  } catch (err) {
    throw new SealhouseError('invalid_input', `public key provided could not be parsed: ${(err as Error).message}`);
  }
  return createHash('sha256').update(canonicalPem).digest('hex');
}
