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

/** Cases whose expected outcome this verifier does not reach yet, with the reason (kept honest). */
const KNOWN: Readonly<Record<string, string>> = {};

const read = (dir: string, name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').trim() : undefined);

for (const name of readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const dir = join(DIR, name);
  const shouldFail = name.endsWith('_fail');
  test(`conformance ${name} ${shouldFail ? 'is refused' : 'verifies'}`, { todo: KNOWN[name] }, () => {
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
      // A malformed-JSON bundle fails before the verifier (JSON.parse), as it does in any client.
      assert.throws(run, (err: unknown) => err instanceof BundleVerificationError || err instanceof SyntaxError);
    } else {
      run();
    }
  });
}
