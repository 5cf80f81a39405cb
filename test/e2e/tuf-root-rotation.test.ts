/**
 * The real sigstore clients follow a TUF root rotation without being re-initialised (issue 12).
 * Each client is set up once on 1.root.json and verifies a bundle (keyless, signed by
 * @sigstore/sign through our Fulcio, Rekor v2 and TSA); then `sealhouse tuf rotate-root` signs
 * 2.root.json with new root and targets keys (and the targets again with the new key), and
 * later 3.root.json with new online (snapshot, timestamp) keys. After each, the same client —
 * its same TUF cache, no `initialize`/`trust-instance` again — verifies the bundle, and its cache
 * then holds the new root version: it fetched N+1.root.json and checked it against the root it
 * trusted. What counts as a refresh, per client (each refreshes its TUF metadata on every run):
 * - cosign v3: `verify-blob` with the TUF_ROOT that `cosign initialize` filled once; sigstore-go's
 *   client (CacheValidity 0 in that cache's remote.json setup) refreshes from the mirror each run.
 * - sigstore-js: `verify` with the same tufCachePath (refreshed on every call unless tufForceCache).
 * - sigstore-python: `sigstore --instance URL verify` after one `trust-instance` (python-tuf's
 *   Updater refreshes on every run unless --offline).
 * Negative twin: with the served 2.root.json's signatures broken, a fresh client on 1.root.json
 * refuses the repository (it cannot get past root version 1, whose keys no longer sign anything).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { SigningConfig } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { verify } from 'sigstore';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { locateSigstorePython, runSigstorePython } from '../helpers/python-clients.js';
import { IDENTITY, assertV2TsaBundle, v2OnlySigningConfig } from '../helpers/v2-tsa.js';
import { cachedRootVersion, startTufInstance, type TufInstance } from '../helpers/tuf-instance.js';

const go = locateGoBin(['cosign']);
const python = locateSigstorePython();
const artifact = Buffer.from('an artifact whose trust survives a TUF root rotation\n');

describe('cosign, sigstore-js and sigstore-python follow a TUF root rotation without re-initialising', { timeout: 300_000 }, () => {
  let t: TufInstance;
  let artifactPath: string;
  let bundlePath: string;
  let bundle: SerializedBundle;
  let cosignHome: string;
  let jsCache: string;
  let pythonHome: string;
  let fresh = 0;
  const freshDir = (what: string): string => {
    const dir = join(t.sh.tmp, `${what}-${fresh++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const refused = (r: RunResult, what: string, why: RegExp): void => {
    assert.notEqual(r.code, 0, `${what} succeeded:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, why, `${what} failed, but not for the expected reason:\n${r.stderr}`);
  };

  const cosignEnv = (home: string): Record<string, string> => ({ HOME: home, TUF_ROOT: join(home, 'tuf') });
  const cosign = (args: string[], home: string): Promise<RunResult> => run(join(go.dir, 'cosign'), args, cosignEnv(home), 90_000);
  const cosignVerify = (home: string): Promise<RunResult> =>
    cosign(['verify-blob', '--bundle', bundlePath, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', t.sh.idp.issuer, artifactPath], home);
  const jsVerify = (cache: string) =>
    verify(bundle, artifact, {
      tufMirrorURL: t.mirror, tufRootPath: t.rootPath, tufCachePath: cache,
      certificateIdentityEmail: IDENTITY, certificateIssuer: t.sh.idp.issuer, timeout: 10_000, retry: 0,
    });
  const sigstorePython = (args: string[], home: string): Promise<RunResult> => runSigstorePython(python, ['--instance', t.mirror, ...args], home);
  const pythonVerify = (home: string, verbose: string[] = []): Promise<RunResult> =>
    sigstorePython(['verify', 'identity', ...verbose, '--bundle', bundlePath, '--cert-identity', IDENTITY, '--cert-oidc-issuer', t.sh.idp.issuer, artifactPath], home);

  /** Every client, with the cache it was set up with, verifies the bundle and now trusts root `version`. */
  const allFollow = async (version: number): Promise<void> => {
    const signer = await jsVerify(jsCache);
    assert.equal(signer.identity?.subjectAlternativeName, IDENTITY);
    assert.equal(cachedRootVersion(jsCache), version, 'sigstore-js cache');
    if (!go.skip) {
      ok(await cosignVerify(cosignHome), `cosign verify-blob at root ${version}`);
      assert.equal(cachedRootVersion(cosignEnv(cosignHome).TUF_ROOT!), version, 'cosign TUF_ROOT');
    }
    if (!python.skip) {
      ok(await pythonVerify(pythonHome), `sigstore-python verify at root ${version}`);
      assert.equal(cachedRootVersion(pythonHome), version, 'sigstore-python metadata');
    }
  };

  before(async () => {
    t = await startTufInstance('sealhouse-tuf-rotation-');
    artifactPath = join(t.sh.tmp, 'artifact.txt');
    writeFileSync(artifactPath, artifact);
    const token = await t.sh.idp.mint();
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: SigningConfig.fromJSON(v2OnlySigningConfig(t.sh.signingConfig)),
      identityProvider: { getToken: () => Promise.resolve(token) },
      bundleType: 'messageSignature',
      fetchOptions: { timeout: 30_000, retry: 0 },
    });
    // A first entry, so ours is not at index 0 of a tree of 1: protobuf JSON leaves out a zero logIndex
    // and an empty proof, which sigstore-python's bundle parser then finds missing.
    await builder.create({ data: Buffer.from('the log\'s first entry\n') });
    bundle = bundleToJSON(await builder.create({ data: artifact }));
    assertV2TsaBundle(bundle, t.sh.trustedRoot);
    bundlePath = t.sh.file('artifact.sigstore.json', bundle);
  });
  after(() => t?.close());

  it('each client is set up once on 1.root.json and verifies', async () => {
    jsCache = freshDir('sigstore-js');
    cosignHome = freshDir('cosign');
    pythonHome = freshDir('python');
    if (!go.skip) ok(await cosign(['initialize', '--mirror', t.mirror, '--root', t.rootPath], cosignHome), 'cosign initialize');
    if (!python.skip) ok(await sigstorePython(['trust-instance', t.rootPath], pythonHome), 'sigstore trust-instance');
    await allFollow(1);
  });

  it('after rotate-root (new root and targets keys), each client follows to 2.root.json on its next run', async () => {
    const rotated = await t.rotateRoot('root,targets');
    assert.equal(rotated.status, 0, `rotate-root failed:\n${rotated.stdout}\n${rotated.stderr}`);
    assert.match(rotated.stdout, /signed 2\.root\.json .*re-signed the targets/);
    await allFollow(2);
  });

  it('after rotate-root --roles snapshot,timestamp, each client follows to 3.root.json, and the server keeps signing with the new keys', async () => {
    const rotated = await t.rotateRoot('snapshot,timestamp');
    assert.equal(rotated.status, 0, `rotate-root failed:\n${rotated.stdout}\n${rotated.stderr}`);
    assert.match(rotated.stdout, /signed 3\.root\.json .*New online keys/);
    await allFollow(3);
    // `tuf update` signs with the offline directory the first rotation wrote and the online keys the second did.
    const update = await t.update(t.sh.trustedRoot, t.sh.signingConfig);
    assert.equal(update.status, 0, `tuf update failed:\n${update.stdout}\n${update.stderr}`);
    await allFollow(3);
  });

  it('a fresh client on 1.root.json refuses a chain whose 2.root.json signatures are broken', async () => {
    const restore = t.breakRootSignatures(2);
    try {
      await assert.rejects(jsVerify(freshDir('sigstore-js')), (err: { code?: unknown; cause?: { message?: unknown } }) => {
        assert.equal(err.code, 'TUF_REFRESH_METADATA_ERROR');
        assert.match(String(err.cause?.message), /root was signed by 0\/1 keys/);
        return true;
      });
      if (!go.skip) {
        const home = freshDir('cosign');
        // sigstore-go trusts 1.root.json, and 2.root.json carries no valid signature of its root key.
        refused(await cosign(['initialize', '--mirror', t.mirror, '--root', t.rootPath], home), 'cosign initialize on a broken chain', /Verifying root failed, not enough signatures, got 0, want 1/);
        refused(await cosignVerify(home), 'cosign verify-blob on a broken chain', /getting trusted root from TUF .*Verifying root failed, not enough signatures, got 0, want 1/);
      }
      if (!python.skip) {
        const home = freshDir('python');
        refused(await sigstorePython(['trust-instance', '-v', t.rootPath], home), 'trust-instance on a broken chain', /root was signed by 0\/1 keys/);
      }
    } finally {
      restore();
    }
    // The clients set up before still verify: they trust root 3 already and never re-read 2.root.json.
    await allFollow(3);
  });
});
