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

/** Lower-cased, de-duplicated, first occurrence wins. */
export function finalizeIndexKeys(keys: Iterable<string>): string[] {
  return [...new Set([...keys].map((k) => k.toLowerCase()))];
}

/**
 * `[hex(sha256(canonical PEM)), ...SANs of the leaf]`; dsse and intoto prefix the hash with
 * `sha256:`, hashedrekord does not (a Rekor quirk kept for search compatibility).
 */
export function verifierIndexKeys(material: VerifierMaterial, prefixed: boolean): string[] {
  const hash = sha256(material.canonicalPem).toString('hex');
  const leaf = material.certificates[0];
  return [prefixed ? `sha256:${hash}` : hash, ...(leaf === undefined ? [] : subjectAltNames(leaf))];
}

function digestKeys(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const digest: unknown = isJsonObject(item) ? item.digest : undefined;
    if (!isJsonObject(digest)) return [];
    return Object.entries(digest).flatMap(([alg, value]) => (typeof value === 'string' ? [`${alg}:${value}`] : []));
  });
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
  return [...digestKeys(statement.subject), ...digestKeys(isJsonObject(predicate) ? predicate.materials : undefined)];
}
