/**
 * Verification material as Rekor's pki/x509.NewPublicKey accepts it (rekor-api.md §2.1 step 1):
 * PEM text holding a `PUBLIC KEY`, a single `CERTIFICATE`, or a chain of ≤ 10 certificates
 * (leaf first). Yields the key to verify with and the canonical PEM Rekor stores: the key
 * re-marshalled from its parsed form, or the certificates' DER exactly as given.
 * https://github.com/sigstore/rekor/blob/main/pkg/pki/x509/x509.go
 */
import type { KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { bufferOf } from '../buffer-view.js';
import { readOne, TAG } from '../core/der.js';
import { pemBlocks, toPem } from '../core/pem.js';
import { loadCertificate, type ParsedCertificate } from './certificate.js';
import { entryError } from './fields.js';
import type { PublicKeyInfo } from './public-key-info.js';
import { checkSpki, keyObjectOf, type CheckedSpki } from './spki-check.js';

// The key types live in public-key-info.ts, which the SPKI readers use without importing this module.
export type { EcdsaCurve, PublicKeyInfo } from './public-key-info.js';

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
  try {
    readOne(der, TAG.SEQUENCE, 'PUBLIC KEY');
  } catch {
    throw keyError(what, 'PUBLIC KEY is not well-formed DER');
  }
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
  let blocks;
  try {
    blocks = pemBlocks(pemBytes.toString('latin1').trim(), { what, strict: true, expected: 'PUBLIC KEY or CERTIFICATE' });
  } catch (err) {
    throw entryError((err as Error).message, err);
  }
  const first = blocks[0];
  if (blocks.length === 1 && first?.label === 'PUBLIC KEY') {
    const key = parseSpki(bufferOf(first.der), what);
    return { form: 'key', canonicalPem: toPem(key.spki, 'PUBLIC KEY'), key, certificates: [] };
  }
  if (blocks.length > MAX_CHAIN) {
    throw entryError(`${what}: certificate chain has ${blocks.length} PEM blocks (at most ${MAX_CHAIN} allowed)`);
  }
  const other = blocks.find((b) => b.label !== 'CERTIFICATE');
  if (other !== undefined) {
    const expected = blocks.length === 1 ? 'PUBLIC KEY or CERTIFICATE' : 'only CERTIFICATE blocks in a chain';
    throw entryError(`${what}: cannot handle PEM type "${other.label}" (expected ${expected})`);
  }
  const certificates = blocks.map((b, i) => loadCertificate(bufferOf(b.der), blocks.length === 1 ? what : `${what} (certificate ${i + 1})`));
  const leaf = certificates[0];
  if (leaf === undefined) throw entryError(`${what}: no certificate found`);
  return {
    form: certificates.length === 1 ? 'certificate' : 'chain',
    canonicalPem: certificates.map((c) => toPem(c.der, 'CERTIFICATE')).join(''),
    key: certificateKey(leaf, what),
    certificates,
  };
}
