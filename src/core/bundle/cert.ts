/**
 * What path validation needs from a certificate, on top of the one raw reading of its
 * structure (../x509-raw.ts) and its display view (../x509.ts): basic constraints, the
 * signature check of a child by its issuer, and the one table from X.509 signature algorithm
 * OIDs to a CoreCrypto check.
 */
import { equalBytes } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { children, decodeOid, expectTag, integerNumber, readOne, TAG } from '../der.js';
import { OID } from '../oids.js';
import { readCertificate, type RawCertificate } from '../x509-raw.js';
import { parseCertificate, type Certificate } from '../x509.js';

export interface CertView {
  readonly cert: Certificate;
  readonly raw: RawCertificate;
  readonly der: Uint8Array;
  readonly isCa: boolean;
  readonly pathLen?: number;
}

export function viewCertificate(der: Uint8Array): CertView {
  const raw = readCertificate(der);
  let isCa = false;
  let pathLen: number | undefined;
  const bc = raw.extensions.find((e) => e.oid === OID.basicConstraints);
  if (bc) {
    const [first, second] = children(readOne(bc.value, TAG.SEQUENCE, 'basicConstraints'), 'basicConstraints');
    isCa = first?.tag === TAG.BOOLEAN && first.value[0] !== 0;
    const len = first?.tag === TAG.INTEGER ? first : second?.tag === TAG.INTEGER ? second : undefined;
    if (len) pathLen = integerNumber(len.value);
  }
  return { cert: parseCertificate(der), raw, der, isCa, pathLen };
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
export function verifyWithAlgorithm(crypto: CoreCrypto, algorithmDer: Uint8Array, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const [oidTlv, params] = children(readOne(algorithmDer, TAG.SEQUENCE, 'AlgorithmIdentifier'), 'AlgorithmIdentifier');
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
  if (!equalBytes(child.raw.issuer, issuer.raw.subject)) return false;
  try {
    return verifyWithAlgorithm(crypto, child.raw.signatureAlgorithm, issuer.raw.spki, child.raw.tbs, child.raw.signature);
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
