/**
 * sigstore-js 4 trusting Sealhouse through its TUF repository alone (issue 12 item 2):
 * `sigstore.verify(bundle, data, { tufMirrorURL, tufRootPath, tufCachePath, certificate… })`,
 * which fetches trusted_root.json through @sigstore/tuf (sigstore/dist/sigstore.js
 * createVerifier → tuf.getTrustedRoot; the cache is seeded with tufRootPath and refreshed on
 * every call unless tufForceCache). The bundle is signed keylessly by @sigstore/sign against our
 * signing config narrowed to Rekor v2 (Fulcio + CT + v2 + TSA), so its time can only come from our
 * TSA. Negative twins: another repository's root.json, a served target tampered on disk, and a
 * repository updated (`sealhouse tuf update`) to a trusted root whose TSA is another authority —
 * which the same cache picks up on its next call, and drops again when the original is back.
 * (`sigstore verify --tuf-mirror-url` of @sigstore/cli: test/e2e/tuf-sigstore-cli.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { SigningConfig } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { verify } from 'sigstore';
import { IDENTITY, assertV2TsaBundle, v2OnlySigningConfig, withOtherTsa } from '../helpers/v2-tsa.js';
import { reformatted, startTufInstance, type TufInstance } from '../helpers/tuf-instance.js';

const artifact = Buffer.from('an artifact verified with trust from the TUF repository by sigstore-js\n');

describe('sigstore-js trusts Sealhouse through its TUF repository', { timeout: 120_000 }, () => {
  let t: TufInstance;
  let bundle: SerializedBundle;
  let caches = 0;
  let cache: string;
  const freshCache = (): string => join(t.sh.tmp, `sigstore-js-tuf-${caches++}`);
  const verifyWith = (rootPath: string, tufCachePath: string, data = artifact) =>
    verify(bundle, data, {
      tufMirrorURL: t.mirror,
      tufRootPath: rootPath,
      tufCachePath,
      certificateIdentityEmail: IDENTITY,
      certificateIssuer: t.sh.idp.issuer,
      timeout: 10_000,
      retry: 0,
    });
  const rejects = async (p: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
    await assert.rejects(p, (err: { code?: unknown; message?: unknown; cause?: { message?: unknown } }) => {
      // @sigstore/tuf's TUFError says only what step failed; tuf-js's reason is its cause.
      const text = `${String(err.message)}: ${String(err.cause?.message ?? '')}`;
      assert.equal(err.code, code, `expected ${code}, got ${String(err.code)}: ${text}`);
      assert.match(text, message);
      return true;
    });
  };

  before(async () => {
    t = await startTufInstance('sealhouse-tuf-js-');
    cache = freshCache();
    const token = await t.sh.idp.mint();
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: SigningConfig.fromJSON(v2OnlySigningConfig(t.sh.signingConfig)),
      identityProvider: { getToken: () => Promise.resolve(token) },
      bundleType: 'messageSignature',
      fetchOptions: { timeout: 30_000, retry: 0 },
    });
    bundle = bundleToJSON(await builder.create({ data: artifact }));
    assertV2TsaBundle(bundle, t.sh.trustedRoot);
  });
  after(() => t?.close());

  it('verify with tufMirrorURL and tufRootPath: the trusted root comes from our TUF repository', async () => {
    const signer = await verifyWith(t.rootPath, cache);
    assert.equal(signer.identity?.subjectAlternativeName, IDENTITY);
    assert.equal(signer.identity?.extensions?.issuer, t.sh.idp.issuer);
    await rejects(verifyWith(t.rootPath, cache, Buffer.from('another artifact')), 'SIGNATURE_ERROR', /signature/);
  });

  it('refuses the repository with another repository’s root.json', async () => {
    await rejects(verifyWith(t.otherRootPath, freshCache()), 'TUF_REFRESH_METADATA_ERROR', /timestamp was signed by 0\/1 keys/);
  });

  it('refuses a served trusted_root.json target changed on disk (fresh cache)', async () => {
    const restore = t.tamperTarget('trusted_root.json', reformatted);
    try {
      await rejects(verifyWith(t.rootPath, freshCache()), 'TUF_DOWNLOAD_TARGET_ERROR', /Expected hash [0-9a-f]{64} but got [0-9a-f]{64}/);
    } finally {
      restore();
    }
  });

  it('after sealhouse tuf update, the same cache picks up the new trusted root, and the old one back', async () => {
    const other = await t.update(withOtherTsa(t.sh.trustedRoot), t.sh.signingConfig);
    assert.equal(other.status, 0, `tuf update failed:\n${other.stdout}\n${other.stderr}`);
    await rejects(verifyWith(t.rootPath, cache), 'TIMESTAMP_ERROR', /timestamp could not be verified/);
    const back = await t.update(t.sh.trustedRoot, t.sh.signingConfig);
    assert.equal(back.status, 0, `tuf update failed:\n${back.stdout}\n${back.stderr}`);
    const signer = await verifyWith(t.rootPath, cache);
    assert.equal(signer.identity?.subjectAlternativeName, IDENTITY);
  });
});
