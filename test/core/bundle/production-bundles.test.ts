/**
 * Bundles the real clients produced against the public-good instances (sources in
 * test/vectors/bundles/README.md), each verified with its artifact and the trusted root of the
 * instance that logged it: sigstore-python (v0.1–v0.3, GitHub Actions, Rekor v2 with an RFC 3161
 * timestamp), sigstore-java (ECDSA P-256/384/521 and RSA 2048–4096 signers, DSSE on Rekor v1
 * and v2, TSA timestamps), cosign (an OCI attestation). The clients' own negative samples
 * must be refused at the step their names say.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BundleVerificationError, verifyBundle, type BundleFailure, type IdentityPolicy } from '../../../src/core/bundle/verify-bundle.js';
import { nodeCrypto } from '../../../src/node-crypto.js';
import { vectorPath } from '../../helpers/vectors.js';

const read = (rel: string): Buffer => readFileSync(vectorPath(`bundles/${rel}`));
const json = (rel: string): unknown => JSON.parse(read(rel).toString('utf8'));
const ROOTS = { production: json('trusted_root.production.json'), staging: json('trusted_root.staging.json') };

const GOOGLE = 'https://accounts.google.com';
const GITHUB_OAUTH = 'https://github.com/login/oauth';
const ACTIONS = 'https://token.actions.githubusercontent.com';
const CONFORMANCE_SA = 'untrusted-sa@sigstore-conformance.iam.gserviceaccount.com';

interface Case {
  readonly bundle: string;
  readonly artifact: string | { sha256: string };
  readonly root: keyof typeof ROOTS;
  readonly identity: IdentityPolicy;
  /** What the verification must prove: the timestamp kinds. */
  readonly timestamps?: string;
  readonly refused?: BundleFailure;
}

const id = (subject: string, issuer: string): IdentityPolicy => ({ subject, issuer });

const CASES: Case[] = [
  // sigstore-python
  { bundle: 'python/bundle.txt.sigstore', artifact: 'python/bundle.txt', root: 'staging', identity: id('a@tny.town', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'python/bundle_v3.txt.sigstore', artifact: 'python/bundle_v3.txt', root: 'staging', identity: id('william@yossarian.net', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'python/bundle_v3_alt.txt.sigstore', artifact: 'python/bundle_v3_alt.txt', root: 'staging', identity: id('william@yossarian.net', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'python/bundle_v3_github.whl.sigstore', artifact: 'python/bundle_v3_github.whl', root: 'production', identity: id('https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2', ACTIONS), timestamps: 'set' },
  { bundle: 'python/staging-rekor-v2.txt.sigstore.json', artifact: 'python/staging-rekor-v2.txt', root: 'staging', identity: id('jku@goto.fi', GITHUB_OAUTH), timestamps: 'rfc3161' },
  // The DSSE statement's subject is a.txt (not the file beside the bundle): verify by its digest.
  { bundle: 'python/a.dsse.staging-rekor-v2.txt.sigstore.json', artifact: { sha256: 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf' }, root: 'staging', identity: { subjectRegExp: /@/, issuerRegExp: /./ }, timestamps: 'rfc3161' },
  { bundle: 'python/bundle_no_cert_v1.txt.sigstore', artifact: 'python/bundle_no_cert_v1.txt', root: 'production', identity: id('x', 'y'), refused: 'bundle-format' },
  { bundle: 'python/bundle_cve_2022_36056.txt.sigstore', artifact: 'python/bundle_cve_2022_36056.txt', root: 'staging', identity: { subjectRegExp: /./, issuerRegExp: /./ }, refused: 'body-mismatch' },
  { bundle: 'python/bundle_invalid_version.txt.sigstore', artifact: 'python/bundle_invalid_version.txt', root: 'staging', identity: id('x', 'y'), refused: 'media-type' },
  { bundle: 'python/bundle_no_checkpoint.txt.sigstore', artifact: 'python/bundle_no_checkpoint.txt', root: 'staging', identity: id('x', 'y'), refused: 'tlog-missing' },
  // sigstore-js (packages/verify test fixtures): public-good entries, v0.1 and v0.3, Rekor v1 and v2
  { bundle: 'js/v1-message-cert.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'js/v1-dsse-intoto.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'js/v1-dsse-dsse.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), timestamps: 'set' },
  { bundle: 'js/v3-dsse-dssev002.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), timestamps: 'rfc3161' },
  { bundle: 'js/v3-message-hashedrekordv002.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), timestamps: 'rfc3161' },
  // A TSA-only bundle with no log entry: clients require one log entry by default.
  { bundle: 'js/v3-message-cert.sigstore.json', artifact: 'js/artifact.txt', root: 'production', identity: id('brian@dehamer.com', GITHUB_OAUTH), refused: 'tlog-missing' },
  // sigstore-java: one signer per key type, all on production
  ...['PKIX_ECDSA_P256_SHA_256', 'PKIX_ECDSA_P384_SHA_384', 'PKIX_ECDSA_P521_SHA_512', 'PKIX_RSA_PKCS1V15_2048_SHA256', 'PKIX_RSA_PKCS1V15_3072_SHA256', 'PKIX_RSA_PKCS1V15_4096_SHA256'].map(
    (k): Case => ({ bundle: `java/${k}.sigstore.json`, artifact: 'java/artifact.txt', root: 'production', identity: id(CONFORMANCE_SA, GOOGLE), timestamps: 'set' }),
  ),
  ...['bundle.sigstore', 'bundle.v1.sigstore', 'bundle.v1.no.inclusion.sigstore', 'bundle.v2.sigstore', 'bundle.v3.sigstore', 'bundle.v3_1.sigstore'].map(
    (b): Case => ({ bundle: `java/${b}`, artifact: 'java/artifact.txt', root: 'production', identity: id('appu@google.com', GOOGLE), timestamps: 'set' }),
  ),
  { bundle: 'java/bundle-with-timestamp.sigstore', artifact: 'java/artifact.txt', root: 'staging', identity: id('aaronlew@google.com', GOOGLE), timestamps: 'set,rfc3161' },
  { bundle: 'java/bundle-with-rekor-v2-entry.sigstore', artifact: 'java/artifact.txt', root: 'staging', identity: id('aaronlew@google.com', GOOGLE), timestamps: 'rfc3161' },
  { bundle: 'java/bundle.dsse.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: { subjectRegExp: /^https:\/\/github\.com\/loosebazooka\/aa-test\//, issuer: ACTIONS }, timestamps: 'set' },
  { bundle: 'java/bundle.dsse.rekor-v2.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id(CONFORMANCE_SA, GOOGLE), timestamps: 'rfc3161' },
  { bundle: 'java/bundle.v2.no.inclusion.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('appu@google.com', GOOGLE), refused: 'tlog-missing' },
  { bundle: 'java/bundle.v3.no.inclusion.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('appu@google.com', GOOGLE), refused: 'tlog-missing' },
  { bundle: 'java/bundle-no-digest.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'bundle-format' },
  { bundle: 'java/bundle-with-bad-checkpoint-signature.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'checkpoint' },
  { bundle: 'java/bundle-with-expired-cert.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'certificate-validity' },
  { bundle: 'java/bundle-with-mismatched-set.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'set' },
  { bundle: 'java/bundle-with-wrong-tlog-entry.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'body-mismatch' },
  { bundle: 'java/bundle.dsse.bad-signature.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'signature' },
  { bundle: 'java/bundle.dsse.mismatched-envelope.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'body-mismatch' },
  { bundle: 'java/bundle.dsse.mismatched-signature.sigstore', artifact: 'java/artifact.txt', root: 'production', identity: id('x', 'y'), refused: 'body-mismatch' },
  { bundle: 'java/bundle.dsse.rekor-v2.bad-signature.sigstore', artifact: 'java/artifact.txt', root: 'staging', identity: id('x', 'y'), refused: 'signature' },
  { bundle: 'java/bundle.dsse.rekor-v2.mismatched-envelope.sigstore', artifact: 'java/artifact.txt', root: 'staging', identity: id('x', 'y'), refused: 'body-mismatch' },
  { bundle: 'java/bundle.dsse.rekor-v2.mismatched-signature.sigstore', artifact: 'java/artifact.txt', root: 'staging', identity: id('x', 'y'), refused: 'body-mismatch' },
];

function artifactOf(c: Case): { bytes: Uint8Array } | { digest: { algorithm: 'sha256'; value: Uint8Array } } {
  return typeof c.artifact === 'string' ? { bytes: read(c.artifact) } : { digest: { algorithm: 'sha256', value: Buffer.from(c.artifact.sha256, 'hex') } };
}

for (const c of CASES) {
  test(`${c.bundle} ${c.refused ? `is refused (${c.refused})` : `verifies against the ${c.root} root`}`, () => {
    const run = () => verifyBundle(json(c.bundle), { crypto: nodeCrypto, trustedRoot: ROOTS[c.root], artifact: artifactOf(c), identity: c.identity });
    if (c.refused) {
      assert.throws(run, (err: unknown) => err instanceof BundleVerificationError && err.code === c.refused);
      return;
    }
    const result = run();
    assert.equal(result.signer.kind, 'certificate');
    assert.equal(result.timestamps.map((t) => t.kind).join(','), c.timestamps);
    assert.ok(result.tlogEntries.length >= 1);
    assert.ok(result.checks.some((line) => line.includes('embedded SCT')), 'the SCT was checked');
  });
}

test('sigstore-js: a timestamp from a TSA the root does not list is not counted; the SET still dates the signature', () => {
  const r = verifyBundle(json('js/v1-message-cert.sigstore.json'), { crypto: nodeCrypto, trustedRoot: ROOTS.production, artifact: { bytes: read('js/artifact.txt') }, identity: id('brian@dehamer.com', GITHUB_OAUTH) });
  assert.deepEqual(r.timestamps.map((t) => t.kind), ['set']);
  assert.ok(r.checks.some((c) => c.startsWith('an RFC 3161 timestamp was not counted')));
});

test('sigstore-js: a key-signed v0.1 bundle verifies with its key, and not with another', () => {
  const key = Buffer.from(read('js/public-key.pem').toString('utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const opts = { crypto: nodeCrypto, trustedRoot: ROOTS.production, artifact: { bytes: read('js/artifact.txt') } };
  assert.deepEqual(verifyBundle(json('js/v1-message-key.sigstore.json'), { ...opts, publicKey: key }).signer, { kind: 'key' });
  const other = Buffer.from(read('conformance/managed-key-wrong-key_fail/key.pub').toString('utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  assert.throws(() => verifyBundle(json('js/v1-message-key.sigstore.json'), { ...opts, publicKey: other }), (err: unknown) => err instanceof BundleVerificationError && err.code === 'public-key');
});

// cosign: an OCI attestation (DSSE, in-toto) whose subject is the image digest.
test('cosign oci-attestation.sigstore.json verifies for its image digest against the production root', () => {
  const bundle = json('cosign/oci-attestation.sigstore.json') as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: { digest: { sha256: string } }[] };
  const digest = Buffer.from(statement.subject[0]?.digest.sha256 ?? '', 'hex');
  const result = verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: ROOTS.production, artifact: { digest: { algorithm: 'sha256', value: digest } }, identity: { subjectRegExp: /./, issuerRegExp: /./ } });
  assert.equal(result.signer.kind, 'certificate');
  assert.ok(result.timestamps.length >= 1);
  const other = Buffer.alloc(32, 7);
  assert.throws(
    () => verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot: ROOTS.production, artifact: { digest: { algorithm: 'sha256', value: other } }, identity: { subjectRegExp: /./, issuerRegExp: /./ } }),
    (err: unknown) => err instanceof BundleVerificationError && err.code === 'artifact-mismatch',
  );
});

test('a production bundle does not verify against the staging root, nor a staging one against production', () => {
  const prod = CASES.find((c) => c.bundle === 'java/bundle.v3.sigstore') as Case;
  const staging = CASES.find((c) => c.bundle === 'python/bundle_v3.txt.sigstore') as Case;
  for (const [c, root] of [[prod, ROOTS.staging], [staging, ROOTS.production]] as const) {
    assert.throws(
      () => verifyBundle(json(c.bundle), { crypto: nodeCrypto, trustedRoot: root, artifact: artifactOf(c), identity: c.identity }),
      (err: unknown) => err instanceof BundleVerificationError && err.code === 'tlog-key',
    );
  }
});
