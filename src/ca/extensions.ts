/**
 * The X.509 extensions of the Fulcio certificate profile, each as encoded DER.
 * Standard ones per RFC 5280 §4.2 (https://www.rfc-editor.org/rfc/rfc5280#section-4.2), the
 * sigstore arc 1.3.6.1.4.1.57264.1 per Fulcio's docs/oid-info.md
 * (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md), and the CT poison / SCT list
 * per RFC 6962 §3.1/§3.3 (https://www.rfc-editor.org/rfc/rfc6962#section-3.3).
 *
 * Extension values are DER; DER requires `critical` to be omitted when false.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { coreCall, SealhouseError } from '../errors.js';
import { children, readOne } from '../core/der.js';
import { derUtf8String, TAG, tlv } from './der.js';
import type { San, SigstoreExtension } from '../oidc/principal.js';
import { sanUriProblem } from '../oidc/san-values.js';
import { encodeOid } from './x509-sign.js';

export const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ctSctList: '1.3.6.1.4.1.11129.2.4.2',
  sigstoreOtherName: '1.3.6.1.4.1.57264.1.7',
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
} as const;

export interface ExtensionSpec {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue content (the bytes inside the OCTET STRING). */
  readonly value: Buffer;
}

// The SAN and extensions an identity maps to are the oidc room's (principal.ts); the CA encodes them.
export type { San, SigstoreExtension } from '../oidc/principal.js';

export function encodeExtension(ext: ExtensionSpec): Buffer {
  const critical = ext.critical ? [Buffer.from([TAG.BOOLEAN, 1, 0xff])] : [];
  return tlv(TAG.SEQUENCE, encodeOid(ext.oid), ...critical, tlv(TAG.OCTET_STRING, ext.value));
}

const schemaBytes = (o: { toSchema(): asn1js.AsnType }): Buffer => Buffer.from(o.toSchema().toBER(false));

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value (what Go and Fulcio use). */
export function keyIdentifier(spki: Buffer): Buffer {
  const bits = coreCall(() => children(readOne(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo'))[1];
  if (!bits || bits.tag !== TAG.BIT_STRING) throw new SealhouseError('invalid_input', 'malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.value.subarray(1)).digest();
}

/** KeyUsage BIT STRING: leaf = digitalSignature (bit 0), CA = keyCertSign (5) + cRLSign (6). */
export function keyUsage(kind: 'leaf' | 'ca'): ExtensionSpec {
  const bits = kind === 'leaf' ? new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 }) : new asn1js.BitString({ valueHex: new Uint8Array([0x06]), unusedBits: 1 });
  return { oid: OID.keyUsage, critical: true, value: Buffer.from(bits.toBER(false)) };
}

export function extKeyUsageCodeSigning(): ExtensionSpec {
  return { oid: OID.extKeyUsage, critical: false, value: schemaBytes(new pkijs.ExtKeyUsage({ keyPurposes: [OID.codeSigning] })) };
}

export function basicConstraintsCa(pathLen: number): ExtensionSpec {
  return { oid: OID.basicConstraints, critical: true, value: schemaBytes(new pkijs.BasicConstraints({ cA: true, pathLenConstraint: pathLen })) };
}

export function subjectKeyIdExt(keyId: Buffer): ExtensionSpec {
  return { oid: OID.subjectKeyId, critical: false, value: tlv(TAG.OCTET_STRING, keyId) };
}

export function authorityKeyIdExt(keyId: Buffer): ExtensionSpec {
  const aki = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: new Uint8Array(keyId) }) });
  return { oid: OID.authorityKeyId, critical: false, value: schemaBytes(aki) };
}

/** IA5String only holds ASCII; Go's x509 refuses the same inputs. */
function ia5(value: string, what: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(value)) throw new SealhouseError('invalid_input', `${what} must be ASCII to fit an IA5String`);
  return Buffer.from(value, 'ascii');
}

/** Critical, because the subject is empty (RFC 5280 §4.2.1.6). */
export function subjectAltNameExt(san: San): ExtensionSpec {
  let name: Buffer;
  if (san.type === 'email') name = tlv(0x81, ia5(san.value, 'email SAN'));
  else if (san.type === 'uri') {
    // Backstop for every issuer type: the mappers refuse bad claims earlier, with better messages.
    const problem = sanUriProblem(san.value);
    if (problem !== undefined) throw new SealhouseError('invalid_input', `URI SAN ${problem}`);
    name = tlv(0x86, ia5(san.value, 'URI SAN'));
  }
  else name = tlv(0xa0, encodeOid(OID.sigstoreOtherName), tlv(0xa0, derUtf8String(san.value)));
  return { oid: OID.subjectAltName, critical: true, value: tlv(TAG.SEQUENCE, name) };
}

export function sigstoreExt(ext: SigstoreExtension): ExtensionSpec {
  const value = ext.encoding === 'raw' ? Buffer.from(ext.value, 'utf8') : derUtf8String(ext.value);
  return { oid: ext.oid, critical: false, value };
}

export const ctPoisonExt = (): ExtensionSpec => ({ oid: OID.ctPoison, critical: true, value: Buffer.from([TAG.NULL, 0]) });

/** The SCT list extension: an OCTET STRING wrapping the TLS SignedCertificateTimestampList. */
export function sctListExt(tlsSctList: Buffer): ExtensionSpec {
  return { oid: OID.ctSctList, critical: false, value: tlv(TAG.OCTET_STRING, tlsSctList) };
}

/** `O=<organization>, CN=<commonName>` as a DER Name; PrintableString like the public CA when the text allows. */
export function caName(organization: string, commonName: string): Buffer {
  const text = (value: string): pkijs.AttributeValueType =>
    /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
  // One attribute per RDN SET (`O = x, CN = y`); pkijs' RelativeDistinguishedNames would put both in one SET.
  const rdn = (type: string, value: string): Buffer => tlv(TAG.SET, schemaBytes(new pkijs.AttributeTypeAndValue({ type, value: text(value) })));
  return tlv(TAG.SEQUENCE, rdn(OID.organizationName, organization), rdn(OID.commonName, commonName));
}
