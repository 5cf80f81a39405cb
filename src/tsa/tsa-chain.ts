/**
 * Generating the timestamp authority's certificate chain [leaf, root] on first start, with the
 * CA room's certificate machinery (ca/tbs.ts, ca/x509-sign.ts, ca/extensions.ts):
 *
 *   root  O=<org>, CN=<org>-tsa-root  self-signed, CA pathLen 0, keyCertSign + cRLSign, SKI = AKI
 *   leaf  O=<org>, CN=<org>-tsa       signed by the root, digitalSignature, a **critical** EKU of
 *                                     exactly id-kp-timeStamping, no BasicConstraints (not a CA)
 *
 * The leaf profile is what RFC 3161 §2.3 asks of a TSA certificate and what every verifier
 * checks: OpenSSL's timestamp purpose (critical EKU, timeStamping only, KU digitalSignature),
 * sigstore-go through timestamp-authority's pkg/verification (critical EKU, not a CA) and our own
 * core (core/bundle/certificate-chain.ts). No intermediate: clients accept a chain of two, and an
 * intermediate would have to carry the timeStamping EKU for Go's EKU nesting.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import { TAG, tlv } from '../ca/der.js';
import { authorityKeyIdExt, basicConstraintsCa, caName, type ExtensionSpec, keyIdentifier, keyUsage, OID, subjectKeyIdExt } from '../ca/extensions.js';
import { encodeTbs, randomSerial, truncateToSeconds } from '../ca/tbs.js';
import { encodeOid, signatureAlgorithmFor, signTbs } from '../ca/x509-sign.js';

/** id-kp-timeStamping (RFC 5280 §4.2.1.12). */
export const TIME_STAMPING_OID = '1.3.6.1.5.5.7.3.8';

/** ExtendedKeyUsage with the one purpose a TSA leaf may have, marked critical (RFC 3161 §2.3). */
export const timeStampingEku = (): ExtensionSpec => ({
  oid: OID.extKeyUsage,
  critical: true,
  value: tlv(TAG.SEQUENCE, encodeOid(TIME_STAMPING_OID)),
});

export interface TsaChainOptions {
  readonly organization?: string;
  readonly validityYears?: number;
  readonly clock?: Clock;
}

const spkiOf = (privateKey: KeyObject): Buffer => createPublicKey(privateKey).export({ type: 'spki', format: 'der' });

/** [leaf, root] DER, the leaf certifying `leafKey` and the root self-signed with `rootKey`. */
export function generateTsaChain(rootKey: KeyObject, leafKey: KeyObject, opts: TsaChainOptions = {}): [Buffer, Buffer] {
  const org = opts.organization ?? 'sealhouse';
  const notBefore = truncateToSeconds((opts.clock ?? systemClock).now());
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.validityYears ?? 10));

  const rootSpki = spkiOf(rootKey);
  const rootSki = keyIdentifier(rootSpki);
  const rootName = caName(org, `${org}-tsa-root`);
  const rootAlg = signatureAlgorithmFor(rootKey);
  const root = signTbs(
    encodeTbs({ serial: randomSerial(), signatureAlgorithm: rootAlg, issuer: rootName, subject: rootName, spki: rootSpki, notBefore, notAfter }, [
      keyUsage('ca'),
      basicConstraintsCa(0),
      subjectKeyIdExt(rootSki),
      authorityKeyIdExt(rootSki),
    ]),
    rootKey,
    rootAlg,
  );

  const leafSpki = spkiOf(leafKey);
  const leaf = signTbs(
    encodeTbs(
      { serial: randomSerial(), signatureAlgorithm: rootAlg, issuer: rootName, subject: caName(org, `${org}-tsa`), spki: leafSpki, notBefore, notAfter },
      [keyUsage('leaf'), timeStampingEku(), subjectKeyIdExt(keyIdentifier(leafSpki)), authorityKeyIdExt(rootSki)],
    ),
    rootKey,
    rootAlg,
  );
  return [leaf, root];
}
