/**
 * Rekor v2 CreateEntryRequests for tests: a key of every allowed keyDetails, a signature over a
 * message's digest, and the protojson request as sigstore-go sends it (pkg/sign/transparency.go).
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';

export type KeyKind = 'PKIX_ECDSA_P256_SHA_256' | 'PKIX_ECDSA_P384_SHA_384' | 'PKIX_ECDSA_P521_SHA_512' | 'PKIX_RSA_PKCS1V15_2048_SHA256' | 'PKIX_RSA_PKCS1V15_3072_SHA256' | 'PKIX_RSA_PKCS1V15_4096_SHA256' | 'PKIX_ED25519_PH';

export const KEY_KINDS: readonly KeyKind[] = [
  'PKIX_ECDSA_P256_SHA_256',
  'PKIX_ECDSA_P384_SHA_384',
  'PKIX_ECDSA_P521_SHA_512',
  'PKIX_RSA_PKCS1V15_2048_SHA256',
  'PKIX_RSA_PKCS1V15_3072_SHA256',
  'PKIX_RSA_PKCS1V15_4096_SHA256',
  'PKIX_ED25519_PH',
];

const HASH: Record<KeyKind, 'sha256' | 'sha384' | 'sha512'> = {
  PKIX_ECDSA_P256_SHA_256: 'sha256',
  PKIX_ECDSA_P384_SHA_384: 'sha384',
  PKIX_ECDSA_P521_SHA_512: 'sha512',
  PKIX_RSA_PKCS1V15_2048_SHA256: 'sha256',
  PKIX_RSA_PKCS1V15_3072_SHA256: 'sha256',
  PKIX_RSA_PKCS1V15_4096_SHA256: 'sha256',
  PKIX_ED25519_PH: 'sha512',
};

export interface TestSigner {
  readonly kind: KeyKind;
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly privateKey: KeyObject;
  /** DER SPKI. */
  readonly spki: Buffer;
  /** Signature over `message` (the digest is HASH(message)). */
  sign(message: Buffer): Buffer;
}

const cache = new Map<KeyKind, TestSigner>();

/** One key per kind, made once per process (RSA 4096 is slow to generate). */
export function signerFor(kind: KeyKind): TestSigner {
  const known = cache.get(kind);
  if (known) return known;
  const hash = HASH[kind];
  let privateKey: KeyObject;
  if (kind.startsWith('PKIX_ECDSA')) {
    privateKey = generateKeyPairSync('ec', { namedCurve: { PKIX_ECDSA_P256_SHA_256: 'P-256', PKIX_ECDSA_P384_SHA_384: 'P-384', PKIX_ECDSA_P521_SHA_512: 'P-521' }[kind as 'PKIX_ECDSA_P256_SHA_256'] }).privateKey;
  } else if (kind.startsWith('PKIX_RSA')) {
    privateKey = generateKeyPairSync('rsa', { modulusLength: Number(/_(\d{4})_/.exec(kind)?.[1]) }).privateKey;
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
  }
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const seed = kind === 'PKIX_ED25519_PH' ? Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url') : undefined;
  const signer: TestSigner = {
    kind,
    hash,
    privateKey,
    spki,
    sign: (message) => (seed ? Buffer.from(ed25519ph.sign(message, seed)) : sign(hash, message, privateKey)),
  };
  cache.set(kind, signer);
  return signer;
}

export const digestOf = (hash: string, message: Buffer): Buffer => createHash(hash).update(message).digest();

/** A valid request for a fresh random message (so each is a new entry), with its parts. */
export function v2Request(kind: KeyKind = 'PKIX_ECDSA_P256_SHA_256', message: Buffer = randomBytes(32)): { request: Record<string, unknown>; digest: Buffer; signature: Buffer; signer: TestSigner } {
  const signer = signerFor(kind);
  const digest = digestOf(signer.hash, message);
  const signature = signer.sign(message);
  return {
    request: {
      hashedRekordRequestV002: {
        digest: digest.toString('base64'),
        signature: { content: signature.toString('base64'), verifier: { publicKey: { rawBytes: signer.spki.toString('base64') }, keyDetails: kind } },
      },
    },
    digest,
    signature,
    signer,
  };
}
