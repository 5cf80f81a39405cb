/**
 * The cryptography the core needs, passed in by whoever runs it: node:crypto on the server and
 * in the CLI (src/node-crypto.ts), @noble in the browser (ui/noble-crypto.ts). The core itself
 * imports no crypto library, so the same verification code runs in all three places and each
 * host uses the fastest implementation it has.
 *
 * Both operations are synchronous: node:crypto and @noble are, and the Merkle and note code
 * hash in tight loops where a promise per hash would dominate.
 */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface SignatureCheck {
  /** DER SubjectPublicKeyInfo of the verifying key (ECDSA P-256/384/521, RSA, Ed25519). */
  readonly spki: Uint8Array;
  /** The hash the signature was made with (ignored for Ed25519, which signs the message). */
  readonly hash: HashAlgorithm;
  /** ECDSA: DER (r, s), high-S accepted as Go and OpenSSL accept it. RSA: PKCS#1 v1.5, or PSS when `rsaPss`. */
  readonly signature: Uint8Array;
  /** The signed message, or its digest when `prehashed`. */
  readonly data: Uint8Array;
  /** `data` is already the digest under `hash` (hashedrekord signs a digest). Not for Ed25519. */
  readonly prehashed?: boolean;
  readonly rsaPss?: boolean;
}

export interface CoreCrypto {
  digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  /**
   * Whether `signature` verifies. Anything that does not verify, including a malformed key or
   * signature, or a key type the host cannot check, is `false`; this never throws.
   */
  verify(check: SignatureCheck): boolean;
}

/** SHA-256 of `crypto`, in the shape the Merkle and note code take it. */
export const sha256Of = (crypto: Pick<CoreCrypto, 'digest'>): ((data: Uint8Array) => Uint8Array) => (data) => crypto.digest('sha256', data);
