/**
 * RFC 3161 timestamps as bundles carry them (`timestampVerificationData.rfc3161Timestamps[]
 * .signedTimestamp`: a DER TimeStampToken, i.e. a CMS ContentInfo around SignedData whose
 * content is a TSTInfo; RFC 5652 §5, RFC 3161 §2.4.2). A token proves a time when
 *
 * - its messageImprint is the hash of the bundle's signature bytes (what sigstore clients
 *   timestamp, sigstore-2026.md §4);
 * - the signed attributes carry messageDigest = hash(TSTInfo) and the signer's signature over
 *   them (DER SET OF, RFC 5652 §5.4) verifies;
 * - the signer certificate (embedded, or the authority's leaf) chains to a
 *   `timestampAuthorities` entry at genTime, has the critical timeStamping EKU, and the
 *   authority's validFor contains genTime.
 */
import { equalBytes } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { children, decodeOid, decodeTime, expectTag, integerHex, readOne, TAG, type Tlv } from '../der.js';
import { tlv } from '../der-writer.js';
import { verifyWithAlgorithm, viewCertificate } from './cert.js';
import { chainToAuthorities } from './certificate-chain.js';
import { BundleVerificationError } from './errors.js';
import type { TrustedRoot } from './trusted-root.js';

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const TST_INFO = '1.2.840.113549.1.9.16.1.4';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const HASHES: Readonly<Record<string, HashAlgorithm>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** A bare key algorithm as CMS signers often name it; the hash is the digestAlgorithm's. */
const BARE_KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.10045.2.1': 'ecdsa',
  '1.2.840.113549.1.1.1': 'rsa',
};

export interface TimestampToken {
  readonly genTime: Date;
  readonly imprintHash: HashAlgorithm;
  readonly imprint: Uint8Array;
  readonly tstInfo: Uint8Array;
  readonly digestHash: HashAlgorithm;
  readonly signedAttrs: Tlv | undefined;
  readonly signatureAlgorithm: Tlv;
  readonly signature: Uint8Array;
  /** IssuerAndSerialNumber of the signer: issuer Name DER and serial INTEGER contents. */
  readonly sid?: { issuer: Uint8Array; serial: Uint8Array };
  readonly certificates: Uint8Array[];
}

const fail = (message: string): never => {
  throw new BundleVerificationError('rfc3161', message);
};

const oidOf = (t: Tlv | undefined, what: string): string => decodeOid(expectTag(t, TAG.OID, what).value);

function hashOf(alg: Tlv | undefined, what: string): HashAlgorithm {
  const oid = oidOf(children(expectTag(alg, TAG.SEQUENCE, what), what)[0], what);
  return HASHES[oid] ?? fail(`${what} ${oid} is not SHA-256/384/512`);
}

export function parseTimestampToken(der: Uint8Array): TimestampToken {
  try {
    let ci = children(readOne(der, TAG.SEQUENCE, 'ContentInfo'), 'ContentInfo');
    if (ci[0]?.tag === TAG.SEQUENCE) {
      // A whole TimeStampResp (RFC 3161 §2.4.2), as sigstore clients store it: the status must be granted.
      const status = children(ci[0], 'PKIStatusInfo')[0];
      const code = status?.tag === TAG.INTEGER ? status.value[0] : undefined;
      if (code !== 0 && code !== 1) fail(`the timestamp response's status is ${String(code)}, not granted`);
      ci = children(expectTag(ci[1], TAG.SEQUENCE, 'timeStampToken'), 'timeStampToken');
    }
    if (oidOf(ci[0], 'contentType') !== SIGNED_DATA) fail('the timestamp is not CMS SignedData');
    const sd = children(expectTag(children(expectTag(ci[1], 0xa0, 'content'), 'content')[0], TAG.SEQUENCE, 'SignedData'), 'SignedData');
    const encap = children(expectTag(sd[2], TAG.SEQUENCE, 'encapContentInfo'), 'encapContentInfo');
    if (oidOf(encap[0], 'eContentType') !== TST_INFO) fail('the SignedData does not hold a TSTInfo');
    const tstInfo = expectTag(children(expectTag(encap[1], 0xa0, 'eContent'), 'eContent')[0], TAG.OCTET_STRING, 'eContent').value;
    const rest = sd.slice(3);
    const certBlock = rest.find((t) => t.tag === 0xa0);
    const certificates = certBlock ? children(certBlock, 'certificates').filter((c) => c.tag === TAG.SEQUENCE).map((c) => c.raw) : [];
    const signerInfos = children(expectTag(rest[rest.length - 1], TAG.SET, 'signerInfos'), 'signerInfos');
    if (signerInfos.length !== 1) fail(`the timestamp has ${signerInfos.length} signers, expected 1`);
    const si = children(expectTag(signerInfos[0], TAG.SEQUENCE, 'SignerInfo'), 'SignerInfo');
    let sid: TimestampToken['sid'];
    if (si[1]?.tag === TAG.SEQUENCE) {
      const [issuer, serial] = children(si[1], 'IssuerAndSerialNumber');
      sid = { issuer: expectTag(issuer, TAG.SEQUENCE, 'sid issuer').raw, serial: expectTag(serial, TAG.INTEGER, 'sid serial').value };
    }
    const digestHash = hashOf(si[2], 'digestAlgorithm');
    const hasAttrs = si[3]?.tag === 0xa0;
    const signedAttrs = hasAttrs ? si[3] : undefined;
    const signatureAlgorithm = expectTag(si[hasAttrs ? 4 : 3], TAG.SEQUENCE, 'signatureAlgorithm');
    const signature = expectTag(si[hasAttrs ? 5 : 4], TAG.OCTET_STRING, 'signature').value;

    const tst = children(readOne(tstInfo, TAG.SEQUENCE, 'TSTInfo'), 'TSTInfo');
    const mi = children(expectTag(tst[2], TAG.SEQUENCE, 'messageImprint'), 'messageImprint');
    const imprintHash = hashOf(mi[0], 'messageImprint hashAlgorithm');
    const imprint = expectTag(mi[1], TAG.OCTET_STRING, 'hashedMessage').value;
    const genTime = decodeTime(expectTag(tst[4], TAG.GENERALIZED_TIME, 'genTime'));
    return { genTime, imprintHash, imprint, tstInfo, digestHash, signedAttrs, signatureAlgorithm, signature, sid, certificates };
  } catch (err) {
    if (err instanceof BundleVerificationError) throw err;
    return fail(`the timestamp is not a DER TimeStampToken: ${(err as Error).message}`);
  }
}

