/**
 * Encoding a v3 TBSCertificate (RFC 5280 §4.1, https://www.rfc-editor.org/rfc/rfc5280#section-4.1)
 * from plain fields. The issuer Name and the SubjectPublicKeyInfo are inserted as the raw DER
 * they came in as, so the leaf's issuer equals the CA's subject byte for byte and the requester's
 * key is never re-encoded.
 *
 *   TBSCertificate ::= SEQUENCE { [0] EXPLICIT version v3, serialNumber, signature, issuer,
 *                                 validity, subject, subjectPublicKeyInfo, [3] EXPLICIT extensions }
 */
import { randomBytes } from 'node:crypto';
import { contextTag, encodeTime, TAG, tlv } from './der.js';
import { encodeExtension, type ExtensionSpec } from './extensions.js';
import { algorithmIdentifier, type SignatureAlgorithm } from './x509-sign.js';

export interface TbsFields {
  /** INTEGER content bytes, already minimal and positive (see randomSerial). */
  readonly serial: Buffer;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly issuer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: Buffer;
  readonly spki: Buffer;
}

/** The empty Name (`30 00`): Fulcio leaves carry their identity only in the SAN. */
export const EMPTY_NAME = Buffer.from([TAG.SEQUENCE, 0]);

/**
 * 20 random octets with the top bit clear and the first octet non-zero, so the INTEGER is
 * positive, minimal and always exactly 20 octets (RFC 5280 §4.1.2.2 allows up to 20).
 */
export function randomSerial(): Buffer {
  const serial = randomBytes(20);
  serial[0] = ((serial[0] as number) & 0x7f) || 0x01;
  return serial;
}

/** Everything before the extensions, as one list of encoded fields. */
export function encodeTbsHead(f: TbsFields): Buffer[] {
  return [
    tlv(contextTag(0), tlv(TAG.INTEGER, Buffer.from([2]))),
    tlv(TAG.INTEGER, f.serial),
    algorithmIdentifier(f.signatureAlgorithm),
    f.issuer,
    tlv(TAG.SEQUENCE, encodeTime(f.notBefore), encodeTime(f.notAfter)),
    f.subject,
    f.spki,
  ];
}

/** The whole TBS from its head and its extensions, in the given order. */
export function assembleTbs(head: readonly Buffer[], extensions: readonly Buffer[]): Buffer {
  const exts = extensions.length > 0 ? [tlv(contextTag(3), tlv(TAG.SEQUENCE, ...extensions))] : [];
  return tlv(TAG.SEQUENCE, ...head, ...exts);
}

export function encodeTbs(f: TbsFields, extensions: readonly ExtensionSpec[]): Buffer {
  return assembleTbs(encodeTbsHead(f), extensions.map(encodeExtension));
}

/** Whole seconds: X.509 times have no fraction, and both certificates must agree exactly. */
export const truncateToSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);
