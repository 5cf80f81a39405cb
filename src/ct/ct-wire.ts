/**
 * The RFC 6962 encodings the CT log stores and serves besides the SCT itself (sct.ts):
 * the TreeHeadSignature of a signed tree head (§3.5, https://www.rfc-editor.org/rfc/rfc6962#section-3.5),
 * get-entries' `extra_data` (§4.6), and the identity an entry is deduplicated by.
 *
 *   TreeHeadSignature = u8 0 (v1) | u8 1 (tree_hash) | u64 timestamp_ms | u64 tree_size | root[32]
 *   x509 extra_data    = certificate_chain:  u24 total | (u24 len | DER)*          (chain minus the leaf)
 *   precert extra_data = PrecertChainEntry:  u24 len | precert DER | u24 total | (u24 len | DER)*
 *
 *   get-sth → {"tree_size": 7, "timestamp": 1767225600000, "sha256_root_hash": "<b64>",
 *              "tree_head_signature": "<b64 DigitallySigned>"}
 */
import { verify, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { type CtEntry, sha256, timestampedEntry, u24, u64, u8 } from './sct.js';

export interface SignedTreeHead {
  readonly treeSize: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly rootHash: Buffer;
  /** TLS DigitallySigned over treeHeadSignatureInput(...). */
  readonly signature: Buffer;
}

export interface SthJson {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

/** The bytes a tree head signature covers. */
export function treeHeadSignatureInput(treeSize: number, timestamp: number, rootHash: Buffer): Buffer {
  if (rootHash.length !== 32) throw new SealhouseError('invalid_input', 'a tree head root hash is 32 bytes');
  return Buffer.concat([u8(0), u8(1), u64(timestamp), u64(treeSize), rootHash]);
}

export function sthToJson(sth: SignedTreeHead): SthJson {
  return {
    tree_size: sth.treeSize,
    timestamp: sth.timestamp,
    sha256_root_hash: sth.rootHash.toString('base64'),
    tree_head_signature: sth.signature.toString('base64'),
  };
}

/** Check a tree head signature (ECDSA P-256 / SHA-256 DigitallySigned) with the log's public key. */
export function verifyTreeHead(sth: SignedTreeHead, publicKey: KeyObject): boolean {
  const s = sth.signature;
  if (s.length < 4 || s[0] !== 4 || s[1] !== 3 || s.readUInt16BE(2) !== s.length - 4) return false;
  try {
    return verify('sha256', treeHeadSignatureInput(sth.treeSize, sth.timestamp, sth.rootHash), { key: publicKey, dsaEncoding: 'der' }, s.subarray(4));
  } catch {
    return false;
  }
}

const asn1Cert = (der: Buffer): Buffer => Buffer.concat([u24(der.length), der]);

function certificateChain(certs: readonly Buffer[]): Buffer {
  const body = Buffer.concat(certs.map(asn1Cert));
  if (body.length >= 2 ** 24) throw new SealhouseError('invalid_input', 'certificate chain is too long for RFC 6962 (2^24 bytes)');
  return Buffer.concat([u24(body.length), body]);
}

/** extra_data for a submission `chain` ([leaf or precert, intermediate, …, root]). */
export function extraData(type: CtEntry['type'], chain: readonly Buffer[]): Buffer {
  const [first, ...rest] = chain;
  if (!first) throw new SealhouseError('invalid_input', 'chain is empty');
  return type === 'x509' ? certificateChain(rest) : Buffer.concat([asn1Cert(first), certificateChain(rest)]);
}

/** Parse extra_data back into certificates (precert first for precert entries). */
export function parseExtraData(type: CtEntry['type'], data: Buffer): Buffer[] {
  const bad = (): SealhouseError => new SealhouseError('invalid_input', 'malformed extra_data');
  const read24 = (at: number): number => {
    if (at + 3 > data.length) throw bad();
    return data.readUIntBE(at, 3);
  };
  const out: Buffer[] = [];
  let at = 0;
  if (type === 'precert') {
    const len = read24(0);
    out.push(data.subarray(3, 3 + len));
    at = 3 + len;
  }
  const end = at + 3 + read24(at);
  if (end !== data.length) throw bad();
  for (at += 3; at < end; ) {
    const len = read24(at);
    if (at + 3 + len > end) throw bad();
    out.push(data.subarray(at + 3, at + 3 + len));
    at += 3 + len;
  }
  return out;
}

/** What a resubmission is recognised by: the entry without its timestamp. */
export const entryIdentity = (entry: CtEntry): Buffer => sha256(timestampedEntry(entry, 0));
