/**
 * ECDSA verification with @noble/curves, the way Go and OpenSSL verify: high-S signatures are
 * valid (node:crypto produces them half the time), DER by default, raw r‖s accepted where Rekor
 * accepts it (hashedrekord, rekor-api.md §2.1). Malformed input is "does not verify", not a throw.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
export type CurveName = keyof typeof CURVES;

export interface EcdsaOptions {
  /** false: `message` is already the digest (hashedrekord); true: hash it with the curve's hash. */
  readonly prehashed?: boolean;
  /** Also try the fixed-size r‖s encoding. */
  readonly allowRaw?: boolean;
}

export function verifyEcdsa(curve: CurveName, signature: Uint8Array, message: Uint8Array, point: Uint8Array, opts: EcdsaOptions = {}): boolean {
  const c = CURVES[curve];
  const prehash = opts.prehashed !== true;
  const attempt = (format: 'der' | 'compact'): boolean => {
    try {
      return c.verify(signature, message, point, { format, lowS: false, prehash });
    } catch {
      return false;
    }
  };
  return attempt('der') || (opts.allowRaw === true && attempt('compact'));
}

/** ECDSA P-256 with SHA-256 over `message`: SETs and checkpoints (rekor-api.md §3, §4). */
export const verifyP256Sha256 = (signature: Uint8Array, message: Uint8Array, point: Uint8Array): boolean =>
  verifyEcdsa('P-256', signature, message, point);
