/**
 * The one DER writer (ITU-T X.690 §8, §10) for what Sealhouse encodes by hand: certificate
 * and extension structures the CA assembles, the precert TBS the CT log re-wraps, ECDSA
 * signatures. Lengths are always minimal, so whatever der.ts accepts, this writes back the same.
 */
import { concatBytes, utf8 } from './bytes.js';
import { TAG } from './der.js';

export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV from a tag and its content parts. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), encodeLength(body.length), body);
}

/** `utf8String('x')` → `0c 01 78`: the value form of the sigstore .8–.24 extensions. */
export const utf8String = (value: string): Uint8Array => tlv(TAG.UTF8_STRING, utf8(value));

/** A non-negative INTEGER from big-endian magnitude bytes, minimal, with a sign byte when needed. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const v = magnitude.subarray(i);
  const body = v.length === 0 ? Uint8Array.of(0) : ((v[0] as number) & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), v) : v;
  return tlv(TAG.INTEGER, body);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, always `Z`. */
export function encodeTime(date: Date): Uint8Array {
  const digits = date.toISOString().slice(0, 19).replace(/[-T:]/g, ''); // 20260102030405
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, utf8(`${digits.slice(2)}Z`));
  return tlv(TAG.GENERALIZED_TIME, utf8(`${digits}Z`));
}
