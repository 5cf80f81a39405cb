/**
 * The one signing-algorithm table: sigstore's algorithm registry by its
 * `--client-signing-algorithms` flag names, and the named default allow-lists of Rekor
 * (hashedrekord, rekor-api.md §2.1 item 4) and Fulcio (proof of possession). Both match exactly
 * on (key type, RSA size or curve, digest algorithm).
 * https://github.com/sigstore/sigstore/blob/main/pkg/signature/algorithm_registry.go
 */
import { CoreError } from './errors.js';

/** What the table needs to know of a key. */
export interface AlgorithmKey {
  readonly algorithm: 'ecdsa' | 'rsa' | 'ed25519';
  readonly curve?: string;
  /** RSA modulus size in bits, rounded up to whole bytes as Go reports it. */
  readonly rsaBits?: number;
}

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha384', 'sha512'];
export const DIGEST_HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

interface AlgorithmSpec {
  key: 'rsa' | 'ecdsa' | 'ed25519';
  /** RSA bits or curve name; undefined for Ed25519. */
  param?: number | string;
  /** undefined = pure Ed25519, which never matches a hashedrekord digest. */
  digest?: DigestAlgorithm;
}

export const KNOWN_ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  'rsa-sign-pkcs1-2048-sha256': { key: 'rsa', param: 2048, digest: 'sha256' },
  'rsa-sign-pkcs1-3072-sha256': { key: 'rsa', param: 3072, digest: 'sha256' },
  'rsa-sign-pkcs1-4096-sha256': { key: 'rsa', param: 4096, digest: 'sha256' },
  // PSS entries exist in the registry; hashedrekord only verifies PKCS#1 v1.5, so they only
  // widen the allow-list for key sizes, exactly as in Rekor.
  'rsa-sign-pss-2048-sha256': { key: 'rsa', param: 2048, digest: 'sha256' },
  'rsa-sign-pss-3072-sha256': { key: 'rsa', param: 3072, digest: 'sha256' },
  'rsa-sign-pss-4092-sha256': { key: 'rsa', param: 4096, digest: 'sha256' },
  'ecdsa-sha2-256-nistp256': { key: 'ecdsa', param: 'P-256', digest: 'sha256' },
  'ecdsa-sha2-384-nistp384': { key: 'ecdsa', param: 'P-384', digest: 'sha384' },
  'ecdsa-sha2-256-nistp384': { key: 'ecdsa', param: 'P-384', digest: 'sha256' },
  'ecdsa-sha2-512-nistp521': { key: 'ecdsa', param: 'P-521', digest: 'sha512' },
  'ecdsa-sha2-256-nistp521': { key: 'ecdsa', param: 'P-521', digest: 'sha256' },
  ed25519: { key: 'ed25519' },
  'ed25519-ph': { key: 'ed25519', digest: 'sha512' },
};

/** Rekor's default `--client-signing-algorithms` (pkg/api/api.go AllowedClientSigningAlgorithms). */
export const REKOR_DEFAULT_ALGORITHMS: readonly string[] = [
  'rsa-sign-pkcs1-2048-sha256',
  'rsa-sign-pkcs1-3072-sha256',
  'rsa-sign-pkcs1-4096-sha256',
  'ecdsa-sha2-256-nistp256',
  'ecdsa-sha2-384-nistp384',
  'ecdsa-sha2-512-nistp521',
  'ed25519',
  'ed25519-ph',
];

/** Fulcio's default `--client-signing-algorithms` (cmd/app/serve.go). */
export const FULCIO_DEFAULT_ALGORITHMS: readonly string[] = [
  'ecdsa-sha2-256-nistp256',
  'ecdsa-sha2-384-nistp384',
  'ecdsa-sha2-512-nistp521',
  'rsa-sign-pkcs1-2048-sha256',
  'rsa-sign-pkcs1-3072-sha256',
  'rsa-sign-pkcs1-4096-sha256',
  'ed25519',
];

/** Throws for a flag name sigstore would not know (a configuration error, so `internal`-free). */
export function validateAlgorithmNames(names: readonly string[]): void {
  const unknown = names.filter((n) => KNOWN_ALGORITHMS[n] === undefined);
  if (unknown.length > 0) {
    throw new CoreError(
      'invalid_input',
      `unknown signing algorithm ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${Object.keys(KNOWN_ALGORITHMS).join(', ')}`,
    );
  }
}

export function isAlgorithmAllowed(key: AlgorithmKey, digest: DigestAlgorithm, allowed: readonly string[]): boolean {
  const param = key.algorithm === 'rsa' ? key.rsaBits : key.curve;
  return allowed.some((name) => {
    const spec = KNOWN_ALGORITHMS[name];
    return spec !== undefined && spec.key === key.algorithm && spec.param === param && spec.digest === digest;
  });
}
