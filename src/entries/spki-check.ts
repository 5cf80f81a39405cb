/**
 * The one check every public key from outside passes BEFORE node:crypto sees it: Rekor entries,
 * index search, Fulcio keys and CSRs, certificates in chains, CT submissions. Node 20 aborts the
 * whole process (an assertion in `asymmetricKeyDetails`, no exception) for an EC key that is the
 * point at infinity, so "parse with OpenSSL, then look" is not safe; the bytes are read here.
 *
 * Accepted, as Go's x509.ParsePKIXPublicKey reads them (what Rekor and Fulcio run), in strict DER:
 *   id-ecPublicKey + namedCurve P-256/P-384/P-521, uncompressed point on the curve (RFC 5480 §2);
 *   rsaEncryption + NULL, RSAPublicKey { n, e } with n odd and ≤ 8192 bits, e odd, 3 ≤ e < 2^31;
 *   id-Ed25519 without parameters, 32 bytes that decode to a point of large order (RFC 8410 §4).
 * Such DER is already canonical (what Go's MarshalPKIXPublicKey writes), so callers keep it as is.
 * Strength policy (RSA 2048–4096, Fulcio's e = 65537) is the callers'; this is only what is safe.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bufferOf } from '../buffer-view.js';
import { children, decodeOid, positiveInteger, readOne, TAG, type Tlv } from '../core/der.js';
import { parseCanonicalEcSpki } from './ec-spki.js';
import type { EcdsaCurve } from './public-key-info.js';

export interface CheckedSpki {
  /** The SubjectPublicKeyInfo DER as given (proven canonical). */
  readonly der: Buffer;
  readonly algorithm: 'ecdsa' | 'rsa' | 'ed25519';
  readonly curve?: EcdsaCurve;
  /** ECDSA: the SEC1 uncompressed point. */
  readonly ecPoint?: Buffer;
  /** RSA: exact bit length of the modulus, and the public exponent. */
  readonly rsaBits?: number;
  readonly rsaExponent?: number;
}

/** `unsupported`: a well-formed key of a kind or size not accepted; otherwise the bytes are broken. */
export type SpkiVerdict = { readonly ok: true; readonly key: CheckedSpki } | { readonly ok: false; readonly unsupported: boolean; readonly reason: string };

/** Verification cost grows with the modulus and exponent; nothing legitimate is larger. */
export const MAX_RSA_BITS = 8192;
const MAX_RSA_EXPONENT = 2 ** 31 - 1; // Go's crypto/rsa limit

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ED25519 = '1.3.101.112';
const NAMED_CURVES: Record<string, EcdsaCurve> = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' };
/** Names for refusals people recognise (OpenSSL's spelling). */
const OTHER_CURVES: Record<string, string> = {
  '1.3.132.0.10': 'secp256k1',
  '1.3.132.0.33': 'secp224r1',
  '1.2.840.10045.3.1.1': 'prime192v1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.2.156.10197.1.301': 'SM2',
};
const OTHER_TYPES: Record<string, string> = {
  '1.3.101.113': 'ed448',
  '1.3.101.110': 'x25519',
  '1.3.101.111': 'x448',
  '1.2.840.10040.4.1': 'dsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10046.2.1': 'dh',
};
export const UNCOMPRESSED_ONLY = 'EC keys must be encoded with a named curve and an uncompressed point';

const broken = (reason: string): SpkiVerdict => ({ ok: false, unsupported: false, reason });
const refused = (reason: string): SpkiVerdict => ({ ok: false, unsupported: true, reason });

function checkEc(der: Buffer, params: Tlv | undefined, point: Buffer): SpkiVerdict {
  if (params?.tag !== TAG.OID) return refused(UNCOMPRESSED_ONLY);
  let oid = '?';
  try {
    oid = decodeOid(params.value, 'EC curve');
  } catch {
    // an undecodable curve OID is refused below like any unknown curve
  }
  const curve = NAMED_CURVES[oid];
  if (curve === undefined) return refused(`unsupported ECDSA curve ${OTHER_CURVES[oid] ?? oid} (use P-256, P-384 or P-521)`);
  if (point.length === 1 && point[0] === 0) return broken('the EC point is the point at infinity');
  if (point[0] === 0x02 || point[0] === 0x03 || point[0] === 0x06 || point[0] === 0x07) return refused(UNCOMPRESSED_ONLY);
  // A valid uncompressed key on these curves is exactly the canonical encoding the fast path knows.
  const fast = parseCanonicalEcSpki(der);
  if (fast !== undefined && 'offCurve' in fast) return broken('the EC point is not on the curve');
  if (fast === undefined) return broken(`the EC point is not a ${curve} uncompressed point`);
  return { ok: true, key: { der, algorithm: 'ecdsa', curve, ecPoint: point } };
}

