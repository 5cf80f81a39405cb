/**
 * A minimal strict DER reader (ITU-T X.690 §8, §10): just enough to walk certificates, SPKIs and
 * ECDSA-Sig-Value structures without trusting a permissive BER parser. Every function returns
 * `undefined` instead of throwing, so callers turn malformed input into one readable error.
 * https://www.itu.int/rec/T-REC-X.690
 */

export interface Tlv {
  /** The identifier octet (single-byte tags only, which is all X.509 needs). */
  tag: number;
  /** Offset of the whole TLV within the buffer, of its contents, and one past its end. */
  start: number;
  contentStart: number;
  end: number;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** One TLV at `offset`, bounded by `limit`; undefined on any length or encoding violation. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags never occur in what we parse
  let len = buf[offset + 1] as number;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] as number);
    // DER: the shortest length form only.
    if (len < 0x80 || (n > 1 && buf[offset + 2] === 0)) return undefined;
    header += n;
  }
  const end = offset + header + len;
  if (end > limit) return undefined;
  return { tag, start: offset, contentStart: offset + header, end };
}

/** The children of a constructed TLV, or undefined if they do not exactly fill it. */
export function readChildren(buf: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(buf, pos, parent.end);
    if (child === undefined) return undefined;
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** A single top-level TLV that spans the whole buffer (no trailing bytes). */
export function readWhole(buf: Uint8Array, tag: number): Tlv | undefined {
  const tlv = readTlv(buf, 0);
  return tlv !== undefined && tlv.tag === tag && tlv.end === buf.length ? tlv : undefined;
}

export function contents(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.contentStart, tlv.end - tlv.contentStart);
}

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents. */
export function decodeOid(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (value === 0 && b === 0x80) return undefined; // non-minimal encoding
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return undefined;
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === bytes.length - 1) return undefined;
  }
  return arcs.join('.');
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as ms since the epoch. */
export function decodeTime(buf: Uint8Array, tlv: Tlv): number | undefined {
  const text = contents(buf, tlv).toString('latin1');
  const m =
    tlv.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (m === null) return undefined;
  let year = Number(m[1]);
  if (tlv.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900; // RFC 5280 §4.1.2.5.1
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
