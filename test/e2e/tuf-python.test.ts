/**
 * sigstore-python 4.5 trusting Sealhouse through its TUF repository alone (issue 12 item 2).
 * sigstore-python bootstraps a private instance with `sigstore --instance URL trust-instance
 * ROOT` (sigstore/_cli.py _trust_instance → ClientTrustConfig.from_tuf(url, bootstrap_root)),
 * which stores the root in its TUF metadata directory (platformdirs' user data dir, per URL:
 * sigstore/_internal/tuf.py _get_dirs); afterwards `sigstore --instance URL sign|verify` takes
 * trusted_root.json and signing_config.v0.2.json from the repository's targets (python-tuf's
 * ngclient Updater, refreshed on every run unless --offline). Here URL is `<url>/tuf`, a token
 * comes from `sealhouse dev-token`, and nothing else names our services: the signing config from
 * TUF must send the signature to our Fulcio, Rekor v2 and TSA. Negative twins: another
 * repository's root.json, no trust-instance at all, a served target tampered on disk, and a
 * repository updated to a trusted root whose TSA is another authority — which the same client
 * picks up on its next run, and drops again when the original documents are back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { locateSigstorePython, runSigstorePython } from '../helpers/python-clients.js';
import type { RunResult } from '../helpers/go-clients.js';
import { assertV2TsaBundle, withOtherTsa } from '../helpers/v2-tsa.js';
import { reformatted, startTufInstance, type TufInstance } from '../helpers/tuf-instance.js';

const client = locateSigstorePython();
const EMAIL = 'carol@example.test';

describe('sigstore-python trusts Sealhouse through its TUF repository', { skip: client.skip, timeout: 180_000 }, () => {
  let t: TufInstance;
  let issuer: string;
  let artifact: string;
  let bundlePath: string;
  let token: string;
  let homes = 0;
  const freshHome = (): string => join(t.sh.tmp, `python-home-${homes++}`);
  let home: string;
  const sigstore = (args: string[], h = home): Promise<RunResult> => runSigstorePython(client, ['--instance', t.mirror, ...args], h);
  /** `-v` makes sigstore-python raise the original exception, so its cause (python-tuf's) is in stderr. */
  const verifyArgs = (file = artifact, verbose: string[] = []): string[] => ['verify', 'identity', ...verbose, '--bundle', bundlePath, '--cert-identity', EMAIL, '--cert-oidc-issuer', issuer, file];
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const refused = (r: RunResult, what: string, why: RegExp): void => {
    assert.notEqual(r.code, 0, `${what} succeeded:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, why, `${what} failed, but not for the expected reason:\n${r.stderr}`);
  };

  before(async () => {
    t = await startTufInstance('sealhouse-tuf-python-', { SEALHOUSE_DEV_OIDC: '1' });
    issuer = `${t.sh.server.url}/dev-oidc`;
    home = freshHome();
    artifact = join(t.sh.tmp, 'artifact.txt');
    writeFileSync(artifact, 'an artifact signed with trust from the TUF repository by sigstore-python\n');
    bundlePath = join(t.sh.tmp, 'artifact.sigstore.json');
    const minted = await runCli(['dev-token', '--email', EMAIL], { env: { ...t.sh.server.env, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    assert.equal(minted.status, 0, minted.stderr);
    token = minted.stdout.trim();
  });
  after(() => t?.close());

  it('sigstore --instance <url>/tuf trust-instance 1.root.json', async () => {
    ok(await sigstore(['trust-instance', t.rootPath]), 'sigstore trust-instance');
  });

  it('sign with nothing but the instance URL: the signing config from TUF sends it to our Rekor v2 and TSA', async () => {
    ok(await sigstore(['sign', '--identity-token', token, '--oidc-disable-ambient-providers', '--bundle', bundlePath, artifact]), 'sigstore sign');
    assertV2TsaBundle(JSON.parse(readFileSync(bundlePath, 'utf8')), t.sh.trustedRoot);
  });

  it('verify identity with nothing but the instance URL; another artifact fails', async () => {
    const v = await sigstore(verifyArgs());
    ok(v, 'sigstore verify identity');
    assert.match(v.stderr, /^OK: .*artifact\.txt$/m);
    const other = join(t.sh.tmp, 'other.txt');
    writeFileSync(other, 'not the signed artifact\n');
    assert.notEqual((await sigstore(verifyArgs(other))).code, 0, 'another artifact verified');
  });

  it('refuses to trust the instance with another repository’s root.json, and cannot verify without trust-instance', async () => {
    const stranger = freshHome();
    refused(await sigstore(['trust-instance', '-v', t.otherRootPath], stranger), 'trust-instance with another root', /UnsignedMetadataError: timestamp was signed by 0\/1 keys[\s\S]*Failed to refresh TUF metadata/);
    refused(await sigstore(verifyArgs(artifact, ['-v']), stranger), 'verify after a refused trust-instance', /UnsignedMetadataError: timestamp was signed by 0\/1 keys[\s\S]*Failed to refresh TUF metadata/);
    refused(await sigstore(verifyArgs(artifact, ['-v']), freshHome()), 'verify without trust-instance', /No such file or directory: .*root\.json[\s\S]*Failed to refresh TUF metadata/);
  });

  it('a served trusted_root.json target changed on disk is refused by a fresh client', async () => {
    const restore = t.tamperTarget('trusted_root.json', reformatted);
    try {
      const fresh = freshHome();
      await sigstore(['trust-instance', t.rootPath], fresh);
      refused(await sigstore(verifyArgs(artifact, ['-v']), fresh), 'verify with a tampered target', /LengthOrHashMismatchError: Observed hash [0-9a-f]{64} does not match expected hash [0-9a-f]{64}[\s\S]*Failed to download trusted key bundle/);
    } finally {
      restore();
    }
  });

  it('after sealhouse tuf update, the same client picks up the new trusted root, and the old one back', async () => {
    const other = await t.update(withOtherTsa(t.sh.trustedRoot), t.sh.signingConfig);
    assert.equal(other.status, 0, `tuf update failed:\n${other.stdout}\n${other.stderr}`);
    refused(await sigstore(verifyArgs()), 'verify after the update to another TSA', /not enough sources of verified time/);
    const back = await t.update(t.sh.trustedRoot, t.sh.signingConfig);
    assert.equal(back.status, 0, `tuf update failed:\n${back.stdout}\n${back.stderr}`);
    ok(await sigstore(verifyArgs()), 'sigstore verify identity after the update back to our documents');
  });
});
