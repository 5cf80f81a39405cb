/**
 * cosign v3 (through sigstore-go) against the 2026 stack of a live Sealhouse: keyless `sign-blob`,
 * image `sign` and `attest` with the signing config we serve, which offers Rekor v1 and v2 and our TSA.
 * cosign must pick v2 (the highest version offered) and timestamp the signature with our TSA, as
 * it refuses Rekor v2 + Fulcio without one. The bundles then verify offline — Sealhouse stopped —
 * with our trusted root and `--use-signed-timestamps`, and fail against a root whose TSA is another
 * authority or whose v2 checkpoint key is another key. Our own `sealhouse verify-bundle` takes the
 * same bundle. Trust comes only from files: TUF points at an empty directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateGoBin, pushImage, run, startRegistry, type LoopbackRegistry, type RunResult } from '../helpers/go-clients.js';
import {
  IDENTITY,
  assertOffersV2AndTsa,
  assertV2TsaBundle,
  assertSealhouseVerifiesV2Bundle,
  startV2TsaInstance,
  v2Tlog,
  withOtherTsa,
  withOtherV2Key,
  type V2TsaInstance,
} from '../helpers/v2-tsa.js';

const go = locateGoBin(['cosign', 'crane', 'registry']);

interface ImageBundle {
  dsseEnvelope?: { payload: string; payloadType: string };
  messageSignature?: unknown;
}

/** The sigstore bundles cosign attached to `image` as OCI 1.1 referrers (or their tag fallback). */
async function referrerBundles(registry: LoopbackRegistry, image: string): Promise<ImageBundle[]> {
  const [repo, digest] = image.split('@') as [string, string];
  const path = repo.slice(registry.host.length + 1);
  const base = `http://${registry.host}/v2/${path}`;
  const json = async (url: string, accept: string): Promise<Record<string, unknown>> => {
    const res = await fetch(url, { headers: { accept } });
    assert.equal(res.status, 200, `GET ${url}: ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const index = 'application/vnd.oci.image.index.v1+json';
  let listing: { manifests?: { digest: string; artifactType?: string }[] };
  const referrers = await fetch(`${base}/referrers/${digest}`, { headers: { accept: index } });
  if (referrers.status === 200) listing = (await referrers.json()) as typeof listing;
  else listing = (await json(`${base}/manifests/${digest.replace(':', '-')}`, index)) as typeof listing;
  const refs = (listing.manifests ?? []).filter((m) => (m.artifactType ?? '').startsWith('application/vnd.dev.sigstore.bundle'));
  return Promise.all(refs.map(async (ref) => {
    const manifest = (await json(`${base}/manifests/${ref.digest}`, 'application/vnd.oci.image.manifest.v1+json')) as { layers: { digest: string }[] };
    const blob = await fetch(`${base}/blobs/${manifest.layers[0]!.digest}`);
    assert.equal(blob.status, 200);
    return JSON.parse(await blob.text()) as ImageBundle;
  }));
}

/** The predicate type of a DSSE bundle's in-toto statement, if it is one. */
const predicateType = (b: ImageBundle): string | undefined =>
  b.dsseEnvelope ? (JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString()) as { predicateType?: string }).predicateType : undefined;

const SLSA_V1 = 'https://slsa.dev/provenance/v1';

describe('cosign v3 through Rekor v2 and the TSA', { skip: go.skip, timeout: 240_000 }, () => {
  let sh: V2TsaInstance;
  let registry: LoopbackRegistry;
  let env: Record<string, string>;
  let root: string;
  let signingConfig: string;
  let blob: string;
  let blobBundle: string;
  let image: string;
  let tokens = 0;
  const cosign = (args: string[]): Promise<RunResult> => run(join(go.dir, 'cosign'), args, env, 120_000);
  /** cosign v3 reads --identity-token as a file path when given one. */
  const token = async (): Promise<string> => sh.file(`token-${tokens++}`, await sh.idp.mint());
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const refused = (r: RunResult, what: string, why: RegExp): void => {
    assert.notEqual(r.code, 0, `${what} verified:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, why, `${what} failed, but not for the expected reason`);
  };
  const identity = (): string[] => ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', sh.idp.issuer];

  before(async () => {
    sh = await startV2TsaInstance('sealhouse-v2-cosign-');
    registry = await startRegistry(go.dir);
    env = { HOME: join(sh.tmp, 'home'), TUF_ROOT: join(sh.tmp, 'tuf') };
    root = sh.file('trusted_root.json', sh.trustedRoot);
    signingConfig = sh.file('signing_config.json', sh.signingConfig);
    blob = join(sh.tmp, 'blob.txt');
    writeFileSync(blob, 'a blob signed through Rekor v2\n');
    blobBundle = join(sh.tmp, 'blob.sigstore.json');
  });
  after(async () => {
    await registry?.close();
    await sh?.close();
  });

  it('the served documents offer Rekor v2 and the TSA', () => {
    assertOffersV2AndTsa(sh);
  });

  it('sign-blob: the bundle holds a v2 hashedrekord entry and an RFC 3161 timestamp from our TSA', async () => {
    ok(await cosign(['sign-blob', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--bundle', blobBundle, '--yes', blob]), 'cosign sign-blob');
    const bundle = JSON.parse(readFileSync(blobBundle, 'utf8')) as { mediaType: string; verificationMaterial: { tlogEntries: { logIndex?: string }[] } };
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assertV2TsaBundle(bundle, sh.trustedRoot);
    // The entry is in the v2 tree the log publishes (its C2SP checkpoint covers it; protojson omits index 0).
    const checkpoint = await (await fetch(`${v2Tlog(sh.trustedRoot).baseUrl}/checkpoint`)).text();
    const index = Number(bundle.verificationMaterial.tlogEntries[0]!.logIndex ?? '0');
    assert.ok(Number(checkpoint.split('\n')[1]) > index, `the v2 checkpoint does not cover entry ${index}:\n${checkpoint}`);
  });

  it('image sign: the DSSE bundle cosign attaches holds a v2 entry and a timestamp', async () => {
    image = await pushImage(go.dir, env, `${registry.host}/sealhouse/v2:v1`, 'signed through rekor v2\n');
    ok(await cosign(['sign', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--yes', image]), 'cosign sign');
    const bundles = await referrerBundles(registry, image);
    assert.equal(bundles.length, 1, 'one signature bundle attached');
    // cosign v3 signs an image as an in-toto statement in DSSE, so v2 logs it as a hashedrekord over the PAE.
    assert.equal(predicateType(bundles[0]!), 'https://sigstore.dev/cosign/sign/v1');
    assertV2TsaBundle(bundles[0], sh.trustedRoot);
  });

  it('attest: the in-toto statement goes to Rekor v2 as a hashedrekord over the DSSE PAE, timestamped', async () => {
    const predicate = sh.file('predicate.json', {
      buildDefinition: { buildType: 'https://example.test/build/v1', externalParameters: {} },
      runDetails: { builder: { id: 'https://example.test/builder' } },
    });
    ok(await cosign(['attest', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--type', SLSA_V1, '--predicate', predicate, '--yes', image]), 'cosign attest');
    const attestation = (await referrerBundles(registry, image)).find((b) => predicateType(b) === SLSA_V1);
    assert.ok(attestation, 'no attestation bundle with the SLSA v1 predicate among the referrers');
    assertV2TsaBundle(attestation, sh.trustedRoot);
  });

  it('with Sealhouse stopped, verify-blob, verify and verify-attestation pass with our trusted root alone', async () => {
    await sh.server.stop();
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', blobBundle, '--use-signed-timestamps', ...identity(), blob]), 'cosign verify-blob');
    const v = await cosign(['verify', '--trusted-root', root, '--use-signed-timestamps', ...identity(), image]);
    ok(v, 'cosign verify');
    assert.match(v.stderr, /code-signing certificate was verified using trusted certificate authority certificates/);
    ok(await cosign(['verify-attestation', '--trusted-root', root, '--use-signed-timestamps', '--type', SLSA_V1, ...identity(), image]), 'cosign verify-attestation');
    // The twin that shows the artifact matters: another blob against the same bundle fails.
    const other = join(sh.tmp, 'other.txt');
    writeFileSync(other, 'not the signed blob\n');
    assert.notEqual((await cosign(['verify-blob', '--trusted-root', root, '--bundle', blobBundle, '--use-signed-timestamps', ...identity(), other])).code, 0, 'another blob verified');
  });

  it('fails against a trusted root whose TSA is another authority', async () => {
    const otherTsa = sh.file('other-tsa-root.json', withOtherTsa(sh.trustedRoot));
    refused(await cosign(['verify-blob', '--trusted-root', otherTsa, '--bundle', blobBundle, '--use-signed-timestamps', ...identity(), blob]), 'verify-blob with another TSA', /threshold not met for verified signed timestamps/);
    refused(await cosign(['verify', '--trusted-root', otherTsa, '--use-signed-timestamps', ...identity(), image]), 'verify with another TSA', /threshold not met for verified signed timestamps/);
  });

  it('fails against a trusted root whose v2 log key is another Ed25519 key', async () => {
    const otherKey = sh.file('other-v2-key-root.json', withOtherV2Key(sh.trustedRoot));
    refused(await cosign(['verify-blob', '--trusted-root', otherKey, '--bundle', blobBundle, '--use-signed-timestamps', ...identity(), blob]), 'verify-blob with another v2 key', /unverified checkpoint signature/);
    refused(await cosign(['verify', '--trusted-root', otherKey, '--use-signed-timestamps', ...identity(), image]), 'verify with another v2 key', /unverified checkpoint signature/);
  });

  it('sealhouse verify-bundle accepts the cosign bundle, and refuses it against another TSA or v2 key', async () => {
    await assertSealhouseVerifiesV2Bundle({ bundle: blobBundle, artifact: blob, trustedRoot: root, issuer: sh.idp.issuer }, sh.trustedRoot, sh.tmp);
  });
});
