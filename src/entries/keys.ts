/**
 * Verification material as Rekor's pki/x509.NewPublicKey accepts it (rekor-api.md §2.1 step 1):
 * PEM text holding a `PUBLIC KEY`, a single `CERTIFICATE`, or a chain of ≤ 10 certificates
 * (leaf first). Yields the key to verify with and the canonical PEM Rekor stores: the key
 * re-marshalled from its parsed form, or the certificates' DER exactly as given.
 * https://github.com/sigstore/rekor/blob/main/pkg/pki/x509/x509.go
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { readWhole, TAG } from './der.js';
import { parseCanonicalEcSpki } from './ec-spki.js';
import { entryError } from './fields.js';
import { encodePem, parsePemBlocks } from './pem.js';

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
const CURVES: Record<string, EcdsaCurve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function keyError(what: string, reason: string, cause?: unknown): SealhouseError {
  return new SealhouseError('malformed_key', `error processing entry: ${what}: ${reason}`, { cause });
}

export function describeKey(key: PublicKeyInfo): string {
  if (key.algorithm === 'ecdsa') return `ECDSA ${key.curve ?? '?'}`;
  if (key.algorithm === 'rsa') return `RSA ${key.rsaBits ?? '?'}`;
  return 'Ed25519';
}

/** Classifies a key and enforces the sizes sigstore accepts (cryptoutils.ValidatePubKey). */
export function toKeyInfo(keyObject: KeyObject, spki: Buffer, what: string): PublicKeyInfo {
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};
  if (type === 'ed25519') return { keyObject, spki, algorithm: 'ed25519' };
  if (type === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (curve === undefined) {
      throw entryError(`${what}: unsupported ECDSA curve ${details.namedCurve ?? 'unknown'} (use P-256, P-384 or P-521)`);
    }
    return { keyObject, spki, algorithm: 'ecdsa', curve };
  }
  if (type === 'rsa') {
    const rsaBits = Math.ceil((details.modulusLength ?? 0) / 8) * 8;
    if (rsaBits < 2048) throw entryError(`${what}: RSA key too small: ${rsaBits} bits (minimum 2048)`);
    if (rsaBits > 4096) throw entryError(`${what}: RSA key too large: ${rsaBits} bits (maximum 4096)`);
    return { keyObject, spki, algorithm: 'rsa', rsaBits };
  }
  throw entryError(`${what}: unsupported public key type ${type ?? 'unknown'} (use ECDSA, RSA or Ed25519)`);
}

function parseSpki(der: Buffer, what: string): PublicKeyInfo {
  if (readWhole(der, TAG.SEQUENCE) === undefined) throw keyError(what, 'PUBLIC KEY is not well-formed DER');
  const fast = parseCanonicalEcSpki(der);
  if (fast !== undefined) {
    if ('offCurve' in fast) throw keyError(what, 'PUBLIC KEY could not be parsed: the EC point is not on the curve');
    return fast.key;
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (err) {
    throw keyError(what, `PUBLIC KEY could not be parsed: ${(err as Error).message}`, err);
  }
  // Go re-marshals the parsed key (x509.MarshalPKIXPublicKey), so store what OpenSSL re-exports.
  const canonical = keyObject.export({ type: 'spki', format: 'der' });
  return toKeyInfo(keyObject, canonical, what);
}

function certificateKey(cert: ParsedCertificate, what: string): PublicKeyInfo {
  return toKeyInfo(cert.x509.publicKey, cert.spki, `${what}: certificate key`);
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
