/**
 * A minimal DER reader (ITU-T X.690 §8, §10) for what the page decodes: X.509 certificates,
 * SubjectPublicKeyInfo, ECDSA signatures. Definite lengths only; every read is bounds-checked
 * and a malformed input throws a DerError naming what was being read.
 */
import { fromUtf8, toHex } from './bytes.js';

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV: its tag byte and its contents (a view into the original bytes). */
export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
  /** The whole TLV, header included. */
  readonly raw: Uint8Array;
}

/** The TLV starting at `at`; `what` names the field in errors. */
export function readTlv(buf: Uint8Array, at: number, what: string): Tlv {
  const tag = buf[at];
  let len = buf[at + 1];
  if (tag === undefined || len === undefined) throw new DerError(`${what}: truncated header`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tags are not supported`);
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError(`${what}: unsupported length encoding`);
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[start + i];
      if (b === undefined) throw new DerError(`${what}: truncated length`);
      len = len * 256 + b;
    }
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new DerError(`${what}: length ${len} runs past the end of the data`);
  return { tag, value: buf.subarray(start, end), raw: buf.subarray(at, end) };
}

/** Parse `buf` as exactly one TLV with the expected tag. */
export function readOne(buf: Uint8Array, tag: number, what: string): Tlv {
  const tlv = readTlv(buf, 0, what);
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  if (tlv.raw.length !== buf.length) throw new DerError(`${what}: trailing bytes after the value`);
  return tlv;
}

/** The TLVs inside a constructed value. */
export function children(tlv: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < tlv.value.length; ) {
    const child = readTlv(tlv.value, at, what);
    out.push(child);
    at += child.raw.length;
  }
  return out;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) throw new DerError(`${what}: missing`);
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let n = 0;
  for (const b of value) {
    n = n * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(n);
      n = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** INTEGER contents as unsigned hex without the DER sign-padding byte (serial numbers). */
export function integerHex(value: Uint8Array): string {
  const trimmed = value.length > 1 && value[0] === 0 ? value.subarray(1) : value;
  return toHex(trimmed);
}

/** Small INTEGERs (versions, path lengths). */
export function integerNumber(value: Uint8Array): number {
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

/** The string types X.509 names and extensions use, decoded to text. */
export function decodeString(tlv: Tlv): string {
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      return fromUtf8(tlv.value);
    case 0x1e: {
      // BMPString: UTF-16BE
      let s = '';
      for (let i = 0; i + 1 < tlv.value.length; i += 2) s += String.fromCharCode(((tlv.value[i] as number) << 8) | (tlv.value[i + 1] as number));
      return s;
    }
    default:
      // PrintableString, IA5String, TeletexString, VisibleString: ASCII in practice.
      return Array.from(tlv.value, (b) => String.fromCharCode(b)).join('');
  }
}

/** UTCTime (YYMMDDHHMMSSZ, 1950–2049 per RFC 5280 §4.1.2.5.1) or GeneralizedTime. */
export function decodeTime(tlv: Tlv): Date {
  const text = decodeString(tlv);
  const m = tlv.tag === TAG.UTC_TIME ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError(`unsupported time value ${JSON.stringify(text)}`);
  const [, y = '', mo = '', d = '', h = '', mi = '', s = ''] = m;
  const year = tlv.tag === TAG.UTC_TIME ? (Number(y) < 50 ? 2000 : 1900) + Number(y) : Number(y);
  return new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}
