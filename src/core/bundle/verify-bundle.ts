/**
 * Sigstore bundle verification as a client performs it (fulcio-and-clients.md §5.2; the order
 * and rules of sigstore-go's verify package and sigstore-python's Verifier):
 *
 *   1. the bundle and trusted root are well formed, of a known media type;
 *   2. the artifact is the one signed, and the signature (message or DSSE PAE) verifies with
 *      the signer's key: the certificate's, or the caller's for key-signed bundles;
 *   3. every transparency log entry: trusted log, SET and/or inclusion proof to a signed
 *      checkpoint, and a body that records this signature, digest and signer;
 *   4. verified times: SET-promised integrated times and RFC 3161 timestamps; at least one;
 *   5. the certificate chains to a trusted CA at every verified time, and its embedded SCT
 *      verifies against a trusted CT log;
 *   6. the identity policy: SAN and OIDC issuer, exact or by regular expression.
 *
 * Everything is synchronous: CoreCrypto is.
 */
import { equalBytes, fromUtf8, toHex } from '../bytes.js';
import type { CoreCrypto, HashAlgorithm } from '../crypto.js';
import { parseSpki } from '../spki.js';
import type { Certificate } from '../x509.js';
import { checkBody, pae, type Digest, type SignerKeys } from './body-match.js';
import { parseBundle, type ParsedBundle } from './bundle-json.js';
import { defaultHash, viewCertificate } from './cert.js';
import { chainToAuthorities } from './certificate-chain.js';
import { BundleVerificationError, need, type BundleFailure } from './errors.js';
import { verifyTimestampToken } from './rfc3161.js';
import { verifySctsForLeaf } from './sct.js';
import { verifyTlogEntry } from './tlog.js';
import { asTrustedRoot, withinValidity, type TrustedRoot } from './trusted-root.js';

export { BundleVerificationError, type BundleFailure } from './errors.js';

/** Who must have signed: exact values and/or regular expressions (all given must match). */
export interface IdentityPolicy {
  /** Matched against each SAN value (email, URI, otherName username); one must match. */
  readonly subject?: string;
  readonly subjectRegExp?: RegExp;
  /** Matched against the Fulcio OIDC issuer extension (1.3.6.1.4.1.57264.1.8, else .1). */
  readonly issuer?: string;
  readonly issuerRegExp?: RegExp;
}

export type ArtifactInput = { readonly bytes: Uint8Array } | { readonly digest: { algorithm: 'sha256' | 'sha384' | 'sha512'; value: Uint8Array } };

export interface VerifyBundleOptions {
  readonly crypto: CoreCrypto;
  /** A parsed trusted_root.json (v0.1 media type); validated here. */
  readonly trustedRoot: unknown;
  /** The artifact, or its digest; for a DSSE in-toto bundle, a subject of the statement. */
  readonly artifact: ArtifactInput;
  /** Required for certificate-signed bundles. */
  readonly identity?: IdentityPolicy;
  /** SPKI DER, for key-signed bundles (then `identity` is not used). */
  readonly publicKey?: Uint8Array;
  /** When given, a verified time later than this (plus a minute of clock skew) is refused. */
  readonly now?: Date;
}

export interface BundleVerification {
  readonly signer: { kind: 'certificate'; subject: string; issuer: string | undefined; certificateDer: Uint8Array } | { kind: 'key' };
  /**
   * The verified times and who vouched for them. 'integrated' is never reported: an integrated
   * time without a SET is the log's unsigned word (fulcio-and-clients.md §5.2), not evidence.
   */
  readonly timestamps: readonly { kind: 'set' | 'rfc3161' | 'integrated'; time: Date; by: string }[];
  readonly tlogEntries: readonly { logIndex: number; logIdHex: string; integratedTime: number }[];
  readonly checks: readonly string[];
}

const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

/** The identities a Fulcio leaf names: SAN email, URI, and otherName (username) values. */
export function certificateIdentities(cert: Certificate): string[] {
  return cert.san
    .filter((s) => s.type === 'email' || s.type === 'uri' || s.type === 'otherName' || s.type === 'dns')
    .map((s) => (s.type === 'otherName' ? s.value.replace(/ \(\d+(?:\.\d+)+\)$/, '') : s.value));
}

/** The OIDC issuer: the DER-encoded extension .8, else the deprecated raw .1. */
export function certificateIssuer(cert: Certificate): string | undefined {
  return (cert.fulcio.find((f) => f.oid === FULCIO_ISSUER_V2) ?? cert.fulcio.find((f) => f.oid === FULCIO_ISSUER_V1))?.value;
}

function matches(value: string, exact: string | undefined, re: RegExp | undefined): boolean {
  if (exact !== undefined && value !== exact) return false;
  if (re !== undefined) {
    re.lastIndex = 0;
    if (!re.test(value)) return false;
  }
  return true;
}

function artifactDigest(crypto: CoreCrypto, artifact: ArtifactInput, algorithm: HashAlgorithm): Digest {
  if ('bytes' in artifact) return { algorithm, value: crypto.digest(algorithm, artifact.bytes) };
  need(artifact.digest.algorithm === algorithm, 'artifact-mismatch', `the artifact digest is ${artifact.digest.algorithm}, the bundle signed a ${algorithm} digest`);
  return artifact.digest;
}

