/**
 * Byte-level view of an X.509 certificate (RFC 5280 §4.1,
 * https://www.rfc-editor.org/rfc/rfc5280#section-4.1): the raw DER of each TBSCertificate field,
 * so the CA can copy its issuer Name byte for byte and the CT log can drop the poison extension
 * without re-encoding anything else (RFC 6962 §3.2).
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, validity,
 *                                 subject, subjectPublicKeyInfo, [1]?, [2]?, [3] extensions }
 */
import { SealhouseError } from '../errors.js';
import { bytesOf, children, contentOf, contextTag, decodeOid, readOnly, readTlv, TAG, type Tlv, tlv } from './der.js';

export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content. */
  readonly value: Buffer;
  /** The whole Extension SEQUENCE as encoded. */
  readonly der: Buffer;
}

export interface RawCertificate {
  readonly der: Buffer;
  readonly tbs: Buffer;
  /** Unsigned big-endian serial content (as encoded, including any 0x00 sign byte). */
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly spki: Buffer;
  readonly extensions: readonly RawExtension[];
}

function parseExtension(buf: Uint8Array, ext: Tlv): RawExtension {
  const parts = children(buf, ext);
  const [oidTlv, second, third] = parts;
  if (!oidTlv || oidTlv.tag !== TAG.OID || !second) throw bad('extension without OID or value');
  let critical = false;
  let valueTlv = second;
  if (second.tag === TAG.BOOLEAN) {
    critical = (buf[second.contentStart] ?? 0) !== 0; // DER says 0xff; accept any BER "true" when reading others' certs
    if (!third) throw bad('extension without value');
    valueTlv = third;
  }
  if (valueTlv.tag !== TAG.OCTET_STRING) throw bad('extnValue is not an OCTET STRING');
  return { oid: decodeOid(contentOf(buf, oidTlv)), critical, value: contentOf(buf, valueTlv), der: bytesOf(buf, ext) };
}

function bad(what: string): SealhouseError {
  return new SealhouseError('invalid_input', `malformed certificate: ${what}`);
}

/** Split a TBSCertificate into its fields; `fields` are the children before [3]. */
function splitTbs(tbs: Buffer): { fields: Tlv[]; extensions: RawExtension[] } {
  const top = readOnly(tbs, TAG.SEQUENCE, 'TBSCertificate');
  const all = children(tbs, top);
  const last = all[all.length - 1];
  if (!last || last.tag !== contextTag(3)) return { fields: all, extensions: [] };
  const inner = children(tbs, last);
  const list = inner[0];
  if (inner.length !== 1 || !list || list.tag !== TAG.SEQUENCE) throw bad('[3] does not hold one SEQUENCE');
  return { fields: all.slice(0, -1), extensions: children(tbs, list).map((e) => parseExtension(tbs, e)) };
}

export function parseCertificate(input: Uint8Array): RawCertificate {
  const der = Buffer.from(input);
  const top = readOnly(der, TAG.SEQUENCE, 'Certificate');
  const [tbsTlv, algTlv, sigTlv] = children(der, top);
  if (!tbsTlv || !algTlv || !sigTlv || sigTlv.tag !== TAG.BIT_STRING) throw bad('not a Certificate');
  const tbs = bytesOf(der, tbsTlv);
  const { fields, extensions } = splitTbs(tbs);
  // With the explicit [0] version present (v3), the fields shift by one.
  const offset = fields[0]?.tag === contextTag(0) ? 1 : 0;
  const pick = (i: number, tag: number, what: string): Tlv => {
    const t = fields[i + offset];
    if (!t || t.tag !== tag) throw bad(`missing ${what}`);
    return t;
  };
  return {
    der,
    tbs,
    serial: contentOf(tbs, pick(0, TAG.INTEGER, 'serialNumber')),
    issuer: bytesOf(tbs, pick(2, TAG.SEQUENCE, 'issuer')),
    subject: bytesOf(tbs, pick(4, TAG.SEQUENCE, 'subject')),
    spki: bytesOf(tbs, pick(5, TAG.SEQUENCE, 'subjectPublicKeyInfo')),
    extensions,
  };
}

/**
 * The TBSCertificate with every extension of `oid` removed and nothing else touched, e.g. the
 * precert TBS minus the poison: exactly what the CT log signs over.
 */
export function tbsWithoutExtension(tbs: Buffer, oid: string): Buffer {
  const { fields, extensions } = splitTbs(tbs);
  const kept = extensions.filter((e) => e.oid !== oid);
  const head = fields.map((f) => bytesOf(tbs, f));
  const tail = kept.length > 0 ? [tlv(contextTag(3), tlv(TAG.SEQUENCE, ...kept.map((e) => e.der)))] : [];
  return tlv(TAG.SEQUENCE, ...head, ...tail);
}

/** The key identifier inside a SubjectKeyIdentifier extension, if the certificate has one. */
export function subjectKeyId(cert: RawCertificate): Buffer | undefined {
  const ext = cert.extensions.find((e) => e.oid === '2.5.29.14');
  if (!ext) return undefined;
  const inner = readTlv(ext.value, 0);
  if (inner.tag !== TAG.OCTET_STRING || inner.end !== ext.value.length) throw bad('SubjectKeyIdentifier');
  return contentOf(ext.value, inner);
}
