/**
 * The fast path for the keys hashedrekord sees most: an ECDSA P-256/P-384/P-521 public key in
 * the exact SubjectPublicKeyInfo DER Go's x509.MarshalPKIXPublicKey writes (named curve,
 * uncompressed point). Such DER is already canonical, and checking the point is on the curve is
 * what Go's ParsePKIXPublicKey (elliptic.Unmarshal) does, so neither OpenSSL's decoder nor its
 * re-export is needed — measured on this machine they cost ≈ 100 µs each per entry, a third of
 * the server's CPU under load (bench/http-bench.ts). The KeyObject is created only if a caller
 * asks for it (DSSE, the pure-JS fallback). spki-check.ts, the one check every outside key
 * passes, uses this for EC keys and refuses every other EC encoding.
 * https://www.secg.org/sec1-v2.pdf §2.3.4; RFC 5480 §2
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { EcdsaCurve, PublicKeyInfo } from './public-key-info.js';

interface Curve {
  readonly name: EcdsaCurve;
  /** The SPKI DER up to the point: SEQUENCE { SEQUENCE { id-ecPublicKey, curve OID }, BIT STRING header }. */
  readonly prefix: Buffer;
  readonly size: number;
  readonly p: bigint;
  readonly b: bigint;
}

const CURVES: readonly Curve[] = [
  {
    name: 'P-256',
    prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
    size: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  {
    name: 'P-384',
    prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'),
    size: 48,
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  {
    name: 'P-521',
    prefix: Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex'),
    size: 66,
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
];

const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex')}`);

/** y² = x³ − 3x + b over GF(p), with both coordinates reduced (SEC1 §3.2.2.1). */
function onCurve(curve: Curve, point: Buffer): boolean {
  const x = toBigInt(point.subarray(1, 1 + curve.size));
  const y = toBigInt(point.subarray(1 + curve.size));
  if (x >= curve.p || y >= curve.p) return false;
  const rhs = (((x * x * x - 3n * x + curve.b) % curve.p) + curve.p) % curve.p;
  return (y * y) % curve.p === rhs;
}

export type EcSpkiResult = { readonly key: PublicKeyInfo } | { readonly offCurve: true } | undefined;

/**
 * Key info for canonical named-curve uncompressed EC SPKI DER; `offCurve` for such DER whose
 * point is not on the curve; undefined for anything else (left to OpenSSL).
 */
export function parseCanonicalEcSpki(der: Buffer): EcSpkiResult {
  const curve = CURVES.find((c) => der.length === c.prefix.length + 1 + 2 * c.size && der.subarray(0, c.prefix.length).equals(c.prefix));
  if (curve === undefined) return undefined;
  const point = der.subarray(curve.prefix.length);
  if (point[0] !== 0x04) return undefined;
  if (!onCurve(curve, point)) return { offCurve: true };
  let keyObject: KeyObject | undefined;
  const key: PublicKeyInfo = {
    spki: der,
    algorithm: 'ecdsa',
    curve: curve.name,
    ecPoint: point,
    get keyObject(): KeyObject {
      return (keyObject ??= createPublicKey({ key: der, format: 'der', type: 'spki' }));
    },
  };
  return { key };
}
