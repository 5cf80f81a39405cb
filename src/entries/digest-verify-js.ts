/**
 * Pure-JS verification over a given digest: the fallback when the native addon is missing, and
 * the only path for Ed25519ph. ECDSA uses @noble/curves without pre-hashing and with high-S
 * allowed; RSA PKCS#1 v1.5 uses crypto.publicDecrypt and compares the DigestInfo
 * (RFC 8017 §8.2.2, §9.2); Ed25519ph is RFC 8032 §5.1 with the SHA-512 step already done.
 * https://www.rfc-editor.org/rfc/rfc8017#section-9.2 · https://www.rfc-editor.org/rfc/rfc8032#section-5.1
 */
import { constants, publicDecrypt } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { eddsa } from '@noble/curves/abstract/edwards.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha512 } from '@noble/hashes/sha2.js';
import type { DigestAlgorithm } from '../core/algorithms.js';
import { toCompact, type EcdsaSignature } from './ecdsa-signature.js';
import type { EcdsaCurve, PublicKeyInfo } from './keys.js';

const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1); the digest bytes follow. */
const DIGEST_INFO: Record<DigestAlgorithm, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

// RFC 8032 dom2(phflag=1, context=""); the message handed to verify() is already SHA-512(M).
const PH_DOMAIN = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions'), Buffer.from([1, 0])]);
const ed25519phOverDigest = eddsa(ed25519.Point, sha512, {
  domain: (data: Uint8Array) => Buffer.concat([PH_DOMAIN, data]),
  prehash: (digest: Uint8Array) => digest,
});

function rawPoint(key: PublicKeyInfo): Uint8Array {
  const jwk = key.keyObject.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
}

export function verifyEcdsaJs(key: PublicKeyInfo, curve: EcdsaCurve, digest: Buffer, sig: EcdsaSignature): boolean {
  try {
    return NOBLE[curve].verify(toCompact(sig, curve), digest, rawPoint(key), { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

export function verifyRsaJs(key: PublicKeyInfo, alg: DigestAlgorithm, digest: Buffer, sig: Buffer): boolean {
  try {
    const recovered = publicDecrypt({ key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, sig);
    return recovered.equals(Buffer.concat([DIGEST_INFO[alg], digest]));
  } catch {
    return false;
  }
}

export function verifyEd25519phJs(key: PublicKeyInfo, digest: Buffer, sig: Buffer): boolean {
  if (digest.length !== 64 || sig.length !== 64) return false;
  try {
    const jwk = key.keyObject.export({ format: 'jwk' });
    return ed25519phOverDigest.verify(sig, digest, Buffer.from(jwk.x ?? '', 'base64url'), { zip215: false });
  } catch {
    return false;
  }
}
