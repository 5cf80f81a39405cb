/**
 * How an entry body is stored: byte-exact, but without the text encodings that make canonical
 * bodies 2–3× larger than what they carry. A body is canonical JSON whose bulk is base64 (DER
 * signatures, base64 of PEM keys and certificates, DSSE payloads) and hex (digests); pglz and lz4
 * do not shrink those (too little repetition inside one row), so the store packs them itself:
 * hex and base64 string values become their raw bytes, base64-of-PEM becomes the DER, and the
 * JSON skeleton between them becomes a one-byte reference when it is one of the skeletons below.
 *
 * The leaf hash is over the exact body bytes, so exactness is the whole point: packBody only
 * returns the packed form when unpackBody gives back the identical bytes (checked on every
 * write), otherwise the body is stored as it is. Stored forms:
 *   - first byte ≠ 0x00: the body itself (every row written before this codec, and bodies
 *     the packing cannot reproduce; a JSON body never starts with a NUL);
 *   - 0x00 0x00 ‖ body: the body itself, for the (never canonical) body that starts with 0x00;
 *   - 0x00 0x01 ‖ ops: format 1, a sequence of the ops below.
 * Format 1 is frozen: SKELETONS and PEM_LABELS may only grow at the end (an id, once written,
 * means the same bytes forever — test/storage/entry-body-codec.test.ts pins them).
 */

import { isAscii } from 'node:buffer';

const RAW_TAG = 0x00;
const FORMAT_1 = 0x01;

const OP_LITERAL = 1; // varint n, n bytes copied
const OP_SKELETON = 2; // one byte: an index into SKELETONS
const OP_HEX = 3; // varint n, n bytes written as lower-case hex
const OP_BASE64 = 4; // varint n, n bytes written as padded standard base64
const OP_BASE64_PEM = 5; // label id, flags, varint n, n DER bytes written as base64 of a PEM block

/**
 * JSON between the packed values of the bodies the log accepts (hashedrekord 0.0.1, intoto
 * 0.0.2, dsse 0.0.1, Rekor v2 hashedrekord/dsse), as the canonicalizer writes them. A body of
 * another shape still packs its values; only its skeleton stays literal.
 */
export const SKELETONS: readonly string[] = [
  '{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"',
  '"}},"signature":{"content":"',
  '","publicKey":{"content":"',
  '"}}}}',
  '{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha384","value":"',
  '{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha512","value":"',
  '{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"publicKey":"',
  '","sig":"',
  '"}]},"hash":{"algorithm":"sha256","value":"',
  '"},"payloadHash":{"algorithm":"sha256","value":"',
  '{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"',
  '","publicKey":"',
  '{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"',
  '"},"signatures":[{"signature":"',
  '","verifier":"',
  '"}]}}',
  '{"apiVersion":"0.0.1","kind":"intoto","spec":{"content":{"hash":{"algorithm":"sha256","value":"',
  '"}},"publicKey":"',
  '"}}',
  '"},{"signature":"',
  '"},{"keyid":"',
  '"},{"publicKey":"',
];

export const PEM_LABELS: readonly string[] = ['PUBLIC KEY', 'CERTIFICATE'];
/** The label is spelled out after this id when it is not in PEM_LABELS. */
const PEM_LABEL_INLINE = 0xff;
/** PEM flags: bit 0 = the block ends with a newline. */
const PEM_FINAL_NEWLINE = 1;

const skeletonIds = new Map(SKELETONS.map((s, i) => [s, i]));
const skeletonBytes = SKELETONS.map((s) => Buffer.from(s, 'latin1'));

/** Values shorter than this stay in the literal: the op header would eat the gain. */
const MIN_PACKED = 16;

