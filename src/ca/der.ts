/**
 * A minimal DER reader and writer for the few places where bytes must be exact: splicing the
 * precert poison out of a TBSCertificate (RFC 6962 §3.2, https://www.rfc-editor.org/rfc/rfc6962#section-3.2)
 * and lifting raw Name / SubjectPublicKeyInfo bytes out of a certificate (RFC 5280 §4.1,
 * https://www.rfc-editor.org/rfc/rfc5280#section-4.1).
 *
 * Why not asn1js here: a parse → re-encode round trip through a general ASN.1 library can
 * silently normalise bytes, and the CT signature covers the TBS byte for byte. Working on TLV
 * offsets keeps everything we do not touch exactly as it was.
 *
 * Only single-byte tags and definite lengths are accepted; that covers all of X.509 and PKCS#10.
 */
import { SealhouseError } from '../errors.js';

/** One TLV inside a buffer, all offsets absolute. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset one past the last content byte. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n], e.g. [3] for TBSCertificate.extensions. */
export const contextTag = (n: number): number => 0xa0 | n;

export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Encode one TLV from a tag and its content parts. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

/** `derUtf8String('x')` → `0c 01 78`: the value form of the sigstore .8–.24 extensions. */
export function derUtf8String(value: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'));
}

function malformed(what: string): SealhouseError {
  return new SealhouseError('invalid_input', `malformed DER: ${what}`);
}

/** Read the TLV at `offset`, checking it fits inside `limit` (default: the buffer end). */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw malformed('truncated header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tags are not supported');
  const first = buf[offset + 1] as number;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw malformed('indefinite length is not DER');
    if (count > 4) throw malformed('length too large');
    if (offset + 2 + count > limit) throw malformed('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[offset + 2 + i] as number);
    if (length < 0x80 || (buf[offset + 2] as number) === 0) throw malformed('non-minimal length');
    header += count;
  }
  const contentStart = offset + header;
  const end = contentStart + length;
  if (end > limit) throw malformed('content runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed TLV, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(buf, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Parse a whole buffer as exactly one TLV (no trailing bytes) of the expected tag. */
export function readOnly(buf: Uint8Array, expectedTag: number, what: string): Tlv {
  const top = readTlv(buf, 0);
  if (top.tag !== expectedTag) throw malformed(`${what}: unexpected tag 0x${top.tag.toString(16)}`);
  if (top.end !== buf.length) throw malformed(`${what}: trailing bytes`);
  return top;
}

export const bytesOf = (buf: Uint8Array, t: Tlv): Buffer => Buffer.from(buf.subarray(t.start, t.end));
export const contentOf = (buf: Uint8Array, t: Tlv): Buffer => Buffer.from(buf.subarray(t.contentStart, t.end));

/** Decode an OBJECT IDENTIFIER's content bytes to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw malformed('empty OID');
  const arcs: number[] = [];
  let value = 0;
  let inArc = false;
  for (const byte of content) {
    // X.690 §8.19.2: each arc in the fewest octets, so an arc never starts with 0x80.
    if (!inArc && byte === 0x80) throw malformed('non-minimal OID arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed('OID arc too large');
    inArc = (byte & 0x80) !== 0;
    if (!inArc) {
      arcs.push(value);
      value = 0;
    }
  }
  // A last octet with the continuation bit set leaves an arc unfinished (it decoded as "2.NaN").
  if (inArc) throw malformed('truncated OID');
  const first = arcs.shift() as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, always `Z`. */
export function encodeTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20260102030405
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
