/**
 * sigstore-python 4 (from PyPI, scripts/install-sigstore-python.sh) against the 2026 stack of a
 * live Sealhouse: `sigstore --trust-config` with a ClientTrustConfig made of exactly the
 * trusted_root.json and signing_config.json we serve, a token from `sealhouse dev-token` (the
 * development OIDC issuer), `sign` — which must pick Rekor v2, the highest version offered, and
 * our TSA — then `verify identity --offline` with Sealhouse stopped. Negative twins: a trust
 * config whose TSA is another authority, and one whose v2 log key is another Ed25519 key. Our own
 * `sealhouse verify-bundle` takes the same bundle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { locateSigstorePython, runSigstorePython, writeClientTrustConfig } from '../helpers/python-clients.js';
import type { RunResult } from '../helpers/go-clients.js';
import {
  assertOffersV2AndTsa,
  assertV2TsaBundle,
  assertSealhouseVerifiesV2Bundle,
  sealhouseVerifyBundle,
  startV2TsaInstance,
  withOtherTsa,
  withOtherV2Key,
  type V2TsaInstance,
} from '../helpers/v2-tsa.js';

const client = locateSigstorePython();
const EMAIL = 'bob@example.test';

describe('sigstore-python through Rekor v2 and the TSA', { skip: client.skip, timeout: 240_000 }, () => {
  let sh: V2TsaInstance;
  let issuer: string;
  let trustConfig: string;
  let artifact: string;
  let bundlePath: string;
  let attestationPath: string;
  let token: string;
  const home = (): string => join(sh.tmp, 'home');
  const sigstore = (args: string[]): Promise<RunResult> => runSigstorePython(client, args, home());
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const verifyArgs = (config: string, file = artifact, bundle = bundlePath): string[] =>
    ['--trust-config', config, 'verify', 'identity', '--bundle', bundle, '--cert-identity', EMAIL, '--cert-oidc-issuer', issuer, '--offline', file];

  before(async () => {
    sh = await startV2TsaInstance('sealhouse-v2-python-', { SEALHOUSE_DEV_OIDC: '1' });
    issuer = `${sh.server.url}/dev-oidc`;
    trustConfig = writeClientTrustConfig(sh.tmp, 'trust-config.json', sh.trustedRoot, sh.signingConfig);
    artifact = join(sh.tmp, 'artifact.txt');
    writeFileSync(artifact, 'an artifact signed through Rekor v2 and the TSA by sigstore-python\n');
    bundlePath = join(sh.tmp, 'artifact.sigstore.json');
    attestationPath = join(sh.tmp, 'artifact.intoto.sigstore.json');
    const minted = await runCli(['dev-token', '--email', EMAIL], { env: { ...sh.server.env, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    assert.equal(minted.status, 0, minted.stderr);
    token = minted.stdout.trim();
  });
  after(() => sh?.close());

  it('sign with our trust config: picks Rekor v2 and our TSA', async () => {
    assertOffersV2AndTsa(sh);
    ok(await sigstore(['--trust-config', trustConfig, 'sign', '--identity-token', token, '--oidc-disable-ambient-providers', '--bundle', bundlePath, artifact]), 'sigstore sign');
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as { mediaType: string };
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assertV2TsaBundle(bundle, sh.trustedRoot);
  });

  it('attest: the DSSE envelope goes to Rekor v2 as a hashedrekord over its PAE, timestamped by our TSA', async () => {
    const predicate = sh.file('predicate.json', {
      buildDefinition: { buildType: 'https://example.test/build/v1', externalParameters: {} },
      runDetails: { builder: { id: 'https://example.test/builder' } },
    });
    ok(await sigstore(['--trust-config', trustConfig, 'attest', '--predicate', predicate, '--predicate-type', 'https://slsa.dev/provenance/v1', '--identity-token', token, '--oidc-disable-ambient-providers', '--bundle', attestationPath, artifact]), 'sigstore attest');
    const bundle = JSON.parse(readFileSync(attestationPath, 'utf8')) as { dsseEnvelope?: { payloadType: string } };
    assert.equal(bundle.dsseEnvelope?.payloadType, 'application/vnd.in-toto+json');
    assertV2TsaBundle(bundle, sh.trustedRoot);
  });

  it('with Sealhouse stopped, verify identity --offline passes with the same trust config', async () => {
    await sh.server.stop();
    const v = await sigstore(verifyArgs(trustConfig));
    ok(v, 'sigstore verify identity');
    assert.match(v.stderr, /^OK: .*artifact\.txt$/m);
    ok(await sigstore(verifyArgs(trustConfig, artifact, attestationPath)), 'sigstore verify identity (attestation)');
    const other = join(sh.tmp, 'other.txt');
    writeFileSync(other, 'not the signed artifact\n');
    assert.notEqual((await sigstore(verifyArgs(trustConfig, other))).code, 0, 'another artifact verified');
  });

  it('fails against a trust config whose TSA is another authority', async () => {
    const config = writeClientTrustConfig(sh.tmp, 'other-tsa.json', withOtherTsa(sh.trustedRoot), sh.signingConfig);
    const r = await sigstore(verifyArgs(config));
    assert.notEqual(r.code, 0, `verified with another TSA:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /not enough sources of verified time/, `failed, but not over the timestamp:\n${r.stderr}`);
  });

  it('fails against a trust config whose v2 log key is another Ed25519 key', async () => {
    const config = writeClientTrustConfig(sh.tmp, 'other-v2-key.json', withOtherV2Key(sh.trustedRoot), sh.signingConfig);
    const r = await sigstore(verifyArgs(config));
    assert.notEqual(r.code, 0, `verified with another v2 key:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /invalid log entry: checkpoint: invalid signature/, `failed, but not over the checkpoint:\n${r.stderr}`);
  });

  it('sealhouse verify-bundle accepts the sigstore-python bundle, and refuses it against another TSA or v2 key', async () => {
    const args = { bundle: bundlePath, artifact, trustedRoot: sh.file('trusted_root.json', sh.trustedRoot), issuer, identity: EMAIL };
    await assertSealhouseVerifiesV2Bundle(args, sh.trustedRoot, sh.tmp);
    // The attestation too: a DSSE bundle whose v2 entry is the hashedrekord over the envelope's PAE.
    const dsse = await sealhouseVerifyBundle({ ...args, bundle: attestationPath });
    assert.equal(dsse.status, 0, `verify-bundle refused sigstore-python's attestation:\n${dsse.stdout}\n${dsse.stderr}`);
    assert.match(dsse.stdout, /hashedrekord\/0\.0\.2/);
  });
});