/**
 * A DSSE in-toto statement must name the artifact among its subjects; any other payload is
 * itself what was signed, so the artifact must be the payload.
 */
function checkStatementSubject(crypto: CoreCrypto, payload: Uint8Array, payloadType: string, artifact: ArtifactInput): string {
  if (payloadType !== 'application/vnd.in-toto+json') {
    const same = 'bytes' in artifact ? equalBytes(artifact.bytes, payload) : equalBytes(artifact.digest.value, crypto.digest(artifact.digest.algorithm, payload));
    need(same, 'artifact-mismatch', `the artifact is not the DSSE payload (type ${JSON.stringify(payloadType)}, not an in-toto statement)`);
    return `the artifact is the DSSE payload (${payloadType})`;
  }
  let statement: { subject?: { name?: string; digest?: Record<string, string> }[] };
  try {
    statement = JSON.parse(fromUtf8(payload)) as typeof statement;
  } catch {
    throw new BundleVerificationError('bundle-format', 'the DSSE payload is not a JSON in-toto statement');
  }
  const subjects = Array.isArray(statement?.subject) ? statement.subject : [];
  for (const s of subjects) {
    for (const [alg, hex] of Object.entries(s?.digest ?? {})) {
      if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') continue;
      if ('digest' in artifact && artifact.digest.algorithm !== alg) continue;
      const want = 'bytes' in artifact ? crypto.digest(alg, artifact.bytes) : artifact.digest.value;
      if (typeof hex === 'string' && hex.toLowerCase() === toHex(want)) return `the in-toto statement names the artifact (${s.name ?? 'unnamed subject'}, ${alg}:${hex.toLowerCase()})`;
    }
  }
  throw new BundleVerificationError('artifact-mismatch', `the artifact is none of the in-toto statement's ${subjects.length} subjects`);
}

function verifySignature(crypto: CoreCrypto, b: ParsedBundle, spki: Uint8Array, keyHash: HashAlgorithm, artifact: ArtifactInput, code: BundleFailure, checks: string[]): Digest | undefined {
  const c = b.content;
  if (c.kind === 'message') {
    const algorithm = c.digest?.algorithm ?? ('digest' in artifact ? artifact.digest.algorithm : keyHash);
    const digest = artifactDigest(crypto, artifact, algorithm);
    if (c.digest) need(equalBytes(c.digest.value, digest.value), 'artifact-mismatch', `the artifact's ${algorithm} digest ${toHex(digest.value)} is not the signed one ${toHex(c.digest.value)}`);
    const ok = 'bytes' in artifact
      ? crypto.verify({ spki, hash: algorithm, signature: c.signature, data: artifact.bytes })
      : crypto.verify({ spki, hash: algorithm, signature: c.signature, data: digest.value, prehashed: true });
    need(ok, code, code === 'public-key' ? 'the signature does not verify with the given public key' : 'the artifact signature does not verify with the certificate\'s key');
    checks.push(`the signature over the artifact (${algorithm}:${toHex(digest.value)}) verifies`);
    return digest;
  }
  checks.push(checkStatementSubject(crypto, c.payload, c.payloadType, artifact));
  need(crypto.verify({ spki, hash: keyHash, signature: c.signature, data: pae(c.payloadType, c.payload) }), code, code === 'public-key' ? 'the DSSE signature does not verify with the given public key' : 'the DSSE envelope signature does not verify with the certificate\'s key');
  checks.push(`the DSSE envelope signature over PAE(${c.payloadType}) verifies`);
  return undefined;
}

