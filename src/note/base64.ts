/**
 * Strict standard base64 (RFC 4648 §4, padded) as signed notes and checkpoints require.
 * https://www.rfc-editor.org/rfc/rfc4648#section-4
 *
 * Buffer.from(s, 'base64') silently skips bad characters and accepts missing padding, so two
 * different strings could decode to the same signature or root hash; a note must have exactly
 * one spelling, so anything that does not re-encode to itself is refused.
 */

const ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of `s`, or undefined when `s` is not canonical padded standard base64. */
export function decodeStrictBase64(s: string): Buffer | undefined {
  if (!ALPHABET.test(s) || s.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}

/** Whether `s` only uses the base64 alphabet (padding aside), to tell "not base64" from "wrong length". */
export function looksLikeBase64(s: string): boolean {
  return s.length > 0 && ALPHABET.test(s);
}

/** A short quotation of untrusted input for error messages, so a huge line cannot flood a log. */
export function quote(s: string, max = 60): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
