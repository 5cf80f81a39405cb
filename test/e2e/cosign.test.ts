/**
 * The real cosign v3 against a live Sealhouse (Fulcio + Rekor) and a loopback OCI registry,
 * ID tokens from a separate OIDC issuer process, trust only from our /trusted_root.json (TUF
 * pointed at an empty temp dir, so any fetch from the public-good TUF repository would fail).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startOidcIssuer, type OidcIssuerProcess } from '../fixtures/oidc-issuer-process.js';
import { locateGoBin, pushImage, run, startRegistry, type LoopbackRegistry, type RunResult } from '../helpers/go-clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const go = locateGoBin(['cosign', 'crane', 'registry', 'rekor-cli']);
const IDENTITY = 'alice@example.test';

/** Canonical JSON (sorted keys, no spaces) as the SET is signed over. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

describe('cosign against Sealhouse', { skip: go.skip, timeout: 120_000 }, () => {
  let idp: OidcIssuerProcess;
  let server: TestServer;
  let registry: LoopbackRegistry;
  let env: Record<string, string>;
  let root: string;
  let rootJson: {
    tlogs: { publicKey: { rawBytes: string } }[];
    ctlogs: { publicKey: { rawBytes: string } }[];
    certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  };
  let signingConfig: string;
  const tmp = mkdtempSync(join(tmpdir(), 'sealhouse-cosign-'));
  let legacyEnv: Record<string, string>;
  const cosign = (args: string[], timeout?: number, extra: Record<string, string> = {}): Promise<RunResult> =>
    run(join(go.dir, 'cosign'), args, { ...env, ...extra }, timeout);
  const legacy = (): string[] => ['--use-signing-config=false', '--new-bundle-format=false', '--fulcio-url', server.url, '--rekor-url', server.url, '--yes'];
  let tokens = 0;
  /** cosign v3 reads --identity-token as a file path when given a JWT longer than a file name may be. */
  const token = async (): Promise<string> => {
    const path = join(tmp, `token-${tokens++}`);
    writeFileSync(path, await idp.mint());
    return path;
  };
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);

  before(async () => {
    idp = await startOidcIssuer();
    const port = await freePort();
    // Rekor v1 only: these are cosign's v1 paths (SET, entries/retrieve, dsse/intoto kinds); with v2
    // offered cosign v3 picks it, which test/e2e/v2-tsa-cosign.test.ts covers.
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(tmp), PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}`, SEALHOUSE_REKOR_V2: '0' });
    registry = await startRegistry(go.dir);
    const rootText = await (await fetch(`${server.url}/trusted_root.json`)).text();
    rootJson = JSON.parse(rootText) as typeof rootJson;
    root = join(tmp, 'trusted_root.json');
    writeFileSync(root, rootText);
    signingConfig = join(tmp, 'signing_config.json');
    writeFileSync(signingConfig, await (await fetch(`${server.url}/signing_config.json`)).text());
    env = { HOME: join(tmp, 'home'), TUF_ROOT: join(tmp, 'tuf'), SIGSTORE_ROOT_FILE: '', COSIGN_EXPERIMENTAL: '' };
    delete env.SIGSTORE_ROOT_FILE;
    delete env.COSIGN_EXPERIMENTAL;
    // Legacy mode takes its trust from files named in the environment instead of a trusted root.
    const pem = (label: string, b64: string, name: string): string => {
      const path = join(tmp, name);
      writeFileSync(path, `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`);
      return path;
    };
    const certs = rootJson.certificateAuthorities[0]!.certChain.certificates;
    legacyEnv = {
      SIGSTORE_ROOT_FILE: pem('CERTIFICATE', certs[certs.length - 1]!.rawBytes, 'fulcio-root.pem'),
      SIGSTORE_REKOR_PUBLIC_KEY: pem('PUBLIC KEY', rootJson.tlogs[0]!.publicKey.rawBytes, 'rekor.pub'),
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: pem('PUBLIC KEY', rootJson.ctlogs[0]!.publicKey.rawBytes, 'ctlog.pub'),
    };
  });
  after(async () => {
    await registry?.close();
    await server?.close();
    await idp?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const verifyArgs = (image: string, identity = IDENTITY, issuer?: string): string[] =>
    ['verify', '--trusted-root', root, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer ?? idp.issuer, image];

  it('legacy sign → verify: tlog index, three checks, SET over our log key', async () => {
    const image = await pushImage(go.dir, env, `${registry.host}/sealhouse/legacy:v1`, 'legacy\n');
    const s = await cosign(['sign', ...legacy(), '--identity-token', await token(), image], undefined, legacyEnv);
    ok(s, 'cosign sign');
    const m = /tlog entry created with index: (\d+)/.exec(s.stdout + s.stderr);
    // cosign ≤ 3.0 printed "tlog entry created with index: N"; 3.1 signs through sigstore-go and
    // prints nothing about the log, so the index is checked against the log itself below.
    const v = await cosign(verifyArgs(image));
    ok(v, 'cosign verify');
    assert.match(v.stderr, /cosign claims were validated/);
    assert.match(v.stderr, /verified offline/);
    assert.match(v.stderr, /code-signing certificate was verified using trusted certificate authority certificates/);
    const out = JSON.parse(v.stdout) as { optional: { Bundle: { SignedEntryTimestamp: string; Payload: Record<string, unknown> } } }[];
    const bundle = out[0]!.optional.Bundle;
    if (m) assert.equal(bundle.Payload.logIndex, Number(m[1]));
    const entry = await fetch(`${server.url}/api/v1/log/entries?logIndex=${String(bundle.Payload.logIndex)}`);
    assert.equal(entry.status, 200, 'the bundle names a log index our log does not have');
    assert.equal(Object.values((await entry.json()) as Record<string, { body: string }>)[0]!.body, bundle.Payload.body);
    const key = createPublicKey({ key: Buffer.from(rootJson.tlogs[0]!.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
    assert.ok(cryptoVerify('sha256', Buffer.from(canonical(bundle.Payload)), key, Buffer.from(bundle.SignedEntryTimestamp, 'base64')), 'SET does not verify');

    // rekor-cli finds the keyless entry by the certificate's e-mail (when built alongside cosign).
    const rekorCli = await run(join(go.dir, 'rekor-cli'), ['search', '--email', IDENTITY, '--rekor_server', server.url], env);
    assert.equal(rekorCli.code, 0, `rekor-cli search --email failed:\n${rekorCli.stderr}`);
    assert.match(rekorCli.stdout, /[0-9a-f]{64}/);

    const wrongId = await cosign(verifyArgs(image, 'mallory@example.test'));
    assert.notEqual(wrongId.code, 0, 'wrong identity verified');
    const wrongIss = await cosign(verifyArgs(image, IDENTITY, 'https://other.example.test'));
    assert.notEqual(wrongIss.code, 0, 'wrong issuer verified');
    // Same tag, new content: the new digest has no signature.
    const moved = await pushImage(go.dir, env, `${registry.host}/sealhouse/legacy:v1`, 'changed\n');
    assert.notEqual(moved, image);
    const changed = await cosign(verifyArgs(moved));
    assert.notEqual(changed.code, 0, 'changed image verified');
  });

  it('legacy signature without a bundle: cosign finds the entry in the log (entries/retrieve)', async () => {
    const image = await pushImage(go.dir, env, `${registry.host}/sealhouse/nobundle:v1`, 'nobundle\n');
    ok(await cosign(['sign', ...legacy(), '--identity-token', await token(), image], undefined, legacyEnv), 'cosign sign');
    // Rewrite the signature manifest without its Bundle annotation (layers stay as pushed).
    const [repo, digest] = image.split('@') as [string, string];
    const path = repo.slice(registry.host.length + 1);
    const tagUrl = `http://${registry.host}/v2/${path}/manifests/${digest.replace(':', '-')}.sig`;
    const res = await fetch(tagUrl, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(res.status, 200, 'no legacy .sig manifest was pushed');
    const manifest = (await res.json()) as { mediaType?: string; layers: { annotations: Record<string, string> }[] };
    assert.ok(manifest.layers[0]!.annotations['dev.sigstore.cosign/bundle'], 'the legacy signature has no Bundle annotation to strip');
    delete manifest.layers[0]!.annotations['dev.sigstore.cosign/bundle'];
    const put = await fetch(tagUrl, { method: 'PUT', headers: { 'content-type': manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json' }, body: JSON.stringify(manifest) });
    assert.equal(put.status, 201, `re-pushing the signature manifest: ${put.status}`);
    const v = await cosign(['verify', '--trusted-root', root, '--rekor-url', server.url, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', idp.issuer, image]);
    ok(v, 'cosign verify (no bundle)');
    assert.match(v.stderr, /transparency log/);
    // Twin: with no log to ask, the bundle-less signature must not verify (so the lookup happened).
    const dead = `http://127.0.0.1:${await freePort()}`;
    const offline = await cosign(['verify', '--trusted-root', root, '--rekor-url', dead, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', idp.issuer, image]);
    assert.notEqual(offline.code, 0, 'a bundle-less signature verified without reaching the log');
  });

  it('v3 defaults: signing config + trusted root, new bundle format', async () => {
    const image = await pushImage(go.dir, env, `${registry.host}/sealhouse/v3:v1`, 'v3\n');
    ok(await cosign(['sign', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--yes', image]), 'cosign sign');
    ok(await cosign(verifyArgs(image)), 'cosign verify');
  });

  it('sign-blob --bundle / verify-blob --bundle', async () => {
    const blob = join(tmp, 'blob.txt');
    writeFileSync(blob, 'a blob\n');
    const bundle = join(tmp, 'blob.bundle');
    ok(await cosign(['sign-blob', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--bundle', bundle, '--yes', blob]), 'sign-blob');
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', bundle, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', idp.issuer, blob]), 'verify-blob');
    writeFileSync(blob, 'another blob\n');
    assert.notEqual((await cosign(['verify-blob', '--trusted-root', root, '--bundle', bundle, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', idp.issuer, blob])).code, 0);
    assert.ok(readFileSync(bundle, 'utf8').includes('tlogEntries'));
  });

  it('attest --type slsaprovenance / verify-attestation', async () => {
    const image = await pushImage(go.dir, env, `${registry.host}/sealhouse/attest:v1`, 'attest\n');
    const predicate = join(tmp, 'predicate.json');
    writeFileSync(predicate, JSON.stringify({ builder: { id: 'https://example.test/builder' }, buildType: 'https://example.test/t' }));
    ok(await cosign(['attest', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--type', 'slsaprovenance', '--predicate', predicate, '--yes', image]), 'attest');
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number };
    const last = (await (await fetch(`${server.url}/api/v1/log/entries?logIndex=${info.treeSize - 1}`)).json()) as Record<string, { body: string }>;
    const kind = (JSON.parse(Buffer.from(Object.values(last)[0]!.body, 'base64').toString()) as { kind: string }).kind;
    assert.ok(kind === 'dsse' || kind === 'intoto', `attest logged a ${kind} entry`);
    ok(await cosign(['verify-attestation', '--trusted-root', root, '--type', 'slsaprovenance', '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', idp.issuer, image]), 'verify-attestation');
  });
});
