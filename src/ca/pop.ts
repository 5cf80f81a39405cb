/**
 * Proof of possession for POST /api/v2/signingCert (reference §1.1 steps 2–3, §1.2): either a
 * public key plus a signature over the principal's challenge string, verified with the key's
 * default algorithm (sigstore `signature.LoadDefaultVerifier`), or a CSR whose self-signature is
 * the proof. Then Fulcio's `--client-signing-algorithms` allow-list.
 *
 * Default verifiers: P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 (ASN.1 DER signatures),
 * RSA PKCS#1 v1.5 SHA-256, Ed25519 pure.
 */
import { bufferOf } from '../buffer-view.js';
import { FULCIO_DEFAULT_ALGORITHMS } from '../core/algorithms.js';
import { tryDecodeBase64 } from '../core/base64.js';
import { constants, type KeyObject, verify } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { INVALID_SIGNATURE, verifyCsr } from './csr.js';
import { type AcceptedKey, parsePublicKey } from './public-key.js';

/** Fulcio's default `--client-signing-algorithms`: the one table's (core/algorithms.ts). */
export const DEFAULT_ALLOWED_ALGORITHMS = FULCIO_DEFAULT_ALGORITHMS;

export interface ProvenKey {
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo for the certificate. */
  readonly spki: Buffer;
  /** The key + hash combination, e.g. `ecdsa-sha2-256-nistp256`. */
  readonly algorithm: string;
}

type Hash = 'sha256' | 'sha384' | 'sha512' | null;

/** The allow-list name of a key used with `hash` (the CSR path may pair a key with another hash). */
function algorithmName(accepted: AcceptedKey, hash: Hash): string {
  if (hash === accepted.defaultHash) return accepted.defaultAlgorithm;
  const bits = hash ? hash.slice(3) : 'none';
  return accepted.defaultAlgorithm.replace(/^ecdsa-sha2-\d+-/, `ecdsa-sha2-${bits}-`).replace(/-sha\d+$/, `-${hash ?? 'none'}`);
}

function permit(accepted: AcceptedKey, hash: Hash, allowed: readonly string[]): ProvenKey {
  const algorithm = algorithmName(accepted, hash);
  if (!allowed.includes(algorithm)) throw new SealhouseError('invalid_input', `signing algorithm not permitted: ${algorithm}`);
  return { key: accepted.key, spki: accepted.spki, algorithm };
}

/** Strict standard or URL-safe base64 (protojson accepts both for `bytes`). */
function decodeSignature(sig: string | Uint8Array): Buffer {
  if (sig instanceof Uint8Array) return Buffer.from(sig);
  if (typeof sig !== 'string') throw new SealhouseError('invalid_input', `${INVALID_SIGNATURE}: proof of possession must be base64 text`);
  const s = sig.trim();
  const bytes = tryDecodeBase64(s, 'protojson');
  if (bytes === undefined) throw new SealhouseError('invalid_input', `${INVALID_SIGNATURE}: proof of possession is not base64`);
  return bufferOf(bytes);
}

function verifyDefault(accepted: AcceptedKey, message: Buffer, signature: Buffer): boolean {
  const { key } = accepted;
  try {
    if (key.asymmetricKeyType === 'ec') return verify(accepted.defaultHash, message, { key, dsaEncoding: 'der' }, signature);
    if (key.asymmetricKeyType === 'rsa') return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return verify(null, message, key, signature);
  } catch {
    // Malformed DER signatures can make OpenSSL throw instead of returning false.
    return false;
  }
}

export interface PublicKeyProofRequest {
  /** PEM text, DER bytes, or base64 DER (see parsePublicKey). */
  readonly publicKey: string | Uint8Array;
  /** Base64 string or raw bytes of the signature. */
  readonly proofOfPossession: string | Uint8Array;
  /**
   * Strings a valid proof may sign: the principal's challenge first, plus `sub` for email
   * issuers when the legacy sigstore-js 3.x compatibility setting is on.
   */
  readonly challenges: readonly string[];
}

export function verifyPublicKeyProof(req: PublicKeyProofRequest, allowed: readonly string[] = DEFAULT_ALLOWED_ALGORITHMS): ProvenKey {
  const accepted = parsePublicKey(req.publicKey);
  const signature = decodeSignature(req.proofOfPossession);
  if (signature.length === 0) throw new SealhouseError('invalid_input', `${INVALID_SIGNATURE}: proof of possession is empty`);
  const ok = req.challenges.some((c) => verifyDefault(accepted, Buffer.from(c, 'utf8'), signature));
  if (!ok) throw new SealhouseError('invalid_input', `${INVALID_SIGNATURE}: it is not a signature over the identity's challenge claim by this key`);
  return permit(accepted, accepted.defaultHash, allowed);
}

/** `csr` is the PEM text (or base64 of it) from `certificateSigningRequest`. */
export function verifyCsrProof(csr: string | Uint8Array, allowed: readonly string[] = DEFAULT_ALLOWED_ALGORITHMS): ProvenKey {
  const { accepted, hash } = verifyCsr(csr);
  return permit(accepted, hash, allowed);
}
