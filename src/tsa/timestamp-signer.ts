/**
 * Signing timestamp tokens: a TimeStampResp (RFC 3161 §2.4.2) with status granted around a CMS
 * SignedData (RFC 5652 §5) whose content is a TSTInfo. Written with core's DER writer rather than
 * pkijs: the token is a dozen fixed structures around four per-request values, so everything but
 * those values is encoded once at start, the bytes are exactly the ones below (pkijs re-encodes
 * through asn1js and signs through WebCrypto, asynchronously), and a token costs one SHA-256 and
 * one ECDSA signature (tens of microseconds; the event loop is never held for long).
 *
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo { granted(0) }, timeStampToken ContentInfo }
 *   ContentInfo   ::= SEQUENCE { id-signedData, [0] EXPLICIT SignedData }
 *   SignedData    ::= SEQUENCE { version 3, digestAlgorithms SET { hash }, encapContentInfo
 *                     { id-ct-TSTInfo, [0] EXPLICIT OCTET STRING TSTInfo }, [0] IMPLICIT certificates
 *                     (the TSA certificate, when certReq), signerInfos SET { SignerInfo } }
 *   SignerInfo    ::= SEQUENCE { version 1, sid IssuerAndSerialNumber, digestAlgorithm,
 *                     [0] IMPLICIT signedAttrs, signatureAlgorithm ecdsa-with-SHAnnn, signature }
 *   signedAttrs: contentType = id-ct-TSTInfo, signingTime = genTime, messageDigest = H(TSTInfo),
 *                ESS signingCertificateV2 { ESSCertIDv2 { SHA-256(TSA certificate), issuerSerial } }
 *                (RFC 5035 §3; RFC 3161 §2.4.2 requires it, `openssl ts -verify` checks it)
 *   TSTInfo       ::= SEQUENCE { version 1, policy 1.3.6.1.4.1.57264.2, messageImprint (as requested),
 *                     serialNumber (random 128 bits), genTime (UTC, whole seconds), accuracy { seconds 1 },
 *                     [ordering FALSE is the DEFAULT, so DER omits it], nonce (as requested),
 *                     tsa [0] { directoryName: the TSA certificate's subject } }
 *
 * The signer's digest and signature hash follow its curve (P-256 → SHA-256), as the CA's do.
 */
import { createHash, randomBytes, sign } from 'node:crypto';
import { bufferOf } from '../buffer-view.js';
import { algorithmIdentifier, encodeOid, signatureAlgorithmFor } from '../ca/x509-sign.js';
import { type Clock, systemClock } from '../clock.js';
import { TAG } from '../core/der.js';
import { encodeTime, tlv, unsignedInteger } from '../core/der-writer.js';
import { readCertificate } from '../core/x509-raw.js';
import { utf8 } from '../core/bytes.js';
import { coreCall, SealhouseError } from '../errors.js';
import type { TimestampRequest } from './timestamp-request.js';
import { TSA_POLICY_OID } from './timestamp-request.js';
import type { TsaMaterial } from './tsa-keys.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;
const HASH_OIDS = { sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' } as const;

const seq = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...parts);
const int = (n: number): Uint8Array => tlv(TAG.INTEGER, Uint8Array.of(n));
const attribute = (oid: string, value: Uint8Array): Uint8Array => seq(encodeOid(oid), tlv(TAG.SET, value));

/** X.690 §11.6: a DER SET OF lists its elements in ascending order of their encodings. */
function derSetOrder(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** GeneralizedTime, UTC, whole seconds (RFC 3161 §2.4.2; RFC 5280 §4.1.2.5.2 forbids fractions in certificates, and verifiers read tokens the same way). */
function generalizedTime(at: Date): Uint8Array {
  return tlv(TAG.GENERALIZED_TIME, utf8(`${at.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`));
}

/** 128 random bits, positive and non-zero (RFC 3161 §2.4.2: unique for each token). */
function serialNumber(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) || 1;
  return unsignedInteger(bytes);
}

export interface IssuedTimestamp {
  /** The DER TimeStampResp: the body of the `application/timestamp-reply` answer. */
  readonly response: Buffer;
  readonly genTime: Date;
}

/** Everything about one TSA that does not change between its tokens, encoded once. */
interface PreparedTsa {
  readonly material: TsaMaterial;
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly digestAlgorithm: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
  readonly sid: Uint8Array;
  readonly tsaName: Uint8Array;
  readonly certificates: Uint8Array;
  readonly essAttr: Uint8Array;
}