/** The bytes the TSA signed: the signed attributes as a DER SET, after checking messageDigest. */
function signedBytes(crypto: CoreCrypto, t: TimestampToken): Uint8Array {
  if (!t.signedAttrs) return t.tstInfo;
  const attrs = children(t.signedAttrs, 'signedAttrs');
  const md = attrs.map((a) => children(a, 'Attribute')).find((a) => oidOf(a[0], 'attribute type') === MESSAGE_DIGEST);
  if (!md) fail('the signed attributes carry no messageDigest');
  const value = children(expectTag(md?.[1], TAG.SET, 'messageDigest values'), 'messageDigest values')[0];
  if (!equalBytes(expectTag(value, TAG.OCTET_STRING, 'messageDigest').value, crypto.digest(t.digestHash, t.tstInfo))) fail('the messageDigest attribute is not the hash of the TSTInfo');
  return tlv(TAG.SET, t.signedAttrs.value);
}

function signatureVerifies(crypto: CoreCrypto, t: TimestampToken, spki: Uint8Array, data: Uint8Array): boolean {
  const oid = oidOf(children(t.signatureAlgorithm, 'signatureAlgorithm')[0], 'signature algorithm');
  try {
    if (BARE_KEY_ALGORITHMS[oid]) return crypto.verify({ spki, hash: t.digestHash, signature: t.signature, data });
    return verifyWithAlgorithm(crypto, t.signatureAlgorithm.raw, spki, data, t.signature);
  } catch {
    return false;
  }
}

/**
 * Verifies one token over `signature` (the bundle's signature bytes) against the trusted
 * root's timestamp authorities; returns the time and the authority that vouched for it.
 */
export function verifyTimestampToken(crypto: CoreCrypto, der: Uint8Array, signature: Uint8Array, root: TrustedRoot): { time: Date; by: string } {
  const t = parseTimestampToken(der);
  if (!equalBytes(t.imprint, crypto.digest(t.imprintHash, signature))) fail('the timestamp\'s message imprint is not the hash of the bundle\'s signature');
  if (root.timestampAuthorities.length === 0) fail('the trusted root lists no timestamp authority');
  const data = signedBytes(crypto, t);
  const problems: string[] = [];
  for (const authority of root.timestampAuthorities) {
    // The signer: an embedded certificate named by the SignerInfo, else the authority's leaf.
    const embedded = t.certificates.filter((c) => {
      if (!t.sid) return true;
      try {
        const v = viewCertificate(c);
        return equalBytes(v.raw.issuer, t.sid.issuer) && v.cert.serialHex === integerHex(t.sid.serial);
      } catch {
        return false;
      }
    });
    const candidates = [...embedded, (authority.certificates[0] as { der: Uint8Array }).der];
    for (const leafDer of candidates) {
      const leaf = viewCertificate(leafDer);
      if (!signatureVerifies(crypto, t, leaf.raw.spki, data)) {
        problems.push(`${authority.name}: the token's signature does not verify with ${leaf.cert.subject}`);
        continue;
      }
      try {
        chainToAuthorities(crypto, leafDer, [authority], t.genTime, 'Time Stamping');
        return { time: t.genTime, by: authority.name };
      } catch (err) {
        problems.push(`${authority.name}: ${(err as Error).message}`);
      }
    }
  }
  return fail(`the timestamp at ${t.genTime.toISOString()} does not verify against the trusted timestamp authorities (${[...new Set(problems)].join('; ')})`);
}
