/**
 * A public key as the entry types verify with it: the KeyObject node:crypto was given only after
 * spki-check.ts vetted the bytes, and the facts read from those bytes. Types only, so the SPKI
 * readers (spki-check.ts, ec-spki.ts) and the material parser (keys.ts) share them without an
 * import circle.
 */
import type { KeyObject } from 'node:crypto';

export type EcdsaCurve = 'P-256' | 'P-384' | 'P-521';

export interface PublicKeyInfo {
  keyObject: KeyObject;
  /** DER SubjectPublicKeyInfo (what the native verifier parses). */
  spki: Buffer;
  algorithm: 'ecdsa' | 'rsa' | 'ed25519';
  curve?: EcdsaCurve;
  /** RSA modulus size rounded up to whole bytes, as Go's rsa.PublicKey.Size()*8 reports it. */
  rsaBits?: number;
  /** ECDSA: SEC1 point, filled in lazily by digest-verify.ts. */
  ecPoint?: Buffer;
}
