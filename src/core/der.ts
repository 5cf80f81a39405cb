/**
 * The one DER reader (ITU-T X.690 §8, §10) for everything Sealhouse reads from outside:
 * certificates, CSRs, SubjectPublicKeyInfo, ECDSA signatures, extensions. Strict where BER is
 * lax, because a signature covers exact bytes and two readers must never disagree:
 *   - single-byte tags, definite lengths only (no indefinite form);
 *   - lengths in the fewest octets: no long form below 128, no leading zero length octet;
 *   - every read bounded by its container; a value runs past nothing;
 *   - OBJECT IDENTIFIER arcs minimal (no leading 0x80) and complete (the last octet ends an arc).
 * A violation throws a DerError naming what was being read. Values are views into the input.
 * https://www.itu.int/rec/T-REC-X.690
 */
import { fromUtf8, toHex } from './bytes.js';
import { CoreError } from './errors.js';

export class DerError extends CoreError {
  constructor(message: string) {
    super('invalid_input', message);
    this.name = 'DerError';
  }
}

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
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n], e.g. [3] for TBSCertificate.extensions. */
export const contextTag = (n: number): number => 0xa0 | n;

/** One TLV: its tag byte and its contents (a view into the original bytes). */
export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
  /** The whole TLV, header included. */
  readonly raw: Uint8Array;
}

/** Lengths past 2^32 cannot occur in anything we read; refusing them keeps arithmetic exact. */
const MAX_LENGTH_OCTETS = 4;

/** The TLV starting at `at` within `buf`; `what` names the field in errors. */
export function readTlv(buf: Uint8Array, at: number, what: string): Tlv {
  const tag = buf[at];
  const first = buf[at + 1];
  if (tag === undefined || first === undefined) throw new DerError(`${what}: truncated header`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tags are not supported`);
  let len = first;
  let start = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`${what}: indefinite length is not DER`);
    if (n > MAX_LENGTH_OCTETS) throw new DerError(`${what}: length of ${n} octets is too large`);
    if (start + n > buf.length) throw new DerError(`${what}: truncated length`);
    if (buf[start] === 0) throw new DerError(`${what}: non-minimal length (leading zero octet)`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    if (len < 0x80) throw new DerError(`${what}: non-minimal length (long form for ${len})`);
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

/** The TLVs inside a constructed value, which they must fill exactly. */
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

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents (X.690 §8.19). */
export function decodeOid(value: Uint8Array, what = 'OBJECT IDENTIFIER'): string {
  if (value.length === 0) throw new DerError(`${what}: empty`);
  const arcs: number[] = [];
  let n = 0;
  let inArc = false;
  for (const b of value) {
    // §8.19.2: each arc in the fewest octets, so an arc never starts with 0x80.
    if (!inArc && b === 0x80) throw new DerError(`${what}: non-minimal arc encoding`);
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw new DerError(`${what}: arc too large`);
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      arcs.push(n);
      n = 0;
    }
  }
  // A last octet with the continuation bit set leaves the last arc unfinished.
  if (inArc) throw new DerError(`${what}: truncated (the last arc is unfinished)`);
  const first = arcs.shift() as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/**
 * The magnitude of a positive INTEGER (X.690 §8.3.2: minimal two's complement), without the
 * sign-padding zero; throws for empty, negative, zero or non-minimal encodings.
 */
export function positiveInteger(tlv: Tlv | undefined, what: string): Uint8Array {
  const v = expectTag(tlv, TAG.INTEGER, what).value;
  if (v.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if ((v[0] as number) & 0x80) throw new DerError(`${what}: negative`);
  if (v[0] !== 0) return v;
  if (v.length === 1) throw new DerError(`${what}: zero`);
  if (((v[1] as number) & 0x80) === 0) throw new DerError(`${what}: non-minimal INTEGER (needless leading zero)`);
  return v.subarray(1);
}

/** INTEGER contents as unsigned hex without the DER sign-padding byte (serial numbers). */
export function integerHex(value: Uint8Array): string {
  const trimmed = value.length > 1 && value[0] === 0 ? value.subarray(1) : value;
  return toHex(trimmed);
}

/** Small non-negative INTEGERs (versions, path lengths). */
export function integerNumber(value: Uint8Array): number {
  if (value.length > 6) throw new DerError('INTEGER too large');
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

/** The string types X.509 names and extensions use, decoded to text. */
export function decodeString(tlv: Tlv): string {
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      try {
        return fromUtf8(tlv.value);
      } catch {
        throw new DerError('UTF8String is not valid UTF-8');
      }
    case TAG.BMP_STRING: {
      if (tlv.value.length % 2 !== 0) throw new DerError('BMPString has an odd number of bytes');
      let s = '';
      for (let i = 0; i + 1 < tlv.value.length; i += 2) s += String.fromCharCode(((tlv.value[i] as number) << 8) | (tlv.value[i + 1] as number));
      return s;
    }
    default:
      // PrintableString, IA5String, TeletexString, VisibleString: ASCII in practice.
      return Array.from(tlv.value, (b) => String.fromCharCode(b)).join('');
  }
}

const UTC = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/;
const GENERALIZED = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/;

/**
 * UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), the only forms
 * RFC 5280 §4.1.2.5 allows: seconds present, `Z`, no fraction.
 */
export function decodeTime(tlv: Tlv, what = 'time'): Date {
  if (tlv.tag !== TAG.UTC_TIME && tlv.tag !== TAG.GENERALIZED_TIME) throw new DerError(`${what}: not a UTCTime or GeneralizedTime`);
  const text = Array.from(tlv.value, (b) => String.fromCharCode(b)).join('');
  const m = (tlv.tag === TAG.UTC_TIME ? UTC : GENERALIZED).exec(text);
  if (!m) throw new DerError(`${what}: unsupported time value ${JSON.stringify(text.slice(0, 32))}`);
  const [, y = '', mo = '', d = '', h = '', mi = '', s = ''] = m;
  const year = tlv.tag === TAG.UTC_TIME ? (Number(y) < 50 ? 2000 : 1900) + Number(y) : Number(y);
  const date = new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  // Date.UTC rolls 2026-13-40 over into 2027; a real date round-trips.
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new DerError(`${what}: ${JSON.stringify(text)} is not a valid date`);
  }
  return date;
}
