/**
 * The one reading of an X.509 certificate's structure (RFC 5280 §4.1): every field as the exact
 * bytes it was encoded as, so the CA can copy its issuer Name byte for byte, the CT log can drop
 * the poison extension without re-encoding anything else (RFC 6962 §3.2), chain building can
 * compare names and verify the TBS, and the page can decode the rest for display (x509.ts).
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, validity,
 *                                 subject, subjectPublicKeyInfo, [1]?, [2]?, [3] extensions? }
 * https://www.rfc-editor.org/rfc/rfc5280#section-4.1
 */
import { children, contextTag, decodeOid, decodeTime, DerError, expectTag, integerNumber, readOne, TAG, type Tlv } from './der.js';
import { tlv } from './der-writer.js';
import { OID } from './oids.js';

export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content. */
  readonly value: Uint8Array;
  /** The whole Extension SEQUENCE as encoded. */
  readonly der: Uint8Array;
}

export interface RawCertificate {
  readonly der: Uint8Array;
  /** The TBSCertificate TLV: what the issuer signed. */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** INTEGER content as encoded (including any 0x00 sign byte). */
  readonly serial: Uint8Array;
  /** The TBS `signature` AlgorithmIdentifier TLV. */
  readonly tbsSignatureAlgorithm: Uint8Array;
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: Uint8Array;
  readonly spki: Uint8Array;
  readonly extensions: readonly RawExtension[];
  /** The outer signatureAlgorithm TLV, its OID, and the signature bits (whole bytes). */
  readonly signatureAlgorithm: Uint8Array;
  readonly signatureAlgorithmOid: string;
  readonly signature: Uint8Array;
}

function parseExtension(ext: Tlv): RawExtension {
  const parts = children(expectTag(ext, TAG.SEQUENCE, 'extension'), 'extension');
  if (parts.length < 2 || parts.length > 3) throw new DerError(`extension: expected 2 or 3 fields, found ${parts.length}`);
  const oid = decodeOid(expectTag(parts[0], TAG.OID, 'extension OID').value, 'extension OID');
  let critical = false;
  if (parts.length === 3) {
    // DER says 0xff; any non-zero "true" is read as true, as Go and OpenSSL read others' certificates.
    const flag = expectTag(parts[1], TAG.BOOLEAN, `extension ${oid} critical flag`).value;
    if (flag.length !== 1) throw new DerError(`extension ${oid} critical flag: a BOOLEAN is one byte`);
    critical = flag[0] !== 0;
  }
  const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, `extension ${oid} value`).value;
  return { oid, critical, value, der: ext.raw };
}

interface TbsParts {
  fields: Tlv[];
  /** The [1], [2] unique identifiers and [3] wrapper, as encoded. */
  optional: Tlv[];
  extensions: RawExtension[];
}

function splitTbs(tbs: Uint8Array): TbsParts {
  const all = children(readOne(tbs, TAG.SEQUENCE, 'tbsCertificate'), 'tbsCertificate');
  const offset = all[0]?.tag === contextTag(0) ? 1 : 0;
  const fields = all.slice(0, offset + 6);
  if (fields.length < offset + 6) throw new DerError('tbsCertificate: missing fields');
  const optional = all.slice(offset + 6);
  let last = 0;
  let extensions: RawExtension[] = [];
  for (const o of optional) {
    // issuerUniqueID [1] and subjectUniqueID [2] are IMPLICIT BIT STRINGs; [3] is EXPLICIT.
    const rank = o.tag === 0x81 || o.tag === 0xa1 ? 1 : o.tag === 0x82 || o.tag === 0xa2 ? 2 : o.tag === contextTag(3) ? 3 : 0;
    if (rank <= last) throw new DerError(`tbsCertificate: unexpected field with tag 0x${o.tag.toString(16)}`);
    last = rank;
    if (rank === 3) {
      const inner = children(o, 'extensions');
      if (inner.length !== 1) throw new DerError('extensions: [3] must hold exactly one SEQUENCE');
      extensions = children(expectTag(inner[0], TAG.SEQUENCE, 'extensions'), 'extensions').map(parseExtension);
      const seen = new Set<string>();
      for (const e of extensions) {
        // RFC 5280 §4.2 and Go's x509: a certificate MUST NOT include an extension twice.
        if (seen.has(e.oid)) throw new DerError(`extensions: ${e.oid} appears twice`);
        seen.add(e.oid);
      }
    }
  }
  return { fields, optional, extensions };
}

