/**
 * Signed Certificate Timestamps and the CT log's signing core, RFC 6962 §3.2–3.4
 * (https://www.rfc-editor.org/rfc/rfc6962#section-3.2). Storage-free: the CT log service stores
 * `merkleTreeLeaf(...)` as its leaf and returns `sctToJson(...)` from add-(pre-)chain.
 *
 *   signed data = u8 0 (v1) | u8 0 (certificate_timestamp) | u64 timestamp_ms | u16 entry_type
 *                 | x509:   u24 len | cert DER
 *                 | precert: sha256(issuer SPKI)[32] | u24 len | TBS without poison
 *                 | u16 extensions_len | extensions
 *   MerkleTreeLeaf = u8 0 (v1) | u8 0 (timestamped_entry) | TimestampedEntry — the same bytes.
 *   SerializedSCT = u8 0 | logID[32] | u64 timestamp | u16 len | ext | u8 4 (sha256) | u8 3 (ecdsa) | u16 len | DER sig
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { SealhouseError } from '../errors.js';

/** What a log entry certifies: a whole certificate, or a precert's TBS plus its issuer's key hash. */
export type CtEntry = { readonly type: 'x509'; readonly certificate: Buffer } | { readonly type: 'precert'; readonly issuerKeyHash: Buffer; readonly tbs: Buffer };

export interface Sct {
  readonly logId: Buffer;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly extensions: Buffer;
  /** The TLS DigitallySigned struct: hash alg, signature alg, u16 length, DER signature. */
  readonly signature: Buffer;
}

/** RFC 6962 AddChainResponse, the JSON Fulcio gets back and embeds. */
export interface AddChainResponse {
  sct_version: number;
  id: string;
  timestamp: number;
  extensions: string;
  signature: string;
}

/** TLS presentation-language integers (RFC 5246 §4.4), big-endian. */
export const u8 = (n: number): Buffer => Buffer.from([n]);
export const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
export const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
const opaque16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);

/** `sha256(DER SPKI)`: both the CT log ID and the precert issuer_key_hash are this. */
export const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/** TimestampedEntry (§3.4). */
export function timestampedEntry(entry: CtEntry, timestamp: number, extensions: Buffer = Buffer.alloc(0)): Buffer {
  const body =
    entry.type === 'x509'
      ? [u16(0), u24(entry.certificate.length), entry.certificate]
      : [u16(1), entry.issuerKeyHash, u24(entry.tbs.length), entry.tbs];
  if (entry.type === 'precert' && entry.issuerKeyHash.length !== 32) throw new SealhouseError('invalid_input', 'issuer_key_hash must be 32 bytes');
  return Buffer.concat([u64(timestamp), ...body, opaque16(extensions)]);
}

/** The bytes an SCT signature covers (§3.2). */
export function sctSignedData(entry: CtEntry, timestamp: number, extensions?: Buffer): Buffer {
  return Buffer.concat([u8(0), u8(0), timestampedEntry(entry, timestamp, extensions)]);
}

/** MerkleTreeLeaf (§3.4): what the CT log's Merkle tree hashes as its leaf. */
export function merkleTreeLeaf(entry: CtEntry, timestamp: number, extensions?: Buffer): Buffer {
  return Buffer.concat([u8(0), u8(0), timestampedEntry(entry, timestamp, extensions)]);
}

/** The CT log's key: ECDSA P-256, signatures ecdsa-with-SHA256 as RFC 6962 requires. */
export class CtLogSigner {
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo, what trusted_root.json ctlogs[].publicKey.rawBytes holds. */
  readonly spki: Buffer;
  readonly logId: Buffer;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new SealhouseError('malformed_key', 'the CT log key must be an ECDSA P-256 private key');
    }
    this.publicKey = createPublicKey(privateKey);
    this.spki = this.publicKey.export({ type: 'spki', format: 'der' });
    this.logId = sha256(this.spki);
  }

  sign(entry: CtEntry, timestamp: number, extensions: Buffer = Buffer.alloc(0)): Sct {
    return { logId: this.logId, timestamp, extensions, signature: this.digitallySign(sctSignedData(entry, timestamp, extensions)) };
  }

  /** TLS DigitallySigned (RFC 5246 §4.7) with sha256 (4) and ecdsa (3): SCTs and tree heads alike. */
  digitallySign(data: Buffer): Buffer {
    const sig = sign('sha256', data, { key: this.privateKey, dsaEncoding: 'der' });
    return Buffer.concat([u8(4), u8(3), opaque16(sig)]);
  }
}

