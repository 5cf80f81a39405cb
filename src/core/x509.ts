/**
 * X.509 certificates (RFC 5280 §4.1) decoded for display: serial, issuer, subject, validity,
 * key, and every extension — standard ones decoded, the Fulcio arc by name
 * (fulcio-and-clients.md §2.1–2.2), unknown ones listed by OID. The structure is read once, by
 * x509-raw.ts; this only turns its fields into text.
 */
import { toHex } from './bytes.js';
import { children, decodeOid, decodeString, expectTag, integerHex, readOne, TAG, type Tlv } from './der.js';
import { ALGORITHM_NAMES, ATTRIBUTE_NAMES, EXTENSION_NAMES, FULCIO_ARC, OID, nameOf } from './oids.js';
import { parseSpki, type PublicKeyInfo } from './spki.js';
import { readCertificate } from './x509-raw.js';
import {
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeFulcio,
  decodeKeyIdentifier,
  decodeKeyUsage,
  decodeSan,
  decodeSctList,
  type FulcioField,
  type SanEntry,
  type Sct,
} from './x509-extensions.js';

export type { FulcioField, SanEntry, Sct } from './x509-extensions.js';

export interface Extension {
  readonly oid: string;
  readonly name: string;
  readonly critical: boolean;
  /** Human-readable value, or the hex of extnValue when the extension is not decoded. */
  readonly display: string;
}

export interface Certificate {
  readonly der: Uint8Array;
  readonly version: number;
  readonly serialHex: string;
  readonly signatureAlgorithm: string;
  readonly issuer: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKeyInfo;
  readonly san: SanEntry[];
  readonly keyUsage: string[];
  readonly extKeyUsage: string[];
  readonly fulcio: FulcioField[];
  readonly scts: Sct[];
  readonly extensions: Extension[];
}

/** RFC 4514-like, in encoding order: "O=sigstore.dev, CN=sigstore-intermediate". */
function nameText(name: Tlv): string {
  const parts: string[] = [];
  for (const rdn of children(name, 'Name')) {
    for (const atv of children(rdn, 'RelativeDistinguishedName')) {
      const [type, value] = children(atv, 'AttributeTypeAndValue');
      const oid = decodeOid(expectTag(type, TAG.OID, 'attribute type').value);
      parts.push(`${nameOf(ATTRIBUTE_NAMES, oid)}=${value ? decodeString(value) : ''}`);
    }
  }
  return parts.length ? parts.join(', ') : '(empty)';
}

interface Decoded {
  san: SanEntry[];
  keyUsage: string[];
  extKeyUsage: string[];
  fulcio: FulcioField[];
  scts: Sct[];
}

function decodeExtension(oid: string, value: Uint8Array, out: Decoded): string {
  switch (oid) {
    case OID.subjectAltName:
      out.san = decodeSan(value);
      return out.san.map((s) => `${s.type}: ${s.value}`).join('; ');
    case OID.keyUsage:
      out.keyUsage = decodeKeyUsage(value);
      return out.keyUsage.join(', ');
    case OID.extKeyUsage:
      out.extKeyUsage = decodeExtKeyUsage(value);
      return out.extKeyUsage.join(', ');
    case OID.basicConstraints:
      return decodeBasicConstraints(value);
    case OID.subjectKeyId:
      return decodeKeyIdentifier(value, false);
    case OID.authorityKeyId:
      return decodeKeyIdentifier(value, true);
    case OID.sctList:
      out.scts = decodeSctList(value);
      return out.scts.map((s) => `log ${s.logIdBase64} at ${s.timestamp.toISOString()}`).join('; ');
    case OID.ctPoison:
      return 'precertificate poison';
    default:
      if (oid.startsWith(FULCIO_ARC)) {
        const field = decodeFulcio(oid, value);
        out.fulcio.push(field);
        return field.value;
      }
      return toHex(value);
  }
}

export function parseCertificate(der: Uint8Array): Certificate {
  const raw = readCertificate(der);
  const decoded: Decoded = { san: [], keyUsage: [], extKeyUsage: [], fulcio: [], scts: [] };
  const extensions: Extension[] = raw.extensions.map(({ oid, critical, value }) => {
    let display: string;
    try {
      display = decodeExtension(oid, value, decoded);
    } catch (err) {
      display = `(could not decode: ${(err as Error).message}) ${toHex(value)}`;
    }
    const name = oid.startsWith(FULCIO_ARC) ? (decoded.fulcio.find((f) => f.oid === oid)?.name ?? oid) : nameOf(EXTENSION_NAMES, oid);
    return { oid, name, critical, display };
  });
  decoded.fulcio.sort((a, b) => a.arc - b.arc);
  return {
    der,
    version: raw.version,
    serialHex: integerHex(raw.serial),
    signatureAlgorithm: nameOf(ALGORITHM_NAMES, raw.signatureAlgorithmOid),
    issuer: nameText(readOne(raw.issuer, TAG.SEQUENCE, 'issuer')),
    subject: nameText(readOne(raw.subject, TAG.SEQUENCE, 'subject')),
    notBefore: raw.notBefore,
    notAfter: raw.notAfter,
    publicKey: parseSpki(raw.spki),
    ...decoded,
    extensions,
  };
}
