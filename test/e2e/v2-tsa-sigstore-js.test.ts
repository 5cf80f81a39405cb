/**
 * sigstore-js against the 2026 stack of a live Sealhouse: @sigstore/sign's
 * bundleBuilderFromSigningConfig with a signing config offering Rekor v2 and our TSA signs a
 * message keylessly (Fulcio + CT + v2 + TSA), and @sigstore/verify checks the bundle given only
 * our trusted root — the time comes from the RFC 3161 timestamp alone (v2 entries carry no SET),
 * so `timestampThreshold: 1` is met by our TSA or not at all. Negative twins: a root whose TSA is
 * another authority, and one whose v2 log key is another Ed25519 key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import {
  IDENTITY,
  assertOffersV2AndTsa,
  assertV2TsaBundle,
  assertSealhouseVerifiesV2Bundle,
  startV2TsaInstance,
  v2OnlySigningConfig,
  withOtherTsa,
  withOtherV2Key,
  type TrustedRootJson,
  type V2TsaInstance,
} from '../helpers/v2-tsa.js';

const artifact = Buffer.from('an artifact signed through Rekor v2 and the TSA by sigstore-js\n');

describe('sigstore-js through Rekor v2 and the TSA', { timeout: 120_000 }, () => {
  let sh: V2TsaInstance;
  let bundle: SerializedBundle;

  before(async () => {
    sh = await startV2TsaInstance('sealhouse-v2-js-');
  });
  after(() => sh?.close());

  /** @sigstore/verify at default thresholds except the timestamp one, which only our TSA can meet. */
  const verify = (b: SerializedBundle, root: TrustedRootJson, data = artifact) =>
    new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { timestampThreshold: 1, tlogThreshold: 1, ctlogThreshold: 1 }).verify(
      toSignedEntity(bundleFromJSON(b), data),
      { subjectAlternativeName: `^${IDENTITY.replace(/\./g, '\\.')}$`, extensions: { issuer: sh.idp.issuer } },
    );

  const fails = (fn: () => unknown, code: string, message: RegExp): void => {
    assert.throws(fn, (err: { code?: unknown; message?: unknown }) => {
      assert.equal(err.code, code, `expected ${code}, got ${String(err.code)}: ${String(err.message)}`);
      assert.match(String(err.message), message);
      return true;
    });
  };

  it('bundleBuilderFromSigningConfig with v2 + TSA: a v2 entry and a timestamp that verify', async () => {
    assertOffersV2AndTsa(sh);
    // sigstore-js takes the log with the newest validFor.start, not the highest version
    // (@sigstore/sign config.js tlogService), so the config is narrowed to v2 here.
    const config = SigningConfig.fromJSON(v2OnlySigningConfig(sh.signingConfig));
    const token = await sh.idp.mint();
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: config,
      identityProvider: { getToken: () => Promise.resolve(token) },
      bundleType: 'messageSignature',
      fetchOptions: { timeout: 30_000, retry: 0 },
    });
    bundle = bundleToJSON(await builder.create({ data: artifact }));
    assertV2TsaBundle(bundle, sh.trustedRoot);
    const signer = verify(bundle, sh.trustedRoot);
    assert.equal(signer.identity?.subjectAlternativeName, IDENTITY);
    assert.equal(signer.identity?.extensions?.issuer, sh.idp.issuer);
    fails(() => verify(bundle, sh.trustedRoot, Buffer.from('another artifact')), 'SIGNATURE_ERROR', /signature/);
  });

  it('DSSE: sigstore-js 4.1 still sends dsseRequestV002, which v2 refuses with rekor-tiles’ message', async () => {
    // rekor-tiles dropped dsseRequestV002 in v2.3.0; sigstore-go and sigstore-python log DSSE as a
    // hashedrekord over the PAE instead. sigstore-js's attest() goes to v1, so only this builder
    // with a v2-only config meets the refusal, and it must be a clear 400, not a hang or a 5xx.
    const token = await sh.idp.mint();
    const builder = bundleBuilderFromSigningConfig({
      signingConfig: SigningConfig.fromJSON(v2OnlySigningConfig(sh.signingConfig)),
      identityProvider: { getToken: () => Promise.resolve(token) },
      bundleType: 'dsseEnvelope',
      fetchOptions: { timeout: 30_000, retry: 0 },
    });
    await assert.rejects(builder.create({ data: Buffer.from('{}'), type: 'application/vnd.in-toto+json' }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'TLOG_CREATE_ENTRY_ERROR');
      assert.match(err.message ?? '', /\(400\) invalid type, must be hashedrekord/);
      return true;
    });
  });

  it('fails against a trusted root whose TSA is another authority', () => {
    assert.ok(bundle, 'the signing test produced no bundle');
    fails(() => verify(bundle, withOtherTsa(sh.trustedRoot)), 'TIMESTAMP_ERROR', /timestamp could not be verified/);
  });

  it('fails against a trusted root whose v2 log key is another Ed25519 key', () => {
    assert.ok(bundle, 'the signing test produced no bundle');
    fails(() => verify(bundle, withOtherV2Key(sh.trustedRoot)), 'TLOG_INCLUSION_PROOF_ERROR', /invalid checkpoint signature/);
  });

  it('sealhouse verify-bundle accepts the sigstore-js bundle, and refuses it against another TSA or v2 key', async () => {
    assert.ok(bundle, 'the signing test produced no bundle');
    const file = join(sh.tmp, 'artifact.txt');
    writeFileSync(file, artifact);
    const args = { bundle: sh.file('js.sigstore.json', bundle), artifact: file, trustedRoot: sh.file('trusted_root.json', sh.trustedRoot), issuer: sh.idp.issuer };
    await assertSealhouseVerifiesV2Bundle(args, sh.trustedRoot, sh.tmp);
  });
});
