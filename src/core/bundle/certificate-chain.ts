/**
 * Path validation (RFC 5280 §6, the subset sigstore clients apply; fulcio-and-clients.md §5.2
 * step 2): from a leaf to a certificate authority of the trusted root, every certificate valid
 * at the verified time `at`, the authority's validFor containing it, issuers that are CAs with
 * certSign and a path length that allows the path, and a leaf fit for its purpose (code signing
 * for Fulcio leaves, time stamping for TSA leaves).
 */
import type { CoreCrypto } from '../crypto.js';
import type { Certificate } from '../x509.js';
import { equalBytes } from '../bytes.js';
import { BundleVerificationError, type BundleFailure } from './errors.js';
import { issuedBy, viewCertificate, type CertView } from './cert.js';
import { asTrustedRoot, withinValidity, type TrustedAuthority } from './trusted-root.js';

export type LeafPurpose = 'Code Signing' | 'Time Stamping';

export interface ChainResult {
  readonly chain: Certificate[];
  readonly authority: string;
}

const iso = (d: Date): string => d.toISOString();

function covers(c: Certificate, at: Date): boolean {
  return c.notBefore.getTime() <= at.getTime() && at.getTime() <= c.notAfter.getTime();
}

/**
 * Critical extensions a verifier must understand or refuse (RFC 5280 §4.2); the set Go's x509
 * handles. Anything else critical, such as the CT poison of a precertificate, makes the
 * certificate unusable: a precertificate is not a certificate.
 */
const UNDERSTOOD_CRITICAL = new Set(['2.5.29.15', '2.5.29.37', '2.5.29.19', '2.5.29.17', '2.5.29.30', '2.5.29.32', '2.5.29.36', '2.5.29.54', '2.5.29.35', '2.5.29.14']);

function unhandledCritical(c: CertView): string | undefined {
  return c.raw.extensions.find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.oid))?.oid;
}

function leafProblem(leaf: CertView, purpose: LeafPurpose): string | undefined {
  if (leaf.isCa) return 'the signing certificate is a CA certificate';
  if (!leaf.cert.extKeyUsage.includes(purpose)) return `the leaf certificate's extended key usage (${leaf.cert.extKeyUsage.join(', ') || 'none'}) does not include ${purpose}`;
  if (purpose === 'Time Stamping') {
    // RFC 3161 §2.3: the TSA leaf has exactly one EKU, timeStamping, and it is critical.
    const eku = leaf.raw.extensions.find((e) => e.oid === '2.5.29.37');
    if (!eku?.critical || leaf.cert.extKeyUsage.length !== 1) return 'the TSA certificate must carry exactly one critical extended key usage, timeStamping';
  }
  if (leaf.cert.keyUsage.length > 0 && !leaf.cert.keyUsage.includes('Digital Signature')) return `the leaf certificate's key usage (${leaf.cert.keyUsage.join(', ')}) does not allow digital signatures`;
  return undefined;
}

/** Tries one authority; returns the path or the reason (with the failure class) it does not hold. */
function pathThrough(crypto: CoreCrypto, leaf: CertView, authority: TrustedAuthority, pool: CertView[], at: Date): CertView[] | { code: BundleFailure; message: string } {
  const path: CertView[] = [leaf];
  for (let current = leaf; ; ) {
    if (path.length > pool.length + 1) return { code: 'certificate-chain', message: 'the certificate path is longer than the authority\'s chain' };
    const issuer = pool.find((p) => !path.includes(p) && issuedBy(crypto, current, p));
    if (!issuer) {
      if (path.length > 1) break; // reached the top of the authority's chain
      return { code: 'certificate-chain', message: `not issued by ${authority.name}` };
    }
    path.push(issuer);
    if (equalBytes(issuer.raw.subject, issuer.raw.issuer)) break; // the self-signed root
    current = issuer;
  }
  // The path must end at the authority's anchor (the last certificate it lists).
  const anchor = pool[pool.length - 1];
  if (anchor && path[path.length - 1] !== anchor) return { code: 'certificate-chain', message: `the path does not end at ${authority.name}'s root` };
  for (const c of path) {
    const oid = unhandledCritical(c);
    if (oid) return { code: 'certificate-usage', message: `${c === leaf ? 'the leaf certificate' : c.cert.subject} carries the critical extension ${oid}, which a verifier does not understand` };
  }
  for (let i = 1; i < path.length; i++) {
    const ca = path[i] as CertView;
    if (!ca.isCa) return { code: 'certificate-usage', message: `issuer ${ca.cert.subject} is not a CA (basic constraints)` };
    if (ca.cert.keyUsage.length > 0 && !ca.cert.keyUsage.includes('Certificate Sign')) return { code: 'certificate-usage', message: `issuer ${ca.cert.subject} may not sign certificates (key usage)` };
    // pathLenConstraint counts the intermediate CA certificates that may follow this one.
    if (ca.pathLen !== undefined && i - 1 > ca.pathLen) return { code: 'certificate-usage', message: `issuer ${ca.cert.subject} allows a path length of ${ca.pathLen}, the path has ${i - 1} intermediates below it` };
  }
  if (!withinValidity(authority.validFor, at)) {
    return { code: 'certificate-validity', message: `${authority.name} is trusted from ${iso(authority.validFor?.start as Date)}${authority.validFor?.end ? ` to ${iso(authority.validFor.end)}` : ''}, not at ${iso(at)}` };
  }
  for (const c of path) {
    if (!covers(c.cert, at)) return { code: 'certificate-validity', message: `${c === leaf ? 'the leaf certificate' : c.cert.subject} is valid from ${iso(c.cert.notBefore)} to ${iso(c.cert.notAfter)}, not at ${iso(at)}` };
  }
  return path;
}

/** Path validation against a list of authorities, for a leaf of the given purpose. */
export function chainToAuthorities(crypto: CoreCrypto, leafDer: Uint8Array, authorities: readonly TrustedAuthority[], at: Date, purpose: LeafPurpose): ChainResult & { path: CertView[] } {
  let leaf: CertView;
  try {
    leaf = viewCertificate(leafDer);
  } catch (err) {
    throw new BundleVerificationError('bundle-format', `the certificate is not DER X.509: ${(err as Error).message}`);
  }
  const problem = leafProblem(leaf, purpose);
  if (problem) throw new BundleVerificationError('certificate-usage', problem);
  if (authorities.length === 0) throw new BundleVerificationError('certificate-chain', 'the trusted root lists no authority for this kind of certificate');
  let best: { code: BundleFailure; message: string } | undefined;
  for (const authority of authorities) {
    const pool = authority.certificates.map((c) => viewCertificate(c.der));
    const result = pathThrough(crypto, leaf, authority, pool, at);
    if (Array.isArray(result)) return { chain: result.map((c) => c.cert), authority: authority.name, path: result };
    // A path that exists but fails a later rule is the more useful explanation.
    if (!best || best.code === 'certificate-chain') best = result;
  }
  throw new BundleVerificationError(best?.code ?? 'certificate-chain', best?.message ?? 'no path');
}

/**
 * The Fulcio leaf's path to a `certificateAuthorities` entry at `at`. Throws a
 * BundleVerificationError ('certificate-chain', 'certificate-validity' or 'certificate-usage').
 */
export function verifyCertificateChain(leafDer: Uint8Array, trustedRoot: unknown, at: Date, crypto: CoreCrypto): ChainResult {
  const { chain, authority } = chainToAuthorities(crypto, leafDer, asTrustedRoot(trustedRoot).certificateAuthorities, at, 'Code Signing');
  return { chain, authority };
}
