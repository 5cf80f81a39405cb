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

export function generateCaChain(opts: CaGenerationOptions = {}): GeneratedCa {
  const org = opts.organization ?? 'sealhouse';
  const notBefore = truncateToSeconds((opts.clock ?? systemClock).now());
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.validityYears ?? 10));

  const root = newP384();
  const rootName = caName(org, opts.rootCommonName ?? `${org}-root`);
  const rootSki = keyIdentifier(root.spki);
  const rootCert = caCertificate({
    subject: rootName,
    spki: root.spki,
    issuer: rootName,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    extensions: [keyUsage('ca'), basicConstraintsCa(1), subjectKeyIdExt(rootSki), authorityKeyIdExt(rootSki)],
  });

  const inter = newP384();
  const interCert = caCertificate({
    subject: caName(org, opts.intermediateCommonName ?? `${org}-intermediate`),
    spki: inter.spki,
    issuer: rootName,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    extensions: [
      keyUsage('ca'),
      extKeyUsageCodeSigning(),
      basicConstraintsCa(0),
      subjectKeyIdExt(keyIdentifier(inter.spki)),
      authorityKeyIdExt(rootSki),
    ],
  });
  return { rootKey: root.privateKey, root: rootCert, intermediateKey: inter.privateKey, intermediate: interCert };
}
