/**
 * What path validation needs from a certificate beyond the display view of ../x509.ts: the
 * exact tbsCertificate bytes and the signature over them, the raw issuer and subject names
 * (chaining compares them byte for byte, as Go's x509 does after normalisation in practice
 * for Fulcio-issued names), the extensions with their critical flags, and basic constraints.
 * Also the one table from X.509 signature algorithm OIDs to a CoreCrypto check.
 */
import { equalBytes } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { children, decodeOid, expectTag, integerNumber, readOne, TAG, type Tlv } from '../der.js';
import { OID } from '../oids.js';
import { parseCertificate, type Certificate } from '../x509.js';

export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
  /** The whole Extension TLV, for re-encoding the TBS without one of them (SCT check). */
  readonly raw: Uint8Array;
}

export interface CertView {
  readonly cert: Certificate;
  readonly der: Uint8Array;
  readonly tbs: Tlv;
  readonly signatureAlgorithm: Tlv;
  readonly signature: Uint8Array;
  readonly issuerRaw: Uint8Array;
  readonly subjectRaw: Uint8Array;
  readonly extensions: RawExtension[];
  readonly isCa: boolean;
  readonly pathLen?: number;
}

export function viewCertificate(der: Uint8Array): CertView {
  const cert = parseCertificate(der);
  const top = readOne(der, TAG.SEQUENCE, 'certificate');
  const [tbs, sigAlg, sigBits] = children(top, 'certificate');
  const tbsTlv = expectTag(tbs, TAG.SEQUENCE, 'tbsCertificate');
  const bits = expectTag(sigBits, TAG.BIT_STRING, 'signatureValue').value;
  const fields = children(tbsTlv, 'tbsCertificate');
  const f = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  const extensions: RawExtension[] = [];
  const block = f.find((t) => t.tag === 0xa3);
  if (block) {
    for (const ext of children(expectTag(children(block, 'extensions')[0], TAG.SEQUENCE, 'extensions'), 'extension')) {
      const parts = children(ext, 'extension');
      const critical = parts.length === 3 && parts[1]?.tag === TAG.BOOLEAN && parts[1].value[0] !== 0;
      extensions.push({ oid: decodeOid(expectTag(parts[0], TAG.OID, 'extension OID').value), critical, value: expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value').value, raw: ext.raw });
    }
  }
  let isCa = false;
  let pathLen: number | undefined;
  const bc = extensions.find((e) => e.oid === OID.basicConstraints);
  if (bc) {
    const [first, second] = children(readOne(bc.value, TAG.SEQUENCE, 'basicConstraints'), 'basicConstraints');
    isCa = first?.tag === TAG.BOOLEAN && first.value[0] !== 0;
    const len = first?.tag === TAG.INTEGER ? first : second?.tag === TAG.INTEGER ? second : undefined;
    if (len) pathLen = integerNumber(len.value);
  }
  return {
    cert,
    der,
    tbs: tbsTlv,
    signatureAlgorithm: expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm'),
    signature: bits.subarray(1),
    issuerRaw: expectTag(f[2], TAG.SEQUENCE, 'issuer').raw,
    subjectRaw: expectTag(f[4], TAG.SEQUENCE, 'subject').raw,
    extensions,
    isCa,
    pathLen,
  };
}

const SIGNATURE_ALGORITHMS: Readonly<Record<string, { hash: HashAlgorithm }>> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256' }, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': { hash: 'sha384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512' },
  '1.2.840.113549.1.1.11': { hash: 'sha256' }, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': { hash: 'sha384' },
  '1.2.840.113549.1.1.13': { hash: 'sha512' },
  '1.3.101.112': { hash: 'sha512' }, // Ed25519 (hash unused)
};

const PSS_HASHES: Readonly<Record<string, HashAlgorithm>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * Whether `signature` by `spki` over `data` verifies under the X.509 AlgorithmIdentifier
 * `algorithm`. SHA-1 and unknown algorithms are refused (false).
 */
export function verifyWithAlgorithm(crypto: CoreCrypto, algorithm: Tlv, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const [oidTlv, params] = children(algorithm, 'AlgorithmIdentifier');
  const oid = decodeOid(expectTag(oidTlv, TAG.OID, 'algorithm OID').value);
  if (oid === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS-params: [0] hashAlgorithm (default SHA-1, refused).
    const hashParam = params ? children(params, 'RSASSA-PSS-params').find((t) => t.tag === 0xa0) : undefined;
    const hashOid = hashParam ? decodeOid(expectTag(children(expectTag(children(hashParam, 'hashAlgorithm')[0], TAG.SEQUENCE, 'hashAlgorithm'), 'hashAlgorithm')[0], TAG.OID, 'hash OID').value) : '';
    const hash = PSS_HASHES[hashOid];
    return hash !== undefined && crypto.verify({ spki, hash, signature, data, rsaPss: true });
  }
  const alg = SIGNATURE_ALGORITHMS[oid];
  return alg !== undefined && crypto.verify({ spki, hash: alg.hash, signature, data });
}

/** Whether `issuer` signed `child` (names chain and the signature verifies). */
export function issuedBy(crypto: CoreCrypto, child: CertView, issuer: CertView): boolean {
  if (!equalBytes(child.issuerRaw, issuer.subjectRaw)) return false;
  try {
    return verifyWithAlgorithm(crypto, child.signatureAlgorithm, issuer.cert.publicKey.der, child.tbs.raw, child.signature);
  } catch {
    return false;
  }
}

/** The hash a signer's key conventionally signs artifacts with (sigstore's key details defaults). */
export function defaultHash(cert: Pick<Certificate, 'publicKey'>): HashAlgorithm {
  switch (cert.publicKey.curve) {
    case 'P-384':
      return 'sha384';
    case 'P-521':
      return 'sha512';
    default:
      return 'sha256';
  }
}

/** Minimal DER writer for re-encoding a TBS: one TLV from a tag and its contents. */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}