const HEX = /^(?:[0-9a-f]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PEM = /^-----BEGIN ([A-Z0-9 ]{1,64})-----\n([A-Za-z0-9+/=\n]+)\n-----END \1-----(\n?)$/;

class Writer {
  private readonly parts: Buffer[] = [Buffer.from([RAW_TAG, FORMAT_1])];
  private literal = '';

  text(s: string): void {
    this.literal += s;
  }

  private flushLiteral(): void {
    if (this.literal === '') return;
    let text = this.literal;
    this.literal = '';
    const whole = skeletonIds.get(text);
    if (whole !== undefined) {
      this.parts.push(Buffer.from([OP_SKELETON, whole]));
      return;
    }
    // Otherwise a skeleton may still start or end it, around a short unknown value (a keyid).
    const head = longest(SKELETONS.filter((s) => text.startsWith(s)));
    if (head !== undefined) text = text.slice(head.length);
    const tail = longest(SKELETONS.filter((s) => s.length <= text.length && text.endsWith(s)));
    if (tail !== undefined) text = text.slice(0, text.length - tail.length);
    if (head !== undefined) this.parts.push(Buffer.from([OP_SKELETON, skeletonIds.get(head) as number]));
    if (text !== '') {
      const bytes = Buffer.from(text, 'latin1');
      this.parts.push(Buffer.from([OP_LITERAL]), varint(bytes.length), bytes);
    }
    if (tail !== undefined) this.parts.push(Buffer.from([OP_SKELETON, skeletonIds.get(tail) as number]));
  }

  op(code: number, header: readonly number[], bytes: Buffer): void {
    this.flushLiteral();
    this.parts.push(Buffer.from([code, ...header]), varint(bytes.length), bytes);
  }

  finish(): Buffer {
    this.flushLiteral();
    return Buffer.concat(this.parts);
  }
}

function longest(candidates: readonly string[]): string | undefined {
  return candidates.reduce<string | undefined>((best, s) => (best === undefined || s.length > best.length ? s : best), undefined);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** One string value's packed form, or false when it stays literal. */
function packValue(w: Writer, s: string): boolean {
  if (s.length < MIN_PACKED) return false;
  if (HEX.test(s)) {
    w.op(OP_HEX, [], Buffer.from(s, 'hex'));
    return true;
  }
  if (s.length % 4 !== 0 || !BASE64.test(s)) return false;
  const bytes = Buffer.from(s, 'base64');
  // Buffer's decoder ignores non-zero trailing bits: only canonical base64 round-trips.
  if (bytes.toString('base64') !== s) return false;
  const pem = bytes[0] === 0x2d ? PEM.exec(bytes.toString('latin1')) : null;
  if (pem) {
    const [, label = '', b64 = '', newline = ''] = pem;
    const der = Buffer.from(b64.replaceAll('\n', ''), 'base64');
    if (pemText(label, der, newline === '\n') === bytes.toString('latin1')) {
      const id = PEM_LABELS.indexOf(label);
      const labelHeader = id >= 0 ? [id] : [PEM_LABEL_INLINE, label.length, ...Buffer.from(label, 'latin1')];
      w.op(OP_BASE64_PEM, [...labelHeader, newline ? PEM_FINAL_NEWLINE : 0], der);
      return true;
    }
  }
  w.op(OP_BASE64, [], bytes);
  return true;
}

function pemText(label: string, der: Buffer, finalNewline: boolean): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----${finalNewline ? '\n' : ''}`;
}

/** The packed form, or undefined when the body is not ASCII JSON text the scanner can split. */
function tryPack(body: Buffer): Buffer | undefined {
  // latin1 maps bytes 1:1 to code units, so offsets and literals stay byte-exact; non-ASCII
  // bodies (never produced by the canonicalizer's base64/hex-heavy shapes) are stored as they are.
  if (!isAscii(body)) return undefined;
  const text = body.toString('latin1');
  const w = new Writer();
  const anyEscape = text.includes('\\');
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('"', at);
    if (open < 0) break;
    let close = text.indexOf('"', open + 1);
    if (close < 0) return undefined;
    let escaped = anyEscape && text.slice(open + 1, close).includes('\\');
    if (escaped) {
      // Rare (canonical bodies carry no escapes): walk the string to find its real end.
      for (close = open + 1; close < text.length; close++) {
        const c = text.charCodeAt(close);
        if (c === 0x5c) close++;
        else if (c === 0x22) break;
      }
      if (close >= text.length) return undefined;
      escaped = true;
    }
    w.text(text.slice(at, open + 1));
    const value = text.slice(open + 1, close);
    if (escaped || !packValue(w, value)) w.text(value);
    w.text('"');
    at = close + 1;
  }
  w.text(text.slice(at));
  return w.finish();
}

/** What to store for `body`: the packed form when it unpacks to exactly `body`, else the body. */
export function packBody(body: Buffer): Buffer {
  if (body.length === 0) return body;
  const packed = tryPack(body);
  if (packed && packed.length < body.length && unpackBody(packed).equals(body)) return packed;
  return body[0] === RAW_TAG ? Buffer.concat([Buffer.from([RAW_TAG, RAW_TAG]), body]) : body;
}

/** Thrown for a stored body that is not a form packBody writes (a corrupted row). */
export class StoredBodyError extends Error {}

/** The body's exact bytes from its stored form (see packBody). */
export function unpackBody(stored: Buffer): Buffer {
  if (stored.length === 0 || stored[0] !== RAW_TAG) return stored;
  if (stored[1] === RAW_TAG) return stored.subarray(2);
  if (stored[1] !== FORMAT_1) throw new StoredBodyError(`stored body has an unknown format ${stored[1] ?? 'none'}`);
  const out: Buffer[] = [];
  let at = 2;
  const byte = (): number => {
    if (at >= stored.length) throw new StoredBodyError('stored body ends inside an op');
    return stored[at++] as number;
  };
  const length = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = byte();
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      if (shift > 28) throw new StoredBodyError('stored body has an oversized length');
    }
    return n;
  };
  const bytes = (n: number): Buffer => {
    if (at + n > stored.length) throw new StoredBodyError('stored body ends inside a value');
    const b = stored.subarray(at, at + n);
    at += n;
    return b;
  };
  while (at < stored.length) {
    const op = byte();
    if (op === OP_LITERAL) out.push(bytes(length()));
    else if (op === OP_SKELETON) {
      const s = skeletonBytes[byte()];
      if (!s) throw new StoredBodyError('stored body names an unknown skeleton');
      out.push(s);
    } else if (op === OP_HEX) out.push(Buffer.from(bytes(length()).toString('hex'), 'latin1'));
    else if (op === OP_BASE64) out.push(Buffer.from(bytes(length()).toString('base64'), 'latin1'));
    else if (op === OP_BASE64_PEM) {
      const id = byte();
      const label = id === PEM_LABEL_INLINE ? bytes(byte()).toString('latin1') : PEM_LABELS[id];
      if (label === undefined) throw new StoredBodyError('stored body names an unknown PEM label');
      const flags = byte();
      const pem = pemText(label, bytes(length()), (flags & PEM_FINAL_NEWLINE) !== 0);
      out.push(Buffer.from(Buffer.from(pem, 'latin1').toString('base64'), 'latin1'));
    } else throw new StoredBodyError(`stored body has an unknown op ${op}`);
  }
  return Buffer.concat(out);
}
