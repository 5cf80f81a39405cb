/**
 * @sigstore/cli (`sigstore verify`, scripts/install-sigstore-cli.sh) verifying a bundle signed
 * against a Sealhouse instance with nothing but the instance's TUF mirror and its initial root:
 * `sigstore verify BUNDLE --blob-file F --tuf-mirror-url <url>/tuf --tuf-root-path 1.root.json
 * --tuf-cache-path DIR --certificate-identity-email … --certificate-issuer …`. The bundle is signed
 * keylessly by @sigstore/sign through our Fulcio, CT, Rekor v2 and TSA, so only trust material from
 * our repository can verify it. Negative twins: another repository's root.json, and another blob.
 * Then `sealhouse tuf rotate-root`: the same command, with the same cache and still
 * --tuf-root-path 1.root.json, follows to 2.root.json.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { SigningConfig } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { run, type RunResult } from '../helpers/go-clients.js';
import { IDENTITY, assertV2TsaBundle, v2OnlySigningConfig } from '../helpers/v2-tsa.js';
import { cachedRootVersion, locateSigstoreCli, startTufInstance, type TufInstance } from '../helpers/tuf-instance.js';

const cli = locateSigstoreCli();
const artifact = Buffer.from('an artifact verified by @sigstore/cli with trust from the TUF repository\n');

describe('@sigstore/cli verify trusts Sealhouse through --tuf-mirror-url and --tuf-root-path', { skip: cli.skip, timeout: 180_000 }, () => {
  let t: TufInstance;
  let bundlePath: string;
  let blob: string;
  let cache: string;
  let dirs = 0;
  const freshDir = (what: string): string => {
    const dir = join(t.sh.tmp, `${what}-${dirs++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  /** `sigstore verify` with the TUF flags only (its HOME is a fresh directory, so nothing else is read). */
  const sigstoreVerify = (rootPath: string, tufCache: string, file = blob): Promise<RunResult> =>
    run(process.execPath, [
      cli.main, 'verify', bundlePath, '--blob-file', file,
      '--tuf-mirror-url', t.mirror, '--tuf-root-path', rootPath, '--tuf-cache-path', tufCache,
      '--certificate-identity-email', IDENTITY, '--certificate-issuer', t.sh.idp.issuer,
    ], { HOME: freshDir('home'), NO_COLOR: '1' }, 90_000);
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const refused = (r: RunResult, what: string, why: RegExp): void => {
    assert.notEqual(r.code, 0, `${what} succeeded:\n${r.stdout}\n${r.stderr}`);
    assert.match(`${r.stdout}\n${r.stderr}`, why, `${what} failed, but not for the expected reason:\n${r.stdout}\n${r.stderr}`);
  };

  before(async () => {
    t = await startTufInstance('sealhouse-tuf-sigstore-cli-');
    const token = await t.sh.idp.mint();
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: SigningConfig.fromJSON(v2OnlySigningConfig(t.sh.signingConfig)),
      identityProvider: { getToken: () => Promise.resolve(token) },
      bundleType: 'messageSignature',
      fetchOptions: { timeout: 30_000, retry: 0 },
    });
    const bundle = bundleToJSON(await builder.create({ data: artifact }));
    assertV2TsaBundle(bundle, t.sh.trustedRoot);
    bundlePath = t.sh.file('artifact.sigstore.json', bundle);
    blob = join(t.sh.tmp, 'artifact.txt');
    writeFileSync(blob, artifact);
    cache = freshDir('tuf-cache');
  });
  after(() => t?.close());

  it('verifies the bundle with the trusted root from our TUF repository; another blob fails', async () => {
    ok(await sigstoreVerify(t.rootPath, cache), 'sigstore verify');
    assert.equal(cachedRootVersion(cache), 1);
    const other = join(t.sh.tmp, 'other.txt');
    writeFileSync(other, 'not the signed artifact\n');
    refused(await sigstoreVerify(t.rootPath, cache, other), 'sigstore verify of another blob', /VerificationError: signature verification failed/);
  });

  it('refuses the repository with another repository’s root.json', async () => {
    // @sigstore/tuf trusts the other 1.root.json, finds no 2.root.json, and our timestamp carries no signature of that root's timestamp key.
    refused(await sigstoreVerify(t.otherRootPath, freshDir('tuf-cache')), 'sigstore verify with another root', /TUF_REFRESH_METADATA_ERROR[\s\S]*timestamp was signed by 0\/1 keys/);
  });

  it('after rotate-root, the same cache and 1.root.json follow to 2.root.json', async () => {
    const rotated = await t.rotateRoot('root,targets');
    assert.equal(rotated.status, 0, `rotate-root failed:\n${rotated.stdout}\n${rotated.stderr}`);
    ok(await sigstoreVerify(t.rootPath, cache), 'sigstore verify after the rotation');
    assert.equal(cachedRootVersion(cache), 2);
  });
});
