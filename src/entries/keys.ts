/**
 * Verification material as Rekor's pki/x509.NewPublicKey accepts it (rekor-api.md §2.1 step 1):
 * PEM text holding a `PUBLIC KEY`, a single `CERTIFICATE`, or a chain of ≤ 10 certificates
 * (leaf first). Yields the key to verify with and the canonical PEM Rekor stores: the key
 * re-marshalled from its parsed form, or the certificates' DER exactly as given.
 * https://github.com/sigstore/rekor/blob/main/pkg/pki/x509/x509.go
 */
import type { KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { readWhole, TAG } from './der.js';
import { entryError } from './fields.js';
import { encodePem, parsePemBlocks } from './pem.js';
import { checkSpki, keyObjectOf, type CheckedSpki } from './spki-check.js';

export type EcdsaCurve = 'P-256' | 'P-384' | 'P-521';

export interface PublicKeyInfo {
  keyObject: KeyObject;
  /** DER SubjectPublicKeyInfo (what the native verifier parses). */
  spki: Buffer;
  algorithm: 'ecdsa' | 'rsa' | 'ed25519';
  curve?: EcdsaCurve;
  /** RSA modulus size rounded up to whole bytes, as Go's rsa.PublicKey.Size()*8 reports it. */
  rsaBits?: number;
  /** ECDSA: SEC1 point, filled in lazily by digest-verify.ts. */
  ecPoint?: Buffer;
}

export interface VerifierMaterial {
  form: 'key' | 'certificate' | 'chain';
  /** Go pem.Encode output: the exact text Rekor stores (base64 of it goes in the body). */
  canonicalPem: string;
  key: PublicKeyInfo;
  /** Leaf first; empty for a bare key. */
  certificates: ParsedCertificate[];
}

const MAX_CHAIN = 10;

function keyError(what: string, reason: string, cause?: unknown): SealhouseError {
  return new SealhouseError('malformed_key', `error processing entry: ${what}: ${reason}`, { cause });
}

export function describeKey(key: PublicKeyInfo): string {
  if (key.algorithm === 'ecdsa') return `ECDSA ${key.curve ?? '?'}`;
  if (key.algorithm === 'rsa') return `RSA ${key.rsaBits ?? '?'}`;
  return 'Ed25519';
}

/**
 * A checked key with the sizes sigstore accepts (cryptoutils.ValidatePubKey). The KeyObject is
 * made only when a verifier asks for it, and only after spki-check.ts has read the bytes.
 */
export function toKeyInfo(checked: CheckedSpki, what: string): PublicKeyInfo {
  const { algorithm, der: spki } = checked;
  if (algorithm === 'rsa') {
    // Go's rsa.PublicKey.Size()*8: the modulus rounded up to whole bytes.
    const rsaBits = Math.ceil((checked.rsaBits ?? 0) / 8) * 8;
    if (rsaBits < 2048) throw entryError(`${what}: RSA key too small: ${rsaBits} bits (minimum 2048)`);
    if (rsaBits > 4096) throw entryError(`${what}: RSA key too large: ${rsaBits} bits (maximum 4096)`);
  }
  let keyObject: KeyObject | undefined;
  return {
    spki,
    algorithm,
    ...(checked.curve === undefined ? {} : { curve: checked.curve, ecPoint: checked.ecPoint }),
    ...(algorithm === 'rsa' ? { rsaBits: Math.ceil((checked.rsaBits ?? 0) / 8) * 8 } : {}),
    get keyObject(): KeyObject {
      if (keyObject !== undefined) return keyObject;
      const made = keyObjectOf(checked);
      if (typeof made === 'string') throw keyError(what, `PUBLIC KEY could not be parsed: ${made}`);
      return (keyObject = made);
    },
  };
}

function parseSpki(der: Buffer, what: string): PublicKeyInfo {
  if (readWhole(der, TAG.SEQUENCE) === undefined) throw keyError(what, 'PUBLIC KEY is not well-formed DER');
  const verdict = checkSpki(der);
  if (!verdict.ok) throw verdict.unsupported ? entryError(`${what}: ${verdict.reason}`) : keyError(what, `PUBLIC KEY could not be parsed: ${verdict.reason}`);
  const info = toKeyInfo(verdict.key, what);
  // Keys other than the hot EC path: let OpenSSL confirm it can use the key now, not mid-verify.
  if (info.algorithm !== 'ecdsa') void info.keyObject;
  return info;
}

function certificateKey(cert: ParsedCertificate, what: string): PublicKeyInfo {
  return toKeyInfo(cert.key, `${what}: certificate key`);
}

/** Parses PEM bytes (already base64-decoded from the entry); `what` names the field. */
export function parseVerifierMaterial(pemBytes: Buffer, what: string): VerifierMaterial {
  const blocks = parsePemBlocks(pemBytes.toString('latin1').trim(), what);
  const first = blocks[0];
  if (blocks.length === 1 && first?.type === 'PUBLIC KEY') {
    const key = parseSpki(first.der, what);
    return { form: 'key', canonicalPem: encodePem('PUBLIC KEY', key.spki), key, certificates: [] };
  }
  if (blocks.length > MAX_CHAIN) {
    throw entryError(`${what}: certificate chain has ${blocks.length} PEM blocks (at most ${MAX_CHAIN} allowed)`);
  }
  const other = blocks.find((b) => b.type !== 'CERTIFICATE');
  if (other !== undefined) {
    const expected = blocks.length === 1 ? 'PUBLIC KEY or CERTIFICATE' : 'only CERTIFICATE blocks in a chain';
    throw entryError(`${what}: cannot handle PEM type "${other.type}" (expected ${expected})`);
  }
  const certificates = blocks.map((b, i) => parseCertificate(b.der, blocks.length === 1 ? what : `${what} (certificate ${i + 1})`));
  const leaf = certificates[0];
  if (leaf === undefined) throw entryError(`${what}: no certificate found`);
  return {
    form: certificates.length === 1 ? 'certificate' : 'chain',
    canonicalPem: certificates.map((c) => encodePem('CERTIFICATE', c.der)).join(''),
    key: certificateKey(leaf, what),
    certificates,
  };
}
