/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) decoded for display and verification: algorithm,
 * curve, the EC point, the RSA modulus size. The SHA-256 fingerprint (for the log key, the
 * Rekor logID: rekor-api.md §1.1) needs the host's hash: spkiFingerprint.
 */
import { toHex } from './bytes.js';
import type { CoreCrypto } from './crypto.js';
import { children, decodeOid, DerError, expectTag, readOne, TAG } from './der.js';
import { CURVE_NAMES, OID } from './oids.js';

export type KeyAlgorithm = 'ecdsa' | 'rsa' | 'ed25519' | 'unknown';

export interface PublicKeyInfo {
  readonly der: Uint8Array;
  readonly algorithm: KeyAlgorithm;
  /** "ECDSA P-256", "RSA 2048", "Ed25519" … */
  readonly description: string;
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  /** The subjectPublicKey bits: the SEC1 point for EC keys, the raw key for Ed25519. */
  readonly keyBytes: Uint8Array;
}

/** Hex SHA-256 of the DER SPKI: the key's fingerprint, and for a log key its Rekor logID. */
export const spkiFingerprint = (crypto: CoreCrypto, der: Uint8Array): string => toHex(crypto.digest('sha256', der));

function rsaBits(keyBytes: Uint8Array): number {
  const seq = readOne(keyBytes, TAG.SEQUENCE, 'RSA public key');
  const modulus = expectTag(children(seq, 'RSA public key')[0], TAG.INTEGER, 'RSA modulus').value;
  let i = 0;
  while (i < modulus.length - 1 && modulus[i] === 0) i++;
  const top = modulus[i] ?? 0;
  return (modulus.length - i - 1) * 8 + (top === 0 ? 0 : Math.floor(Math.log2(top)) + 1);
}

export function parseSpki(der: Uint8Array): PublicKeyInfo {
  const top = readOne(der, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  const [algSeq, bits] = children(top, 'SubjectPublicKeyInfo');
  const alg = children(expectTag(algSeq, TAG.SEQUENCE, 'key algorithm'), 'key algorithm');
  const algOid = decodeOid(expectTag(alg[0], TAG.OID, 'key algorithm OID').value);
  const bitString = expectTag(bits, TAG.BIT_STRING, 'subjectPublicKey').value;
  if (bitString[0] !== 0) throw new DerError('subjectPublicKey: unused bits must be 0');
  const keyBytes = bitString.subarray(1);
  const base = { der, keyBytes };
  if (algOid === OID.ecPublicKey) {
    const curveOid = decodeOid(expectTag(alg[1], TAG.OID, 'EC curve').value);
    const curve = CURVE_NAMES[curveOid] as PublicKeyInfo['curve'];
    return { ...base, algorithm: 'ecdsa', curve, description: `ECDSA ${curve ?? curveOid}` };
  }
  if (algOid === OID.rsaEncryption) return { ...base, algorithm: 'rsa', description: `RSA ${rsaBits(keyBytes)}` };
  if (algOid === OID.ed25519) return { ...base, algorithm: 'ed25519', description: 'Ed25519' };
  return { ...base, algorithm: 'unknown', description: `unknown key type ${algOid}` };
}
