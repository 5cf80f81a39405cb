/**
 * What can be checked about an entry's content, beyond the log's proofs: the integrated time
 * lies inside the signing certificate's validity (what sigstore verifiers require for a Fulcio
 * certificate, rekor-api.md §5.2); a hashedrekord signature verifies over its digest with the
 * logged key (ECDSA only; the server checks every key type at submission); and the identity —
 * the certificate's SAN and issuer — is vouched for only when the certificate chains to a
 * certificate authority of the trusted root and carries an SCT from one of its CT logs
 * (fulcio-and-clients.md §5.2). Anyone can log a self-signed certificate naming anyone.
 */
import { base64ToBytes, equalBytes, hexToBytes } from './bytes.js';
import { decodeBody, parseBodyJson, type DecodedBody } from './body.js';
import { run, type Check } from './checks.js';
import type { CoreCrypto, HashAlgorithm } from './crypto.js';
import { verifyCertificateChain } from './bundle/certificate-chain.js';
import { verifySctsForLeaf } from './bundle/sct.js';
import type { Certificate } from './x509.js';

const DIGEST_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

const signingCertificates = (decoded: DecodedBody): Certificate[] =>
  (decoded.kind === 'hashedrekord' ? [decoded.signature] : decoded.kind === 'other' ? [] : decoded.signatures).flatMap((s) => s.verifier.certificates.slice(0, 1));

function certTimeCheck(decoded: DecodedBody, integratedTime: number): Check {
  const leaves = signingCertificates(decoded);
  const title = 'Integrated while the certificate was valid';
  if (leaves.length === 0) return run('cert-time', title, 'the entry is signed with a bare public key, not a certificate');
  return run('cert-time', title, () => {
    const t = new Date(integratedTime * 1000);
    for (const c of leaves) {
      if (t < c.notBefore || t > c.notAfter) {
        throw new Error(`integrated at ${t.toISOString()}, outside the certificate's validity ${c.notBefore.toISOString()} – ${c.notAfter.toISOString()}`);
      }
    }
    return `${t.toISOString()} is within ${leaves.map((c) => `${c.notBefore.toISOString()} – ${c.notAfter.toISOString()}`).join(', ')}`;
  });
}

function signatureCheck(decoded: DecodedBody, crypto: CoreCrypto): Check {
  const title = 'Artifact signature over the digest';
  if (decoded.kind !== 'hashedrekord') return run('signature', title, `a ${decoded.kind === 'other' ? decoded.name : decoded.kind} entry logs only hashes of the signed envelope`);
  const { hash, signature } = decoded;
  const key = signature.verifier.publicKey;
  if (!key) return run('signature', title, () => {
    throw new Error(signature.verifier.error ?? 'the entry has no readable key');
  });
  if (key.algorithm !== 'ecdsa' || !key.curve) return run('signature', title, `the browser checks ECDSA signatures only; this key is ${key.description}`);
  return run('signature', title, () => {
    if (!hash || DIGEST_BYTES[hash.algorithm] === undefined) throw new Error('the entry has no sha256/sha384/sha512 digest');
    const digest = hexToBytes(hash.value);
    if (digest.length !== DIGEST_BYTES[hash.algorithm]) throw new Error(`the ${hash.algorithm} digest has ${digest.length} bytes`);
    // hashedrekord signs the digest; DER or raw r‖s, as Rekor accepts (rekor-api.md §2.1).
    if (!crypto.verify({ spki: key.der, hash: hash.algorithm as HashAlgorithm, signature: base64ToBytes(signature.signature), data: digest, prehashed: true })) {
      throw new Error(`the signature does not verify over ${hash.algorithm}:${hash.value} with the logged ${key.description} key`);
    }
    return `${key.description} signature over ${hash.algorithm}:${hash.value}`;
  });
}

/** Who a certificate names: its SANs, and the OIDC issuer Fulcio recorded (OID .1.8, else .1.1). */
export function identityOf(c: Certificate): string {
  const issuer = c.fulcio.find((f) => f.arc === 8) ?? c.fulcio.find((f) => f.arc === 1);
  return `${c.san.map((s) => s.value).join(', ') || '(no SAN)'}${issuer ? ` (issuer ${issuer.value})` : ''}`;
}

/**
 * The identity is verified when every signing certificate chains to the trusted root's CA at
 * the integrated time and carries an SCT that verifies with one of its CT logs. `trustedRoot`
 * is the trusted_root.json (raw or parsed by src/core/bundle/trusted-root.ts); without one,
 * only the log key is known and no identity can be vouched for.
 */
function identityCheck(decoded: DecodedBody, integratedTime: number, trustedRoot: unknown, crypto: CoreCrypto): Check {
  const title = 'Identity: certificate issued by the trusted CA, with an SCT';
  const leaves = decoded.kind === 'hashedrekord' ? [decoded.signature] : decoded.kind === 'other' ? [] : decoded.signatures;
  const certified = leaves.filter((s) => s.verifier.certificates.length > 0);
  if (certified.length === 0) return run('identity', title, 'signed with a bare public key: the entry names no identity');
  return run('identity', title, () => {
    if (trustedRoot === undefined) {
      throw new Error('identity NOT verified: only the log key is trusted (no trusted root with certificate authorities), so the certificate cannot be checked');
    }
    const at = new Date(integratedTime * 1000);
    return certified.map((s) => {
      const [leaf, ...rest] = s.verifier.certificates as [Certificate, ...Certificate[]];
      let chain: { chain: Certificate[]; authority: string };
      try {
        chain = verifyCertificateChain(leaf.der, trustedRoot, at, crypto);
      } catch (err) {
        throw new Error(`identity NOT verified: certificate does not chain to the trusted CA (${(err as Error).message})`);
      }
      // The issuer is the first certificate of the path after the leaf.
      const issuer = chain.chain.find((c) => !equalBytes(c.der, leaf.der)) ?? rest[0];
      let scts: { logIdHex: string; time: Date }[];
      try {
        if (!issuer) throw new Error('the issuing certificate is unknown');
        scts = verifySctsForLeaf(leaf.der, issuer.der, trustedRoot, crypto);
      } catch (err) {
        throw new Error(`identity NOT verified: no valid SCT from a trusted CT log (${(err as Error).message})`);
      }
      const sct = scts[0];
      return `${identityOf(leaf)}: issued by ${chain.authority}${sct ? `, SCT from CT log ${sct.logIdHex.slice(0, 16)}… at ${sct.time.toISOString()}` : ''}`;
    }).join('; ');
  });
}

export interface BodyCheckOptions {
  readonly crypto: CoreCrypto;
  /** The trusted_root.json whose CAs and CT logs vouch for identities; absent: none can be. */
  readonly trustedRoot?: unknown;
}

export function bodyChecks(bodyB64: string, integratedTime: number, opts: BodyCheckOptions): Check[] {
  let decoded: DecodedBody;
  try {
    decoded = decodeBody(parseBodyJson(bodyB64));
  } catch (err) {
    return [run('signature', 'Entry body', () => {
      throw err;
    })];
  }
  return [certTimeCheck(decoded, integratedTime), signatureCheck(decoded, opts.crypto), identityCheck(decoded, integratedTime, opts.trustedRoot, opts.crypto)];
}
