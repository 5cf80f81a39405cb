/**
 * The canonical body: `{apiVersion, kind, spec}` serialised with RFC 8785 (JCS), which is the
 * Merkle leaf data, plus its RFC 6962 leaf hash (rekor-api.md §1.6 step 3).
 * https://www.rfc-editor.org/rfc/rfc8785 · https://www.rfc-editor.org/rfc/rfc6962#section-2.1
 */
import canonicalize from 'canonicalize';
import { assert } from '../errors.js';
import { leafHash } from '../merkle/hash.js';
import type { CanonicalEntry } from './entry-type.js';
import { finalizeIndexKeys } from './index-keys.js';

/** `spec` must be plain JSON data (strings, objects, arrays) built by an entry type. */
export function makeCanonicalEntry(kind: string, apiVersion: string, spec: object, indexKeys: Iterable<string>): CanonicalEntry {
  const text = canonicalize({ apiVersion, kind, spec });
  assert(text !== undefined, 'canonical entry must serialise');
  const body = Buffer.from(text, 'utf8');
  return { kind, apiVersion, body, leafHash: leafHash(body), indexKeys: finalizeIndexKeys(indexKeys) };
}