/** Check an SCT over `entry` with a CT log's public key (ECDSA or RSA, SHA-256). */
export function verifySct(sct: Sct, entry: CtEntry, publicKey: KeyObject): boolean {
  const s = sct.signature;
  if (s.length < 4 || s[0] !== 4 || s.readUInt16BE(2) !== s.length - 4) return false;
  if (!sha256(publicKey.export({ type: 'spki', format: 'der' })).equals(sct.logId)) return false;
  const data = sctSignedData(entry, sct.timestamp, sct.extensions);
  const sig = s.subarray(4);
  if (s[1] === 3 && publicKey.asymmetricKeyType === 'ec') return verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, sig);
  if (s[1] === 1 && publicKey.asymmetricKeyType === 'rsa') return verify('sha256', data, publicKey, sig);
  return false;
}

export function sctToJson(sct: Sct): AddChainResponse {
  return {
    sct_version: 0,
    id: sct.logId.toString('base64'),
    timestamp: sct.timestamp,
    extensions: sct.extensions.toString('base64'),
    signature: sct.signature.toString('base64'),
  };
}

export function sctFromJson(json: unknown): Sct {
  const j = json as Partial<AddChainResponse> | null;
  if (typeof j !== 'object' || j === null || j.sct_version !== 0 || typeof j.id !== 'string' || typeof j.signature !== 'string') {
    throw new SealhouseError('invalid_input', 'not an RFC 6962 v1 AddChainResponse');
  }
  if (typeof j.timestamp !== 'number' || !Number.isSafeInteger(j.timestamp) || j.timestamp < 0) throw new SealhouseError('invalid_input', 'SCT timestamp must be a non-negative integer');
  if (j.extensions !== undefined && typeof j.extensions !== 'string') throw new SealhouseError('invalid_input', 'SCT extensions must be a base64 string');
  const logId = Buffer.from(j.id, 'base64');
  if (logId.length !== 32) throw new SealhouseError('invalid_input', 'SCT log id must be 32 bytes');
  return { logId, timestamp: j.timestamp, extensions: Buffer.from(j.extensions ?? '', 'base64'), signature: Buffer.from(j.signature, 'base64') };
}

/** SerializedSCT (§3.3). */
export function serializeSct(sct: Sct): Buffer {
  return Buffer.concat([u8(0), sct.logId, u64(sct.timestamp), opaque16(sct.extensions), sct.signature]);
}

/** SignedCertificateTimestampList: u16 total | (u16 len | SerializedSCT)*; goes into the cert extension. */
export function serializeSctList(scts: readonly Sct[]): Buffer {
  const items = Buffer.concat(scts.map((s) => opaque16(serializeSct(s))));
  return opaque16(items);
}

/** Inverse of serializeSctList; strict about every length. */
export function parseSctList(list: Buffer): Sct[] {
  const bad = (why: string): SealhouseError => new SealhouseError('invalid_input', `malformed SCT list: ${why}`);
  if (list.length < 2 || list.readUInt16BE(0) !== list.length - 2) throw bad('list length');
  const out: Sct[] = [];
  for (let at = 2; at < list.length; ) {
    if (at + 2 > list.length) throw bad('truncated item length');
    const end = at + 2 + list.readUInt16BE(at);
    if (end > list.length) throw bad('item runs past the list');
    let p = at + 2;
    if (list[p] !== 0 || p + 43 > end) throw bad('unsupported SCT version or short SCT');
    const logId = list.subarray(p + 1, p + 33);
    const timestamp = Number(list.readBigUInt64BE(p + 33));
    const extLen = list.readUInt16BE(p + 41);
    p += 43;
    const extensions = list.subarray(p, p + extLen);
    p += extLen;
    if (p + 4 > end || p + 4 + list.readUInt16BE(p + 2) !== end) throw bad('signature length');
    out.push({ logId: Buffer.from(logId), timestamp, extensions: Buffer.from(extensions), signature: Buffer.from(list.subarray(p, end)) });
    at = end;
  }
  return out;
}
