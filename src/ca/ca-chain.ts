/**
 * Generating a fresh two-level CA like the public-good Fulcio's (ECDSA P-384 root and
 * intermediate): RFC 5280 §4.2.1 profile for CA certificates
 * (https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1).
 *
 *   root          O=sealhouse, CN=sealhouse-root          self-signed, CA pathLen 1, SKI = AKI
 *   intermediate  O=sealhouse, CN=sealhouse-intermediate  signed by root, CA pathLen 0,
 *                                                          EKU codeSigning, AKI = root SKI
 *
 * The intermediate carries EKU codeSigning because Fulcio refuses an issuing intermediate
 * without it (pkg/ca VerifyCertChain) and Go verifiers nest EKUs down the chain.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  authorityKeyIdExt,
  basicConstraintsCa,
  caName,
  extKeyUsageCodeSigning,
  type ExtensionSpec,
  keyIdentifier,
  keyUsage,
  subjectKeyIdExt,
} from './extensions.js';
import { type Clock, systemClock } from '../clock.js';
import { encodeTbs, randomSerial, truncateToSeconds } from './tbs.js';
import { signatureAlgorithmFor, signTbs } from './x509-sign.js';

export interface CaGenerationOptions {
  readonly organization?: string;
  readonly rootCommonName?: string;
  readonly intermediateCommonName?: string;
  readonly validityYears?: number;
  readonly clock?: Clock;
}

export interface GeneratedCa {
  readonly rootKey: KeyObject;
  readonly root: Buffer;
  readonly intermediateKey: KeyObject;
  readonly intermediate: Buffer;
}

const newP384 = (): { privateKey: KeyObject; spki: Buffer } => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
};

interface CaCertSpec {
  readonly subject: Buffer;
  readonly spki: Buffer;
  readonly issuer: Buffer;
  readonly issuerKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly ExtensionSpec[];
}

function caCertificate(spec: CaCertSpec): Buffer {
  const alg = signatureAlgorithmFor(spec.issuerKey);
  const tbs = encodeTbs({ serial: randomSerial(), signatureAlgorithm: alg, ...spec }, spec.extensions);
  return signTbs(tbs, spec.issuerKey, alg);
}

/** A CA certificate's key and what the certificates it signs must name: its subject and key identifier. */
export interface Issuer {
  readonly key: KeyObject;
  readonly certificate: Buffer;
  readonly name: Buffer;
  readonly keyId: Buffer;
  readonly notAfter: Date;
}

const validity = (opts: CaGenerationOptions, years: number): { notBefore: Date; notAfter: Date } => {
  const notBefore = truncateToSeconds((opts.clock ?? systemClock).now());
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  return { notBefore, notAfter };
};

/** A self-signed root (CA, pathLen 1, SKI = AKI) and its new P-384 key. */
export function generateRoot(opts: CaGenerationOptions = {}): Issuer {
  const org = opts.organization ?? 'sealhouse';
  const { notBefore, notAfter } = validity(opts, opts.validityYears ?? 10);
  const root = newP384();
  const name = caName(org, opts.rootCommonName ?? `${org}-root`);
  const keyId = keyIdentifier(root.spki);
  const certificate = caCertificate({
    subject: name,
    spki: root.spki,
    issuer: name,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    extensions: [keyUsage('ca'), basicConstraintsCa(1), subjectKeyIdExt(keyId), authorityKeyIdExt(keyId)],
  });
  return { key: root.privateKey, certificate, name, keyId, notAfter };
}

/**
 * The issuing intermediate for `spki`, signed by `root`: CA pathLen 0, EKU codeSigning, AKI =
 * the root's key identifier. It never outlives the root, since a chain is only as valid as its
 * shortest-lived certificate.
 */
export function signIntermediate(root: Issuer, spki: Buffer, opts: CaGenerationOptions = {}): Buffer {
  const org = opts.organization ?? 'sealhouse';
  const { notBefore, notAfter } = validity(opts, opts.validityYears ?? 10);
  return caCertificate({
    subject: caName(org, opts.intermediateCommonName ?? `${org}-intermediate`),
    spki,
    issuer: root.name,
    issuerKey: root.key,
    notBefore,
    notAfter: notAfter > root.notAfter ? root.notAfter : notAfter,
    extensions: [keyUsage('ca'), extKeyUsageCodeSigning(), basicConstraintsCa(0), subjectKeyIdExt(keyIdentifier(spki)), authorityKeyIdExt(root.keyId)],
  });
}

export function generateCaChain(opts: CaGenerationOptions = {}): GeneratedCa {
  const root = generateRoot(opts);
  const inter = newP384();
  return { rootKey: root.key, root: root.certificate, intermediateKey: inter.privateKey, intermediate: signIntermediate(root, inter.spki, opts) };
}
