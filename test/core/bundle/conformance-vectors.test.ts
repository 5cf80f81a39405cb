/**
 * The sigstore-conformance suite's offline verification cases (test/vectors/bundles/conformance,
 * copied from sigstore/sigstore-conformance test/assets/bundle-verify), run straight against
 * the core verifier with the suite's own rules: a directory ending in `_fail` must be refused,
 * every other one must verify; `artifact`, `identity`, `issuer`, `key.pub` and
 * `trusted_root.json` default as the suite's README says (production trusted root, a.txt, the
 * conformance beacon identity).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pemBlocks } from '../../../src/core/pem.js';
import { BundleVerificationError, verifyBundle } from '../../../src/core/bundle/verify-bundle.js';
import { nodeCrypto } from '../../../src/node-crypto.js';
import { vectorPath } from '../../helpers/vectors.js';

const DIR = vectorPath('bundles/conformance');
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
const PRODUCTION_ROOT = JSON.parse(readFileSync(vectorPath('bundles/trusted_root.production.json'), 'utf8')) as unknown;

/**
 * The step each `_fail` case must be refused at: refusing for the wrong reason (a parse error
 * where a signature check was meant) would hide a missing check.
 */
const EXPECTED: Readonly<Record<string, string>> = {
  'bundle-empty-certificate-chain_fail': 'bundle-format',
  'bundle-from-wrong-instance_fail': 'tlog-key',
  'bundle-invalid-base64-signature_fail': 'bundle-format',
  'bundle-negative-log-index_fail': 'bundle-format',
  'bundle-unknown-version_fail': 'media-type',
  'bundle-with-root-cert_fail': 'certificate-chain',
  'checkpoint-bad-keyhint_fail': 'checkpoint',
  'checkpoint-wrong-roothash_fail': 'inclusion-proof',
  'dsse-invalid-sig_fail': 'signature',
  'dsse-mismatch-envelope_fail': 'body-mismatch',
  'dsse-mismatch-sig_fail': 'body-mismatch',
  'inclusion-proof-corrupted-hash_fail': 'inclusion-proof',
  'incorrect-public-key_fail': 'set',
  'integrated-time-in-future_fail': 'certificate-validity',
  'intoto-expired-certificate_fail': 'certificate-validity',
  'intoto-log-entry-mismatch_fail': 'body-mismatch',
  'intoto-missing-inclusion-proof_fail': 'tlog-missing',
  'intoto-set-outside-signing-cert-validity_fail': 'certificate-validity',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'certificate-validity',
  'invalid-checkpoint-signature_fail': 'checkpoint',
  'invalid-ct-key_fail': 'sct',
  'invalid-inclusion-proof_fail': 'tlog-missing',
  'managed-key-no-key_fail': 'policy',
  'managed-key-wrong-key_fail': 'public-key',
  'message-digest-mismatch_fail': 'artifact-mismatch',
  'rekor2-checkpoint-missing-log-signature_fail': 'checkpoint',
  'rekor2-checkpoint-missing-origin_fail': 'checkpoint',
  'rekor2-checkpoint-missing-root-hash_fail': 'checkpoint',
  'rekor2-checkpoint-missing-size_fail': 'checkpoint',
  'rekor2-checkpoint-no-matching-signature_fail': 'checkpoint',
  'rekor2-dsse-invalid-sig_fail': 'signature',
  'rekor2-dsse-mismatch-envelope_fail': 'body-mismatch',
  'rekor2-dsse-mismatch-sig_fail': 'body-mismatch',
  'rekor2-no-inclusion-proof_fail': 'tlog-missing',
  'rekor2-no-timestamp_fail': 'timestamp-missing',
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': 'rfc3161',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'rfc3161',
  'rekor2-timestamp-payload-mismatch_fail': 'rfc3161',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'rfc3161',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'rfc3161',
  'rekor2-timestamp-with-incorrect-time_fail': 'certificate-validity',
  'set-invalid-signature_fail': 'set',
  'signature-mismatch_fail': 'signature',
  'trust-root-tlog-missing-validity-start_fail': 'trusted-root',
  'wrong-hashedrekord-artifact_fail': 'body-mismatch',
  'wrong-hashedrekord-cert-and-sig_fail': 'body-mismatch',
  'wrong-hashedrekord-entry_fail': 'body-mismatch',
  'wrong-material_fail': 'artifact-mismatch',
};

const read = (dir: string, name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').trim() : undefined);

for (const name of readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const dir = join(DIR, name);
  const shouldFail = name.endsWith('_fail');
  test(`conformance ${name} ${shouldFail ? `is refused (${EXPECTED[name] ?? 'not JSON'})` : 'verifies'}`, () => {
    const run = (): unknown => {
      const bundle = JSON.parse(readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8')) as unknown;
      const artifact = readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(DIR, 'a.txt'));
      const rootText = read(dir, 'trusted_root.json');
      const keyPem = read(dir, 'key.pub');
      return verifyBundle(bundle, {
        crypto: nodeCrypto,
        trustedRoot: rootText ? (JSON.parse(rootText) as unknown) : PRODUCTION_ROOT,
        artifact: { bytes: artifact },
        ...(keyPem ? { publicKey: pemBlocks(keyPem)[0]?.der } : { identity: { subject: read(dir, 'identity') ?? DEFAULT_IDENTITY, issuer: read(dir, 'issuer') ?? DEFAULT_ISSUER } }),
      });
    };
    if (shouldFail) {
      const code = EXPECTED[name];
      if (code === undefined) {
        // bundle-malformed-json_fail: not JSON, so it fails before the verifier, as in any client.
        assert.throws(run, SyntaxError);
      } else {
        assert.throws(run, (err: unknown) => err instanceof BundleVerificationError && err.code === code);
      }
    } else {
      run();
    }
  });
}
