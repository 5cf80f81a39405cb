/**
 * The Fulcio code-signing leaf (reference §2.1–2.2; Fulcio's certificate specification,
 * https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md) and the
 * precertificate flow of RFC 6962 §3.1 (https://www.rfc-editor.org/rfc/rfc6962#section-3.1).
 *
 * A LeafDraft fixes serial, validity, issuer, key and the extension list once; the precert
 * (poison appended) and the final certificate (SCT list appended) are both assembled from those
 * same encoded bytes. So "final TBS minus SCT list == precert TBS minus poison" holds by
 * construction, which is what the CT signature and every verifier depend on (reference §3.3).
 */
import type { KeyObject } from 'node:crypto';
import { assert, coreCall } from '../errors.js';
import { type Clock, systemClock } from '../clock.js';
import { readOne, TAG } from '../core/der.js';
import {
  authorityKeyIdExt,
  ctPoisonExt,
  encodeExtension,
  extKeyUsageCodeSigning,
  keyIdentifier,
  keyUsage,
  type San,
  sctListExt,
  type SigstoreExtension,
  sigstoreExt,
  subjectAltNameExt,
  subjectKeyIdExt,
} from './extensions.js';
import { assembleTbs, EMPTY_NAME, encodeTbsHead, randomSerial, truncateToSeconds } from './tbs.js';
import { assembleCertificate, signatureAlgorithmFor, signTbs, type SignatureAlgorithm } from './x509-sign.js';

/** Signs TBS bytes with the issuing CA key elsewhere (a worker thread) and returns the raw signature. */
export type TbsSigning = (tbs: Buffer) => Promise<Buffer>;

export const LEAF_VALIDITY_MS = 10 * 60 * 1000;

/** What the leaf builder needs from the CA (see CaMaterial). */
export interface IssuingCa {
  /** The issuing certificate's subject Name, raw DER. */
  readonly subject: Buffer;
  readonly subjectKeyId: Buffer;
  readonly privateKey: KeyObject;
}

export interface LeafRequest {
  /** The requester's SubjectPublicKeyInfo, DER, already checked by the PoP step. */
  readonly publicKey: Buffer;
  readonly san: San;
  readonly extensions: readonly SigstoreExtension[];
}

const arcOf = (oid: string): number => Number(oid.slice(oid.lastIndexOf('.') + 1));

/**
 * KeyUsage, ExtKeyUsage and the AKI are the same for every leaf of a CA; encoding them through
 * asn1js/pkijs cost more than the rest of the TBS, so they are encoded once per issuing CA.
 */
const fixedExtensions = new WeakMap<IssuingCa, readonly Buffer[]>();
function caExtensions(ca: IssuingCa): readonly Buffer[] {
  let encoded = fixedExtensions.get(ca);
  if (!encoded) {
    encoded = [keyUsage('leaf'), extKeyUsageCodeSigning(), authorityKeyIdExt(ca.subjectKeyId)].map(encodeExtension);
    fixedExtensions.set(ca, encoded);
  }
  return encoded;
}

export class LeafDraft {
  readonly serial: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  private readonly head: Buffer[];
  private readonly extensions: Buffer[];
  private readonly key: KeyObject;
  private readonly alg: SignatureAlgorithm;

  constructor(ca: IssuingCa, req: LeafRequest, clock: Clock = systemClock) {
    coreCall(() => readOne(req.publicKey, TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
    this.key = ca.privateKey;
    this.alg = signatureAlgorithmFor(ca.privateKey);
    this.serial = randomSerial();
    this.notBefore = truncateToSeconds(clock.now());
    this.notAfter = new Date(this.notBefore.getTime() + LEAF_VALIDITY_MS);
    this.head = encodeTbsHead({
      serial: this.serial,
      signatureAlgorithm: this.alg,
      issuer: ca.subject,
      notBefore: this.notBefore,
      notAfter: this.notAfter,
      subject: EMPTY_NAME,
      spki: req.publicKey,
    });
    // Fulcio renders the sigstore extensions in arc order: .1, .2–.6, .8, .9–.23, .24.
    const sigstore = [...req.extensions].sort((a, b) => arcOf(a.oid) - arcOf(b.oid));
    assert(new Set(sigstore.map((e) => e.oid)).size === sigstore.length, 'duplicate sigstore extension');
    const [ku, eku, aki] = caExtensions(ca) as [Buffer, Buffer, Buffer];
    // Order as in public-good leaves: KU, EKU, SKI, AKI, SAN, sigstore extensions (reference §2.1).
    this.extensions = [ku, eku, encodeExtension(subjectKeyIdExt(keyIdentifier(req.publicKey))), aki, ...[subjectAltNameExt(req.san), ...sigstore.map(sigstoreExt)].map(encodeExtension)];
  }

  /** The TBS a CT log signs for this certificate: the precert's, minus the poison. */
  tbsWithoutPoison(): Buffer {
    return assembleTbs(this.head, this.extensions);
  }

  private precertTbs(): Buffer {
    return assembleTbs(this.head, [...this.extensions, encodeExtension(ctPoisonExt())]);
  }

  private finalTbs(tlsSctList: Buffer): Buffer {
    return assembleTbs(this.head, [...this.extensions, encodeExtension(sctListExt(tlsSctList))]);
  }

  /** Step 1 of RFC 6962 §3.1: the same TBS plus the critical poison, signed by the CA. */
  precertificate(): Buffer {
    return signTbs(this.precertTbs(), this.key, this.alg);
  }

  /** Step 3: the same TBS with the TLS-encoded SignedCertificateTimestampList appended. */
  finalCertificate(tlsSctList: Buffer): Buffer {
    return signTbs(this.finalTbs(tlsSctList), this.key, this.alg);
  }

  /** precertificate(), with the signature made by `sign` (which must use the issuing CA's key). */
  async precertificateWith(sign: TbsSigning): Promise<Buffer> {
    const tbs = this.precertTbs();
    return assembleCertificate(tbs, this.alg, await sign(tbs));
  }

  /** finalCertificate(), with the signature made by `sign`. */
  async finalCertificateWith(tlsSctList: Buffer, sign: TbsSigning): Promise<Buffer> {
    const tbs = this.finalTbs(tlsSctList);
    return assembleCertificate(tbs, this.alg, await sign(tbs));
  }

  /** Without CT at all (Fulcio's detached-SCT path). */
  certificate(): Buffer {
    return signTbs(this.tbsWithoutPoison(), this.key, this.alg);
  }
}
