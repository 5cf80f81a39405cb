/**
 * TUF signs the OLPC canonical JSON of `signed`. For what our metadata holds (ASCII strings,
 * non-negative integers, booleans, objects, arrays) that is byte-for-byte RFC 8785, which the
 * `canonicalize` dependency writes.
 */
import canonicalize from 'canonicalize';

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}