function prepare(material: TsaMaterial): PreparedTsa {
  const leafDer = material.chain[0];
  if (!leafDer) throw new SealhouseError('malformed_key', 'the TSA chain is empty');
  const leaf = coreCall(() => readCertificate(leafDer));
  const alg = signatureAlgorithmFor(material.privateKey);
  if (alg.hash === null || material.privateKey.asymmetricKeyType !== 'ec') throw new SealhouseError('malformed_key', 'the TSA key must be ECDSA');
  const serial = tlv(TAG.INTEGER, leaf.serial);
  // ESSCertIDv2's hashAlgorithm DEFAULTs to SHA-256, which DER therefore omits.
  const certHash = createHash('sha256').update(leafDer).digest();
  const issuerSerial = seq(seq(tlv(0xa4, leaf.issuer)), serial);
  return {
    material,
    hash: alg.hash,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    // RFC 5754 §2: SHA-2 AlgorithmIdentifiers are written without parameters.
    digestAlgorithm: seq(encodeOid(HASH_OIDS[alg.hash])),
    signatureAlgorithm: algorithmIdentifier(alg),
    sid: seq(leaf.issuer, serial),
    // GeneralName is a CHOICE, so [0] is EXPLICIT around directoryName [4], itself EXPLICIT around the Name.
    tsaName: tlv(0xa0, tlv(0xa4, leaf.subject)),
    certificates: tlv(0xa0, leafDer),
    essAttr: attribute(OID.signingCertificateV2, seq(seq(seq(tlv(TAG.OCTET_STRING, certHash), issuerSerial)))),
  };
}

export class TimestampSigner {
  private prepared: PreparedTsa;
  private readonly clock: Clock;
  private readonly contentTypeAttr = attribute(OID.contentType, encodeOid(OID.tstInfo));

  constructor(material: TsaMaterial, clock: Clock = systemClock) {
    this.prepared = prepare(material);
    this.clock = clock;
  }

  /**
   * Sign with `material` from the next token on (`sealhouse rotate tsa` seen by a running
   * server). One assignment: a token is made wholly by the TSA it started with, since `issue`
   * is synchronous and reads the prepared TSA once.
   */
  use(material: TsaMaterial): void {
    this.prepared = prepare(material);
  }

  /** The TSA signing now. */
  get material(): TsaMaterial {
    return this.prepared.material;
  }

  /** The TSA certificate chain, PEM, leaf first. */
  get chainPem(): string {
    return this.prepared.material.chainPem;
  }

  /** One token for `req`, stamped with the clock's time (whole seconds, accuracy ±1 s). */
  issue(req: TimestampRequest): IssuedTimestamp {
    const p = this.prepared;
    const now = this.clock.now();
    const genTime = new Date(Math.floor(now.getTime() / 1000) * 1000);
    if (genTime > p.notAfter || genTime < p.notBefore) {
      // A token outside its certificate's validity would verify nowhere; better to say so.
      throw new SealhouseError('unavailable', `the TSA certificate is valid from ${p.notBefore.toISOString()} to ${p.notAfter.toISOString()}; configure a new one`, { retryAfterSeconds: 3600 });
    }
    const tstInfo = seq(
      int(1),
      encodeOid(TSA_POLICY_OID),
      seq(req.hashAlgorithm, tlv(TAG.OCTET_STRING, req.hashedMessage)),
      serialNumber(),
      generalizedTime(genTime),
      seq(int(1)), // Accuracy { seconds 1 }
      ...(req.nonce ? [req.nonce] : []),
      p.tsaName,
    );
    const attrs = [
      this.contentTypeAttr,
      attribute(OID.signingTime, encodeTime(genTime)),
      attribute(OID.messageDigest, tlv(TAG.OCTET_STRING, createHash(p.hash).update(tstInfo).digest())),
      p.essAttr,
    ].sort(derSetOrder);
    // The signature covers the attributes as a SET (RFC 5652 §5.4); the SignerInfo carries them as [0] IMPLICIT.
    const signature = sign(p.hash, tlv(TAG.SET, ...attrs), { key: p.material.privateKey, dsaEncoding: 'der' });
    const signerInfo = seq(int(1), p.sid, p.digestAlgorithm, tlv(0xa0, ...attrs), p.signatureAlgorithm, tlv(TAG.OCTET_STRING, signature));
    const signedData = seq(
      int(3),
      tlv(TAG.SET, p.digestAlgorithm),
      seq(encodeOid(OID.tstInfo), tlv(0xa0, tlv(TAG.OCTET_STRING, tstInfo))),
      ...(req.certReq ? [p.certificates] : []),
      tlv(TAG.SET, signerInfo),
    );
    const token = seq(encodeOid(OID.signedData), tlv(0xa0, signedData));
    return { response: bufferOf(seq(seq(int(0)), token)), genTime };
  }
}
