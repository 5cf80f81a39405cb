/**
 * Entries the real cosign v3 wrote, found in the search UI (Debian chromium via playwright-core)
 * by e-mail, by digest, by UUID and by log index, each verified in the page (issue 9 item 3).
 *
 * Which digest finds what (what Rekor indexes, src/entries/index-keys.ts): a cosign image
 * signature is a hashedrekord over cosign's simple-signing payload, so its index keys are the
 * certificate hash, the SAN (e-mail) and sha256 of that payload, never the image manifest digest.
 * The payload digest is what a user can read from the registry: it is the digest of the one layer
 * of the `sha256-<image hex>.sig` signature manifest. An attestation (`cosign attest`) is a
 * dsse/intoto entry whose in-toto subject is the image, so the image digest finds the attestation.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort, startOidcIssuer, type OidcIssuerProcess } from '../fixtures/oidc-issuer-process.js';
import { locateGoBin, pushImage, run, startRegistry, type LoopbackRegistry, type RunResult } from '../helpers/go-clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser, OpenedPages, screenshot, settled, SKIP_BROWSER, type UiPage } from './helpers/browser.js';

const go = locateGoBin(['cosign', 'crane', 'registry']);
const IDENTITY = 'carol@example.test';

interface Logged {
  readonly uuid: string;
  readonly index: number;
  readonly kind: string;
  readonly spec: Record<string, unknown>;
}

describe('search UI: entries the real cosign wrote', { skip: go.skip ?? SKIP_BROWSER, timeout: 240_000 }, () => {
  let idp: OidcIssuerProcess;
  let server: TestServer;
  let registry: LoopbackRegistry;
  let browser: Browser;
  let image: string;
  let signature: Logged;
  let attestation: Logged;
  /** sha256 of cosign's simple-signing payload, read from the registry's .sig manifest. */
  let payloadDigest: string;
  const tmp = mkdtempSync(join(tmpdir(), 'sealhouse-cosign-ui-'));
  const pages = new OpenedPages(() => browser, () => server.url);
  const env = { HOME: join(tmp, 'home'), TUF_ROOT: join(tmp, 'tuf') };
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  let tokens = 0;
  /** cosign v3 reads --identity-token as a file path when given a JWT longer than a file name may be. */
  const token = async (): Promise<string> => {
    const path = join(tmp, `token-${tokens++}`);
    writeFileSync(path, await idp.mint({ claims: { email: IDENTITY } }));
    return path;
  };
  /** The entry just logged: the log's last leaf. */
  const last = async (): Promise<Logged> => {
    const { treeSize } = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number };
    const res = (await (await fetch(`${server.url}/api/v1/log/entries?logIndex=${treeSize - 1}`)).json()) as Record<string, { body: string; logIndex: number }>;
    const [id, entry] = Object.entries(res)[0]!;
    const body = JSON.parse(Buffer.from(entry.body, 'base64').toString()) as { kind: string; spec: Record<string, unknown> };
    return { uuid: id.slice(-64), index: entry.logIndex, kind: body.kind, spec: body.spec };
  };

  before(async () => {
    idp = await startOidcIssuer();
    const port = await freePort();
    // Rekor v1 only: the search UI finds v1 entries (Rekor v2 has no search API, by design); with
    // v2 offered cosign v3 logs there instead (test/e2e/v2-tsa-cosign.test.ts).
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(tmp), PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}`, SEALHOUSE_REKOR_V2: '0' });
    registry = await startRegistry(go.dir);
    browser = await launchBrowser();
    const rootJson = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as {
      tlogs: { publicKey: { rawBytes: string } }[];
      ctlogs: { publicKey: { rawBytes: string } }[];
      certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
    };
    const pem = (label: string, b64: string, name: string): string => {
      const path = join(tmp, name);
      writeFileSync(path, `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`);
      return path;
    };
    const certs = rootJson.certificateAuthorities[0]!.certChain.certificates;
    // Legacy mode takes its trust from files named in the environment instead of a trusted root.
    const legacyEnv = {
      ...env,
      SIGSTORE_ROOT_FILE: pem('CERTIFICATE', certs[certs.length - 1]!.rawBytes, 'fulcio-root.pem'),
      SIGSTORE_REKOR_PUBLIC_KEY: pem('PUBLIC KEY', rootJson.tlogs[0]!.publicKey.rawBytes, 'rekor.pub'),
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: pem('PUBLIC KEY', rootJson.ctlogs[0]!.publicKey.rawBytes, 'ctlog.pub'),
    };
    const cosign = join(go.dir, 'cosign');
    image = await pushImage(go.dir, env, `${registry.host}/sealhouse/ui:v1`, 'search me\n');
    ok(await run(cosign, ['sign', '--use-signing-config=false', '--new-bundle-format=false', '--fulcio-url', server.url, '--rekor-url', server.url, '--yes', '--identity-token', await token(), image], legacyEnv), 'cosign sign');
    signature = await last();

    const [repo, digest] = image.split('@') as [string, string];
    const sigUrl = `http://${registry.host}/v2/${repo.slice(registry.host.length + 1)}/manifests/${digest.replace(':', '-')}.sig`;
    const sig = await fetch(sigUrl, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(sig.status, 200, 'no legacy .sig manifest was pushed');
    payloadDigest = ((await sig.json()) as { layers: { digest: string }[] }).layers[0]!.digest;

    const predicate = join(tmp, 'predicate.json');
    writeFileSync(predicate, JSON.stringify({ builder: { id: 'https://example.test/builder' }, buildType: 'https://example.test/t' }));
    const signingConfig = join(tmp, 'signing_config.json');
    writeFileSync(signingConfig, await (await fetch(`${server.url}/signing_config.json`)).text());
    const root = join(tmp, 'trusted_root.json');
    writeFileSync(root, JSON.stringify(rootJson));
    ok(await run(cosign, ['attest', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--type', 'slsaprovenance', '--predicate', predicate, '--yes', image], env), 'cosign attest');
    attestation = await last();
  });
  after(async () => {
    await browser?.close();
    await registry?.close();
    await server?.close();
    await idp?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => pages.assertClean());

  const open = async (path: string): Promise<UiPage> => {
    const p = await pages.open();
    await p.page.goto(path);
    await settled(p.page);
    return p;
  };
  const uuids = (p: UiPage): Promise<string[]> => p.page.locator('.result').evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid') ?? ''));
  const verdicts = (p: UiPage): Promise<string[]> => p.page.locator('.result [data-verdict]').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict') ?? ''));
  /** The entry view: its UUID, its verdict (with the reason if not verified) and every check's status. */
  const assertEntryVerified = async (p: UiPage, want: Logged, what: string): Promise<string[]> => {
    assert.equal(await p.page.locator('article.entry').getAttribute('data-uuid'), want.uuid, what);
    const verdict = await p.page.locator('.verification [data-verdict]').getAttribute('data-verdict');
    assert.equal(verdict, 'verified', `${what}: ${await p.page.locator('.verification').innerText()}`);
    const statuses = await p.page.locator('.checks [data-check]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')}:${e.getAttribute('data-status')}`));
    assert.deepEqual(statuses.filter((s) => s.endsWith(':failed')), [], what);
    for (const id of ['uuid', 'log-key', 'set', 'checkpoint', 'inclusion', 'cert-time']) assert.ok(statuses.includes(`${id}:ok`), `${what}: ${id} check ran and passed (${statuses.join(' ')})`);
    return statuses;
  };

  it('cosign logged a hashedrekord signature over its payload and an in-toto attestation of the image', () => {
    assert.equal(signature.kind, 'hashedrekord');
    const data = signature.spec.data as { hash: { algorithm: string; value: string } };
    assert.equal(`${data.hash.algorithm}:${data.hash.value}`, payloadDigest, 'the .sig layer digest is the signed payload hash');
    assert.notEqual(payloadDigest, image.split('@')[1], 'the signature is not over the image digest itself');
    assert.ok(attestation.kind === 'dsse' || attestation.kind === 'intoto', `attest logged a ${attestation.kind} entry`);
  });

  it('finds both by the signer\'s e-mail, each verified in the browser', async () => {
    const p = await open(`/?email=${encodeURIComponent(IDENTITY)}`);
    assert.match((await p.page.locator('h1').first().innerText()).replace(/\s+/g, ' '), /2 entries for email carol@example\.test/);
    assert.deepEqual(await uuids(p), [signature.uuid, attestation.uuid]);
    assert.deepEqual(await verdicts(p), ['verified', 'verified']);
    await screenshot(p.page, '20-cosign-email-results');
  });

  it('finds the signature by its payload digest and the attestation by the image digest', async () => {
    const bySig = await open(`/?hash=${payloadDigest}`);
    assert.deepEqual(await uuids(bySig), [signature.uuid], 'the .sig layer digest finds the signature');
    assert.deepEqual(await verdicts(bySig), ['verified']);
    const byImage = await open(`/?hash=${image.split('@')[1]!}`);
    assert.deepEqual(await uuids(byImage), [attestation.uuid], 'the image digest finds the attestation (its in-toto subject), not the signature');
    assert.deepEqual(await verdicts(byImage), ['verified']);
    await screenshot(byImage.page, '21-cosign-image-digest-results');
  });

  it('opens each by UUID and by log index with every check passing', async () => {
    for (const e of [signature, attestation]) {
      for (const q of [`uuid=${e.uuid}`, `logIndex=${e.index}`]) {
        const statuses = await assertEntryVerified(await open(`/?${q}`), e, `${e.kind} ?${q}`);
        if (e === signature) assert.ok(statuses.includes('signature:ok'), `the ECDSA signature over the payload hash verifies in the page (${statuses.join(' ')})`);
      }
    }
    await screenshot((await open(`/?uuid=${signature.uuid}`)).page, '22-cosign-signature-entry');
  });
});
