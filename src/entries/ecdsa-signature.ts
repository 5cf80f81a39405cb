/**
 * ECDSA signature normalisation. Rekor (via sigstore's ECDSAVerifier) accepts an ASN.1 DER
 * ECDSA-Sig-Value, or else IEEE P1363 `r‖s` split in two equal halves (rekor-api.md §2.1 step 3).
 * Both verification back ends get the same normalised (r, s) so they accept exactly the same
 * signatures; high-S values are kept (Go and OpenSSL emit them about half the time).
 * https://www.rfc-editor.org/rfc/rfc5480#appendix-A · https://www.rfc-editor.org/rfc/rfc3279#section-2.2.3
 */
import { bufferOf } from '../buffer-view.js';
import { children, positiveInteger, readOne, TAG } from '../core/der.js';
import { tlv, unsignedInteger } from '../core/der-writer.js';
import type { EcdsaCurve } from './keys.js';

export const CURVE_ORDER: Record<EcdsaCurve, bigint> = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  'P-521':
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};
export const COORDINATE_BYTES: Record<EcdsaCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function strictDer(sig: Buffer): EcdsaSignature | undefined {
  try {
    const parts = children(readOne(sig, TAG.SEQUENCE, 'ECDSA-Sig-Value'), 'ECDSA-Sig-Value');
    if (parts.length !== 2) return undefined;
    // Negative, zero, or a leading zero that is not needed: not DER (zero is out of range anyway).
    return { r: toBigInt(positiveInteger(parts[0], 'r')), s: toBigInt(positiveInteger(parts[1], 's')) };
  } catch {
    return undefined;
  }
}

/** (r, s) from DER or raw `r‖s`, or undefined when it is neither or out of range for `curve`. */
export function parseEcdsaSignature(sig: Buffer, curve: EcdsaCurve): EcdsaSignature | undefined {
  let parsed = strictDer(sig);
  if (parsed === undefined) {
    if (sig.length === 0 || sig.length > 132 || sig.length % 2 !== 0) return undefined;
    const half = sig.length / 2;
    parsed = { r: toBigInt(sig.subarray(0, half)), s: toBigInt(sig.subarray(half)) };
  }
  const n = CURVE_ORDER[curve];
  if (parsed.r <= 0n || parsed.r >= n || parsed.s <= 0n || parsed.s >= n) return undefined;
  return parsed;
}

function magnitude(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/** Canonical DER ECDSA-Sig-Value (what OpenSSL verifies). */
export function toDer(sig: EcdsaSignature): Buffer {
  return bufferOf(tlv(TAG.SEQUENCE, unsignedInteger(magnitude(sig.r)), unsignedInteger(magnitude(sig.s))));
}

/** Fixed-width `r‖s` (what @noble/curves calls the compact format). */
export function toCompact(sig: EcdsaSignature, curve: EcdsaCurve): Buffer {
  const size = COORDINATE_BYTES[curve];
  const fixed = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(size * 2, '0'), 'hex');
  return Buffer.concat([fixed(sig.r), fixed(sig.s)]);
}