function checkRsa(der: Buffer, params: Tlv | undefined, key: Buffer): SpkiVerdict {
  if (params?.tag !== TAG.NULL || params.value.length !== 0) return broken('an RSA key needs NULL algorithm parameters');
  let n: Buffer;
  let e: Buffer;
  try {
    const parts = children(readOne(key, TAG.SEQUENCE, 'RSAPublicKey'), 'RSAPublicKey');
    if (parts.length !== 2) throw new Error('two INTEGERs');
    n = bufferOf(positiveInteger(parts[0], 'modulus'));
    e = bufferOf(positiveInteger(parts[1], 'exponent'));
  } catch {
    return broken('malformed RSAPublicKey (needs positive minimal INTEGERs n and e)');
  }
  const bits = n.length * 8 - Math.clz32(n[0] as number) + 24;
  if (bits > MAX_RSA_BITS) return refused(`RSA key too large: ${bits} bits (maximum ${MAX_RSA_BITS})`);
  if (((n[n.length - 1] as number) & 1) === 0) return broken('the RSA modulus is even');
  if (e.length > 4 || e.readUIntBE(0, e.length) > MAX_RSA_EXPONENT) return refused('RSA public exponent is too large (at most 2^31 - 1)');
  const exponent = e.readUIntBE(0, e.length);
  if (exponent < 3 || exponent % 2 === 0) return refused(`RSA public exponent ${exponent} is not allowed (use 65537)`);
  return { ok: true, key: { der, algorithm: 'rsa', rsaBits: bits, rsaExponent: exponent } };
}

function checkEd25519(der: Buffer, params: Tlv | undefined, key: Buffer): SpkiVerdict {
  if (params !== undefined) return broken('an Ed25519 key must have no algorithm parameters');
  if (key.length !== 32) return broken(`an Ed25519 key is 32 bytes, got ${key.length}`);
  let smallOrder: boolean;
  try {
    smallOrder = ed25519.Point.fromBytes(key, false).isSmallOrder();
  } catch {
    return broken('the Ed25519 key is not a valid curve point');
  }
  if (smallOrder) return refused('the Ed25519 key is a small-order point (anyone could forge its signatures)');
  return { ok: true, key: { der, algorithm: 'ed25519' } };
}

/** Reads a DER SubjectPublicKeyInfo without node:crypto; never throws. */
export function checkSpki(input: Uint8Array): SpkiVerdict {
  const der = bufferOf(input);
  let alg: Tlv[];
  let bitString: Buffer;
  try {
    const [algTlv, bits, extra] = children(readOne(der, TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
    if (algTlv?.tag !== TAG.SEQUENCE || bits?.tag !== TAG.BIT_STRING || extra !== undefined) throw new Error('shape');
    alg = children(algTlv, 'AlgorithmIdentifier');
    bitString = bufferOf(bits.value);
  } catch {
    return broken('not a DER SubjectPublicKeyInfo');
  }
  const [oidTlv, params, more] = alg;
  if (oidTlv?.tag !== TAG.OID || more !== undefined) return broken('malformed AlgorithmIdentifier');
  if (bitString.length < 2 || bitString[0] !== 0) return broken('the key BIT STRING is empty or not whole bytes');
  const key = bitString.subarray(1);
  let oid: string;
  try {
    oid = decodeOid(oidTlv.value, 'key algorithm');
  } catch {
    return broken('malformed AlgorithmIdentifier');
  }
  if (oid === EC_PUBLIC_KEY) return checkEc(der, params, key);
  if (oid === RSA_ENCRYPTION) return checkRsa(der, params, key);
  if (oid === ED25519) return checkEd25519(der, params, key);
  return refused(`unsupported public key type ${OTHER_TYPES[oid] ?? oid} (use ECDSA, RSA or Ed25519)`);
}

/** The KeyObject of a checked key. OpenSSL may still refuse it; that is a readable reason, not a crash. */
export function keyObjectOf(key: CheckedSpki): KeyObject | string {
  try {
    return createPublicKey({ key: key.der, format: 'der', type: 'spki' });
  } catch {
    return 'rejected by the crypto library';
  }
}
