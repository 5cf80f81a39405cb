/**
 * X.509 certificates as Rekor's pki/x509 package reads them: the raw DER is kept byte-for-byte
 * (the canonical PEM is Go's pem.Encode of cert.Raw), the key comes from the SPKI, and a chain is
 * verified only as Go's x509 Verify does for Rekor: last cert = root, any key usage, evaluated at
 * the leaf's NotBefore (rekor-api.md §2.1 step 1; RFC 5280 §4.1, §6).
 * https://www.rfc-editor.org/rfc/rfc5280#section-4.1
 */
import { X509Certificate } from 'node:crypto';
import { bufferOf } from '../buffer-view.js';
import { readOne, TAG } from '../core/der.js';
import { readCertificate } from '../core/x509-raw.js';
import { entryError } from './fields.js';
import { checkSpki, type CheckedSpki } from './spki-check.js';

export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  /** DER SubjectPublicKeyInfo exactly as embedded in the certificate. */
  spki: Buffer;
  /** The same key, read from its bytes before OpenSSL ever saw it (spki-check.ts). */
  key: CheckedSpki;
  notBefore: number;
  notAfter: number;
  /** Contents of each extension's extnValue OCTET STRING, by OID. */
  extensions: Map<string, Buffer>;
}

/**
 * One DER certificate, read by core/x509-raw.ts (the one X.509 reader) and only then handed to
 * node:crypto's X509Certificate for chain checks; `what` names the field for error messages.
 */
export function loadCertificate(der: Buffer, what: string): ParsedCertificate {
  const bad = (why: string): Error => entryError(`${what}: invalid certificate: ${why}`);
  try {
    readOne(der, TAG.SEQUENCE, 'certificate');
  } catch {
    throw bad('not a single well-formed DER structure');
  }
  let raw;
  try {
    raw = readCertificate(der);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const spki = bufferOf(raw.spki);
  // Before X509Certificate: a hostile key (the EC point at infinity) aborts Node once inspected.
  const verdict = checkSpki(spki);
  if (!verdict.ok) throw bad(`public key: ${verdict.reason}`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (err) {
    throw entryError(`${what}: invalid certificate: ${(err as Error).message}`, err);
  }
  const extensions = new Map(raw.extensions.map((e) => [e.oid, bufferOf(e.value)] as const));
  return { der, x509, spki, key: verdict.key, notBefore: raw.notBefore.getTime(), notAfter: raw.notAfter.getTime(), extensions };
}

/**
 * Go's limit on signature checks while building chains (crypto/x509 maxChainSignatureChecks):
 * beyond it a request is refused, so a crafted chain costs at most this many verifications.
 */
export const MAX_CHAIN_SIGNATURE_CHECKS = 100;

/**
 * Verifies `chain` (leaf first, root last) the way Rekor does for hashedrekord: a path from the
 * leaf through any of the middle certificates to the last one, each link signed by a CA
 * certificate, every certificate on the path valid at the leaf's NotBefore (so expired
 * short-lived Fulcio certificates can still be logged).
 *
 * The search is reachability over "is issued by" edges, not an enumeration of orderings: every
 * certificate is visited once, identical certificates count once, and each signature is checked
 * at most once, with at most MAX_CHAIN_SIGNATURE_CHECKS checks in all. A repeated self-signed CA
 * used to make this try every permutation (P-521: 159 s for a 10 KB request).
 */
export function verifyChain(chain: readonly ParsedCertificate[]): void {
  const leaf = chain[0];
  const root = chain[chain.length - 1];
  if (leaf === undefined || root === undefined || chain.length < 2) return;
  const at = leaf.notBefore;
  const validAt = (c: ParsedCertificate): boolean => c.notBefore <= at && at <= c.notAfter;
  const seen = new Set([leaf.der.toString('base64'), root.der.toString('base64')]);
  // Like Go, the trust anchor itself needs no CA flag; intermediates do. Invalid ones are never used.
  const intermediates = chain.slice(1, -1).filter((c) => {
    const id = c.der.toString('base64');
    if (seen.has(id)) return false;
    seen.add(id);
    return c.x509.ca && validAt(c);
  });
  let checks = 0;
  const issuedBy = (child: ParsedCertificate, issuer: ParsedCertificate): boolean => {
    if (!child.x509.checkIssued(issuer.x509)) return false; // names and key identifiers only: cheap
    if (++checks > MAX_CHAIN_SIGNATURE_CHECKS) {
      throw entryError(`certificate chain is too complex: more than ${MAX_CHAIN_SIGNATURE_CHECKS} signature checks needed to build a path`);
    }
    try {
      return child.x509.verify(issuer.x509.publicKey);
    } catch {
      return false;
    }
  };
  const rootUsable = validAt(root);
  const visited = new Set<ParsedCertificate>([leaf]);
  const queue: ParsedCertificate[] = validAt(leaf) ? [leaf] : [];
  for (let cert = queue.shift(); cert !== undefined; cert = queue.shift()) {
    if (rootUsable && issuedBy(cert, root)) return;
    for (const next of intermediates) {
      if (visited.has(next) || !issuedBy(cert, next)) continue;
      visited.add(next);
      queue.push(next);
    }
  }
  const when = new Date(at).toISOString();
  throw entryError(
    `certificate chain does not verify: no path from the leaf to the last certificate (root) valid at the leaf's NotBefore ${when}`,
  );
}
