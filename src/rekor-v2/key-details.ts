/**
 * The `keyDetails` a Rekor v2 hashedrekord may name (sigstore protobuf-specs
 * `dev.sigstore.common.v1.PublicKeyDetails`), and rekor-tiles' default allow-list of them
 * (internal/algorithmregistry AllowedClientSigningAlgorithms): RSA PKCS#1 v1.5 2048/3072/4096
 * with SHA-256, ECDSA P-256/P-384/P-521 with SHA-256/384/512, and Ed25519ph (pure Ed25519 signs
 * no digest, so hashedrekord cannot carry it).
 *
 * Each allowed value fixes the key (type and size or curve) and the digest algorithm. Unlike
 * rekor-tiles, which takes only the digest from keyDetails and checks the key against the whole
 * list, the key must be the one keyDetails names: sigstore-go sends the key's own details
 * (signature.GetDefaultAlgorithmDetails) and rebuilds the body with them, so an entry logged
 * under other details would never verify.
 */
import type { AlgorithmKey, DigestAlgorithm } from '../core/algorithms.js';

export interface KeyDetail {
  readonly key: AlgorithmKey;
  readonly digest: DigestAlgorithm;
  /** The HashOutput algorithm stored in the entry (`HashAlgorithm` value name). */
  readonly hashAlgorithm: 'SHA2_256' | 'SHA2_384' | 'SHA2_512';
}

/** Every PublicKeyDetails value by number (protojson accepts either spelling). */
export const PUBLIC_KEY_DETAILS: ReadonlyMap<number, string> = new Map([
  [0, 'PUBLIC_KEY_DETAILS_UNSPECIFIED'], [1, 'PKCS1_RSA_PKCS1V5'], [2, 'PKCS1_RSA_PSS'], [3, 'PKIX_RSA_PKCS1V5'], [4, 'PKIX_RSA_PSS'],
  [5, 'PKIX_ECDSA_P256_SHA_256'], [6, 'PKIX_ECDSA_P256_HMAC_SHA_256'], [7, 'PKIX_ED25519'], [8, 'PKIX_ED25519_PH'],
  [9, 'PKIX_RSA_PKCS1V15_2048_SHA256'], [10, 'PKIX_RSA_PKCS1V15_3072_SHA256'], [11, 'PKIX_RSA_PKCS1V15_4096_SHA256'],
  [12, 'PKIX_ECDSA_P384_SHA_384'], [13, 'PKIX_ECDSA_P521_SHA_512'], [14, 'LMS_SHA256'], [15, 'LMOTS_SHA256'],
  [16, 'PKIX_RSA_PSS_2048_SHA256'], [17, 'PKIX_RSA_PSS_3072_SHA256'], [18, 'PKIX_RSA_PSS_4096_SHA256'],
  [19, 'PKIX_ECDSA_P384_SHA_256'], [20, 'PKIX_ECDSA_P521_SHA_256'], [21, 'ML_DSA_65'], [22, 'ML_DSA_87'], [23, 'ML_DSA_44'],
]);

const rsa = (bits: number): KeyDetail => ({ key: { algorithm: 'rsa', rsaBits: bits }, digest: 'sha256', hashAlgorithm: 'SHA2_256' });

/** The allow-list, by PublicKeyDetails name. */
export const ALLOWED_KEY_DETAILS: ReadonlyMap<string, KeyDetail> = new Map([
  ['PKIX_RSA_PKCS1V15_2048_SHA256', rsa(2048)],
  ['PKIX_RSA_PKCS1V15_3072_SHA256', rsa(3072)],
  ['PKIX_RSA_PKCS1V15_4096_SHA256', rsa(4096)],
  ['PKIX_ECDSA_P256_SHA_256', { key: { algorithm: 'ecdsa', curve: 'P-256' }, digest: 'sha256', hashAlgorithm: 'SHA2_256' }],
  ['PKIX_ECDSA_P384_SHA_384', { key: { algorithm: 'ecdsa', curve: 'P-384' }, digest: 'sha384', hashAlgorithm: 'SHA2_384' }],
  ['PKIX_ECDSA_P521_SHA_512', { key: { algorithm: 'ecdsa', curve: 'P-521' }, digest: 'sha512', hashAlgorithm: 'SHA2_512' }],
  ['PKIX_ED25519_PH', { key: { algorithm: 'ed25519' }, digest: 'sha512', hashAlgorithm: 'SHA2_512' }],
]);

/** Does `key` (as read from its bytes) match the key keyDetails names? */
export function keyMatches(detail: KeyDetail, key: AlgorithmKey): boolean {
  if (detail.key.algorithm !== key.algorithm) return false;
  if (key.algorithm === 'rsa') return detail.key.rsaBits === key.rsaBits;
  if (key.algorithm === 'ecdsa') return detail.key.curve === key.curve;
  return true;
}

export const DIGEST_BYTES: Readonly<Record<DigestAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };
