/**
 * cosign v3 trusting Sealhouse through its TUF repository alone (issue 12 item 2): `cosign
 * initialize --mirror <url>/tuf --root 1.root.json` into a fresh TUF_ROOT, then keyless
 * `sign-blob` and `verify-blob` with no trust or service flags. cosign v3 defaults to
 * --use-signing-config=true (cmd/cosign/cli/options/signblob.go), so signing takes
 * signing_config.v0.2.json and trusted_root.json from the TUF targets (pkg/cosign/tuf.go
 * SigningConfig/TrustedRoot, through sigstore-go's tuf client, whose mirror and root come from
 * the remote.json and cached root.json `initialize` wrote); verify-blob of a new bundle takes the
 * trusted root from TUF and fails outright when it cannot (cmd/cosign/cli/verify/common.go).
 * A local --root needs no --root-checksum (only a root fetched over http(s) is warned about).
 * Negative twins: a client initialised with another repository's root, and a served target
 * tampered on disk. Then `sealhouse tuf update` with another trusted root: the same client,
 * not re-initialised, refuses the bundle (sigstore-go refreshes on every run: CacheValidity 0),
 * and accepts it again once the repository publishes the original documents.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { IDENTITY, assertV2TsaBundle, withOtherTsa } from '../helpers/v2-tsa.js';
import { reformatted, startTufInstance, type TufInstance } from '../helpers/tuf-instance.js';

const go = locateGoBin(['cosign']);

describe('cosign v3 trusts Sealhouse through its TUF repository', { skip: go.skip, timeout: 180_000 }, () => {
  let t: TufInstance;
  let blob: string;
  let bundlePath: string;
  let clients = 0;
  /** A fresh cosign: its own HOME and TUF_ROOT (cosign's TUF cache). */
  const client = (): Record<string, string> => {
    const home = join(t.sh.tmp, `cosign-${clients++}`);
    mkdirSync(home, { recursive: true });
    return { HOME: home, TUF_ROOT: join(home, 'tuf') };
  };
  let env: Record<string, string>;
  const cosign = (args: string[], e = env): Promise<RunResult> => run(join(go.dir, 'cosign'), args, e, 90_000);
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const refused = (r: RunResult, what: string, why: RegExp): void => {
    assert.notEqual(r.code, 0, `${what} succeeded:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, why, `${what} failed, but not for the expected reason:\n${r.stderr}`);
  };
  const verifyBlob = (e = env): Promise<RunResult> =>
    cosign(['verify-blob', '--bundle', bundlePath, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', t.sh.idp.issuer, blob], e);

  before(async () => {
    t = await startTufInstance('sealhouse-tuf-cosign-');
    env = client();
    blob = join(t.sh.tmp, 'blob.txt');
    writeFileSync(blob, 'a blob signed with trust from the TUF repository\n');
    bundlePath = join(t.sh.tmp, 'blob.sigstore.json');
  });
  after(() => t?.close());

  it('cosign initialize --mirror <url>/tuf --root 1.root.json caches both targets', async () => {
    ok(await cosign(['initialize', '--mirror', t.mirror, '--root', t.rootPath]), 'cosign initialize');
    const remote = JSON.parse(readFileSync(join(env.TUF_ROOT!, 'remote.json'), 'utf8')) as { mirror: string };
    assert.equal(remote.mirror, t.mirror);
  });

  it('sign-blob with no trust or URL flags: the signing config and trusted root come from TUF', async () => {
    const token = t.sh.file('token', await t.sh.idp.mint());
    ok(await cosign(['sign-blob', '--identity-token', token, '--bundle', bundlePath, '--yes', blob]), 'cosign sign-blob');
    // Only our signing config can have sent it to our Rekor v2 and TSA, and only our root verify it.
    assertV2TsaBundle(JSON.parse(readFileSync(bundlePath, 'utf8')), t.sh.trustedRoot);
  });

  it('verify-blob with no trust flags verifies it; another blob does not', async () => {
    ok(await verifyBlob(), 'cosign verify-blob');
    const other = join(t.sh.tmp, 'other.txt');
    writeFileSync(other, 'not the signed blob\n');
    assert.notEqual((await cosign(['verify-blob', '--bundle', bundlePath, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', t.sh.idp.issuer, other])).code, 0, 'another blob verified');
  });

  it('a client initialised with another repository’s root.json refuses our repository', async () => {
    const stranger = client();
    const init = await cosign(['initialize', '--mirror', t.mirror, '--root', t.otherRootPath], stranger);
    // sigstore-go's client trusts the other 1.root.json, finds no 2.root.json, and our timestamp.json
    // carries no signature of that root's timestamp key.
    refused(init, 'cosign initialize with another root', /Verifying timestamp failed, not enough signatures/);
    refused(await verifyBlob(stranger), 'verify-blob with another root', /getting trusted root from TUF for new bundle verification: .*Verifying timestamp failed, not enough signatures/);
  });

  it('a served trusted_root.json target changed on disk is refused by a fresh client', async () => {
    const restore = t.tamperTarget('trusted_root.json', reformatted);
    try {
      const fresh = client();
      await cosign(['initialize', '--mirror', t.mirror, '--root', t.rootPath], fresh);
      refused(await verifyBlob(fresh), 'verify-blob with a tampered target', /getting trusted root from TUF .*trusted_root\.json - length\/hash verification error: hash verification failed - mismatch for algorithm sha256/);
    } finally {
      restore();
    }
    ok(await verifyBlob(), 'cosign verify-blob after the target is restored');
  });

  it('after sealhouse tuf update, the same client picks up the new trusted root without initialize, and the old one back', async () => {
    const other = await t.update(withOtherTsa(t.sh.trustedRoot), t.sh.signingConfig);
    assert.equal(other.status, 0, `tuf update failed:\n${other.stdout}\n${other.stderr}`);
    assert.match(other.stdout, /signed new targets/);
    refused(await verifyBlob(), 'verify-blob after the update to another TSA', /threshold not met for verified signed timestamps/);
    const back = await t.update(t.sh.trustedRoot, t.sh.signingConfig);
    assert.equal(back.status, 0, `tuf update failed:\n${back.stdout}\n${back.stderr}`);
    ok(await verifyBlob(), 'cosign verify-blob after the update back to our documents');
  });
});
