/**
 * Search-index keys (rekor-api.md §1.10, §2.1, §2.2): key hashes, certificate SANs, artifact and
 * payload digests, and for in-toto statements every subject and SLSA-material digest as
 * `alg:hex`. Rekor's Redis index stores keys lower-cased; lookups lower-case too.
 * https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
 */
import { sha256 } from '../merkle/hash.js';
import { isJsonObject } from './fields.js';
import type { VerifierMaterial } from './keys.js';
import { subjectAltNames } from './sans.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * Index caps (issue 8: one dsse entry with 25,000 subjects wrote 25,000 index rows). Rekor
 * indexes everything, best-effort after the 201, and documents the index as possibly
 * incomplete; so an entry over a cap is still logged (what Rekor accepts, Sealhouse accepts) and
 * only the excess keys are left out. Key order is Rekor's, so the keys that identify the entry
 * (key hash, SANs, payload and envelope hashes) come first and are kept.
 * - in-toto digests: 1,024, sigstore-go's limit on subjects (it refuses to verify more).
 * - SANs per certificate: 64 (Fulcio certificates have one; multi-name CA certificates a few dozen).
 * - keys per entry: 2,048, a backstop over the sum of the above.
 * - key length: 512 characters, Rekor's MySQL EntryKey varchar(512); search accepts no longer.
 */
export const MAX_INTOTO_INDEX_KEYS = 1024;
export const MAX_SANS_INDEXED = 64;
export const MAX_INDEX_KEYS = 2048;
export const MAX_INDEX_KEY_LENGTH = 512;

/** Lower-cased, de-duplicated (first occurrence wins), capped as above. */
export function finalizeIndexKeys(keys: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (out.size >= MAX_INDEX_KEYS) break;
    if (key.length <= MAX_INDEX_KEY_LENGTH) out.add(key.toLowerCase());
  }
  return [...out];
}

/**
 * `[hex(sha256(canonical PEM)), ...SANs of the leaf]`; dsse and intoto prefix the hash with
 * `sha256:`, hashedrekord does not (a Rekor quirk kept for search compatibility).
 */
export function verifierIndexKeys(material: VerifierMaterial, prefixed: boolean): string[] {
  const hash = sha256(material.canonicalPem).toString('hex');
  const leaf = material.certificates[0];
  return [prefixed ? `sha256:${hash}` : hash, ...(leaf === undefined ? [] : subjectAltNames(leaf).slice(0, MAX_SANS_INDEXED))];
}

/** Appends `alg:value` of each item's digest to `out`, stopping at MAX_INTOTO_INDEX_KEYS. */
function digestKeys(list: unknown, out: string[]): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    const digest: unknown = isJsonObject(item) ? item.digest : undefined;
    if (!isJsonObject(digest)) continue;
    for (const [alg, value] of Object.entries(digest)) {
      if (out.length >= MAX_INTOTO_INDEX_KEYS) return;
      if (typeof value === 'string') out.push(`${alg}:${value}`);
    }
  }
}

/** `subject[].digest` and `predicate.materials[].digest` of an in-toto statement; [] if not one. */
export function inTotoIndexKeys(payloadType: string, payload: Buffer): string[] {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    return []; // Rekor logs and indexes nothing extra for an unparsable statement
  }
  if (!isJsonObject(statement)) return [];
  const predicate = statement.predicate;
  const out: string[] = [];
  digestKeys(statement.subject, out);
  digestKeys(isJsonObject(predicate) ? predicate.materials : undefined, out);
  return out;
}