export function verifyBundle(bundle: unknown, opts: VerifyBundleOptions): BundleVerification {
  const { crypto } = opts;
  const b = parseBundle(bundle);
  const root: TrustedRoot = asTrustedRoot(opts.trustedRoot);
  const checks: string[] = [`bundle media type v${b.version}`];

  // Who signed, and the key the signature must verify with.
  let keys: SignerKeys;
  let keyHash: HashAlgorithm;
  let leaf: Certificate | undefined;
  if (b.signer.kind === 'certificate') {
    need(opts.identity !== undefined, 'policy', 'a certificate-signed bundle needs an identity policy (subject and issuer) to verify against');
    need(opts.publicKey === undefined, 'policy', 'a public key was given, but the bundle is signed with a certificate');
    try {
      leaf = viewCertificate(b.signer.leafDer).cert;
    } catch (err) {
      throw new BundleVerificationError('bundle-format', `the bundle's certificate is not DER X.509: ${(err as Error).message}`);
    }
    for (const extra of b.extraCertificates) {
      const v = viewCertificate(extra);
      need(!equalBytes(v.raw.issuer, v.raw.subject), 'certificate-chain', 'the bundle\'s certificate chain contains a root certificate; roots come only from the trusted root');
    }
    keys = { certificateDer: b.signer.leafDer, spki: leaf.publicKey.der };
    keyHash = defaultHash(leaf);
  } else {
    need(opts.publicKey !== undefined, 'policy', 'a key-signed bundle needs the public key to verify against');
    keys = { spki: opts.publicKey };
    keyHash = 'sha256';
    try {
      keyHash = defaultHash({ publicKey: parseSpki(opts.publicKey) });
    } catch {
      throw new BundleVerificationError('policy', 'the given public key is not a DER SubjectPublicKeyInfo');
    }
  }

  const digest = verifySignature(crypto, b, keys.spki, keyHash, opts.artifact, b.signer.kind === 'key' ? 'public-key' : 'signature', checks);

  // Transparency log entries.
  need(b.tlogEntries.length > 0, 'tlog-missing', 'the bundle has no transparency log entry');
  const timestamps: { kind: 'set' | 'rfc3161' | 'integrated'; time: Date; by: string }[] = [];
  const tlogLogs: TrustedRoot['tlogs'] = [];
  for (const entry of b.tlogEntries) {
    const result = verifyTlogEntry(crypto, entry, root);
    checks.push(...result.checks);
    checks.push(checkBody(crypto, entry, b.content, keys, keyHash, digest));
    if (result.promisedTime) timestamps.push({ kind: 'set', time: result.promisedTime, by: result.log.baseUrl });
    tlogLogs.push(result.log);
  }

  // RFC 3161 timestamps over the signature bytes.
  // A token that does not verify proves nothing and is not counted (as in sigstore-go and
  // sigstore-python); it fails the bundle only when no other time is verified.
  const signatureBytes = b.content.signature;
  let tokenFailure: BundleVerificationError | undefined;
  for (const token of b.rfc3161) {
    try {
      const t = verifyTimestampToken(crypto, token, signatureBytes, root);
      timestamps.push({ kind: 'rfc3161', time: t.time, by: t.by });
      checks.push(`an RFC 3161 timestamp by ${t.by} dates the signature at ${t.time.toISOString()}`);
    } catch (err) {
      if (!(err instanceof BundleVerificationError)) throw err;
      tokenFailure ??= err;
      checks.push(`an RFC 3161 timestamp was not counted: ${err.message}`);
    }
  }
  if (timestamps.length === 0 && tokenFailure) throw tokenFailure;
  need(timestamps.length > 0, 'timestamp-missing', 'no verified time: the bundle has neither a signed entry timestamp nor an RFC 3161 timestamp');
  // A Rekor v2 entry carries no integrated time: its log key must have been valid when the
  // timestamps say the entry was made.
  b.tlogEntries.forEach((entry, i) => {
    if (entry.integratedTime > 0) return;
    const log = tlogLogs[i];
    for (const t of timestamps) need(withinValidity(log?.validFor, t.time), 'tlog-key', `the key of ${log?.baseUrl} was not valid at ${t.time.toISOString()}`);
  });

  let signer: BundleVerification['signer'] = { kind: 'key' };
  if (b.signer.kind === 'certificate' && leaf) {
    let issuerDer: Uint8Array | undefined;
    for (const t of timestamps) {
      const { path, authority } = chainToAuthorities(crypto, b.signer.leafDer, root.certificateAuthorities, t.time, 'Code Signing');
      issuerDer = path[1]?.der;
      checks.push(`the certificate chains to ${authority} and is valid at ${t.time.toISOString()} (${t.kind})`);
    }
    need(issuerDer !== undefined, 'certificate-chain', 'the certificate has no issuer in the trusted root');
    for (const sct of verifySctsForLeaf(b.signer.leafDer, issuerDer, root, crypto)) checks.push(`the embedded SCT from CT log ${sct.logIdHex} (${sct.time.toISOString()}) verifies`);

    const policy = opts.identity as IdentityPolicy;
    const ids = certificateIdentities(leaf);
    const issuer = certificateIssuer(leaf);
    need(ids.some((id) => matches(id, policy.subject, policy.subjectRegExp)), 'identity', `the certificate's identity ${ids.map((i) => JSON.stringify(i)).join(', ') || '(none)'} does not match ${describe(policy.subject, policy.subjectRegExp)}`);
    need(issuer !== undefined && matches(issuer, policy.issuer, policy.issuerRegExp), 'issuer', `the certificate's OIDC issuer ${JSON.stringify(issuer ?? null)} does not match ${describe(policy.issuer, policy.issuerRegExp)}`);
    checks.push(`signed by ${ids.join(', ')} (issuer ${issuer})`);
    signer = { kind: 'certificate', subject: ids[0] ?? '', issuer, certificateDer: b.signer.leafDer };
  }
  if (opts.now) {
    for (const t of timestamps) need(t.time.getTime() <= opts.now.getTime() + 60_000, 'timestamp-missing', `the ${t.kind} time ${t.time.toISOString()} is in the future`);
  }
  return {
    signer,
    timestamps,
    tlogEntries: b.tlogEntries.map((e) => ({ logIndex: e.logIndex, logIdHex: e.logIdHex, integratedTime: e.integratedTime })),
    checks,
  };
}

function describe(exact: string | undefined, re: RegExp | undefined): string {
  return [exact !== undefined ? JSON.stringify(exact) : '', re ? String(re) : ''].filter(Boolean).join(' and ') || 'anything';
}