export function readCertificate(der: Uint8Array): RawCertificate {
  const [tbsTlv, algTlv, sigTlv, extra] = children(readOne(der, TAG.SEQUENCE, 'certificate'), 'certificate');
  if (extra !== undefined) throw new DerError('certificate: more than three fields');
  const tbs = expectTag(tbsTlv, TAG.SEQUENCE, 'tbsCertificate').raw;
  const alg = expectTag(algTlv, TAG.SEQUENCE, 'signatureAlgorithm');
  const bits = expectTag(sigTlv, TAG.BIT_STRING, 'signatureValue').value;
  if (bits.length === 0 || bits[0] !== 0) throw new DerError('signatureValue: not a whole number of bytes');
  const { fields, extensions } = splitTbs(tbs);
  const hasVersion = fields[0]?.tag === contextTag(0);
  const version = hasVersion ? integerNumber(expectTag(children(fields[0] as Tlv, 'version')[0], TAG.INTEGER, 'version').value) + 1 : 1;
  const [serial, sigAlg, issuer, validity, subject, spki] = hasVersion ? fields.slice(1) : fields;
  const [notBefore, notAfter, more] = children(expectTag(validity, TAG.SEQUENCE, 'validity'), 'validity');
  if (!notBefore || !notAfter || more) throw new DerError('validity: needs exactly notBefore and notAfter');
  return {
    der,
    tbs,
    version,
    serial: expectTag(serial, TAG.INTEGER, 'serialNumber').value,
    tbsSignatureAlgorithm: expectTag(sigAlg, TAG.SEQUENCE, 'signature').raw,
    issuer: expectTag(issuer, TAG.SEQUENCE, 'issuer').raw,
    notBefore: decodeTime(notBefore, 'notBefore'),
    notAfter: decodeTime(notAfter, 'notAfter'),
    subject: expectTag(subject, TAG.SEQUENCE, 'subject').raw,
    spki: expectTag(spki, TAG.SEQUENCE, 'subjectPublicKeyInfo').raw,
    extensions,
    signatureAlgorithm: alg.raw,
    signatureAlgorithmOid: decodeOid(expectTag(children(alg, 'signatureAlgorithm')[0], TAG.OID, 'signature OID').value, 'signature OID'),
    signature: bits.subarray(1),
  };
}

/**
 * The TBSCertificate with every extension of `oid` removed and nothing else touched, e.g. the
 * precert TBS minus the poison: exactly what the CT log signs over (RFC 6962 §3.2).
 */
export function tbsWithoutExtension(tbs: Uint8Array, oid: string): Uint8Array {
  const { fields, optional, extensions } = splitTbs(tbs);
  const kept = extensions.filter((e) => e.oid !== oid);
  const head = [...fields, ...optional.filter((o) => o.tag !== contextTag(3))].map((f) => f.raw);
  const tail = kept.length > 0 ? [tlv(contextTag(3), tlv(TAG.SEQUENCE, ...kept.map((e) => e.der)))] : [];
  return tlv(TAG.SEQUENCE, ...head, ...tail);
}

/** The key identifier inside a SubjectKeyIdentifier extension, if the certificate has one. */
export function subjectKeyId(cert: RawCertificate): Uint8Array | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.subjectKeyId);
  return ext === undefined ? undefined : readOne(ext.value, TAG.OCTET_STRING, 'SubjectKeyIdentifier').value;
}
