/**
 * Signing a TBSCertificate with a CA key held as a node:crypto KeyObject, and the
 * AlgorithmIdentifier that goes with each key type (RFC 5758 §3.2 for ECDSA,
 * https://www.rfc-editor.org/rfc/rfc5758#section-3.2; RFC 4055 for RSA; RFC 8410 §3 for Ed25519).
 *
 * The hash follows the key size the way Fulcio's CA does (a P-384 intermediate signs with
 * ecdsa-with-SHA384, as on the public instance), and the certificate is assembled from the exact
 * TBS bytes that were signed, so the signature always covers what ships.
 */
import { type KeyObject, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import { SealhouseError } from '../errors.js';
import { TAG, tlv } from './der.js';

export interface SignatureAlgorithm {
  readonly name: string;
  readonly oid: string;
  /** node:crypto digest name, or null for Ed25519 (pure). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Whether the AlgorithmIdentifier carries an explicit NULL parameter (RSA does, ECDSA not). */
  readonly nullParams: boolean;
}

const ECDSA: Record<string, SignatureAlgorithm> = {
  prime256v1: { name: 'ecdsa-with-SHA256', oid: '1.2.840.10045.4.3.2', hash: 'sha256', nullParams: false },
  secp384r1: { name: 'ecdsa-with-SHA384', oid: '1.2.840.10045.4.3.3', hash: 'sha384', nullParams: false },
  secp521r1: { name: 'ecdsa-with-SHA512', oid: '1.2.840.10045.4.3.4', hash: 'sha512', nullParams: false },
};
const RSA_SHA256: SignatureAlgorithm = { name: 'sha256WithRSAEncryption', oid: '1.2.840.113549.1.1.11', hash: 'sha256', nullParams: true };
const ED25519: SignatureAlgorithm = { name: 'Ed25519', oid: '1.3.101.112', hash: null, nullParams: false };

const oidCache = new Map<string, Buffer>();

/** `encodeOid('2.5.29.15')` → `06 03 55 1d 0f`. Cached: a leaf encodes the same few OIDs every time. */
export function encodeOid(oid: string): Buffer {
  let der = oidCache.get(oid);
  if (!der) {
    der = Buffer.from(new asn1js.ObjectIdentifier({ value: oid }).toBER(false));
    if (oidCache.size < 1024) oidCache.set(oid, der);
  }
  return der;
}

export function algorithmIdentifier(alg: SignatureAlgorithm): Buffer {
  return tlv(TAG.SEQUENCE, encodeOid(alg.oid), ...(alg.nullParams ? [Buffer.from([TAG.NULL, 0])] : []));
}

/** The signature algorithm a CA key signs certificates with. */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const alg = ECDSA[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return alg;
  } else if (type === 'rsa') {
    return RSA_SHA256;
  } else if (type === 'ed25519') {
    return ED25519;
  }
  throw new SealhouseError('malformed_key', `CA key type ${type ?? 'unknown'} is not supported (use ECDSA P-256/384/521, RSA or Ed25519)`);
}

/** The raw signature over `tbs` (DER ECDSA, PKCS#1 v1.5 or Ed25519), as the certificate carries it. */
export function signatureOver(tbs: Buffer, key: KeyObject, alg: SignatureAlgorithm = signatureAlgorithmFor(key)): Buffer {
  return sign(alg.hash, tbs, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key);
}

/** `Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING signature }` around exactly the signed bytes. */
export function assembleCertificate(tbs: Buffer, alg: SignatureAlgorithm, signature: Buffer): Buffer {
  return tlv(TAG.SEQUENCE, tbs, algorithmIdentifier(alg), tlv(TAG.BIT_STRING, Buffer.from([0]), signature));
}

/** Sign `tbs` and wrap it into a certificate. */
export function signTbs(tbs: Buffer, key: KeyObject, alg: SignatureAlgorithm = signatureAlgorithmFor(key)): Buffer {
  return assembleCertificate(tbs, alg, signatureOver(tbs, key, alg));
}
