/**
 * Trust distribution (reference §4): the served /trusted_root.json and /signing_config.json carry
 * exactly this instance's keys (here an enterprise CA and CT key from PEM files), load into
 * sigstore-js, and `sealhouse trust-root` / `signing-config` print byte-identical documents from
 * the same settings without the HTTP server — refusing, on the embedded store, while it runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { generateCaChain } from '../../src/ca/ca-chain.js';
import { toPem } from '../../src/core/pem.js';
import { usingPostgres } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/sealhouse.js'), ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('trust documents: served and printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-trust-'));
  const ca = generateCaChain({ organization: 'example corp' });
  const ctKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files = { chain: join(dir, 'chain.pem'), key: join(dir, 'ca-key.pem'), ct: join(dir, 'ct.pem') };
  writeFileSync(files.chain, toPem(ca.intermediate) + toPem(ca.root));
  writeFileSync(files.key, ca.intermediateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string, { mode: 0o600 });
  writeFileSync(files.ct, ctKey.privateKey.export({ type: 'sec1', format: 'pem' }) as string, { mode: 0o600 });
  let server: TestServer;
  let served: { root: string; signing: string };

  before(async () => {
    server = await startTestServer({
      SEALHOUSE_CA_CHAIN: files.chain,
      SEALHOUSE_CA_KEY: files.key,
      SEALHOUSE_CA_KEY_PASSPHRASE: 'correct horse',
      SEALHOUSE_CT_KEY: files.ct,
      SEALHOUSE_URL: 'https://sigstore.corp.example',
      SEALHOUSE_OIDC_URL: 'https://idp.corp.example',
    });
    served = { root: await (await fetch(`${server.url}/trusted_root.json`)).text(), signing: await (await fetch(`${server.url}/signing_config.json`)).text() };
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusted_root.json names our Rekor key, the PEM-configured CA chain and CT key, valid from before the trees existed', () => {
    const root = JSON.parse(served.root) as {
      tlogs: { baseUrl: string; publicKey: { rawBytes: string; validFor: { start: string } }; logId: { keyId: string } }[];
      certificateAuthorities: { uri: string; subject: object; certChain: { certificates: { rawBytes: string }[] } }[];
      ctlogs: { baseUrl: string; publicKey: { rawBytes: string }; logId: { keyId: string } }[];
    };
    const rekorSpki = server.running.log.signer.spki;
    assert.equal(root.tlogs[0]?.baseUrl, 'https://sigstore.corp.example');
    assert.equal(root.tlogs[0]?.publicKey.rawBytes, rekorSpki.toString('base64'));
    assert.equal(root.tlogs[0]?.logId.keyId, createHash('sha256').update(rekorSpki).digest('base64'));
    assert.ok(Date.parse(root.tlogs[0]?.publicKey.validFor.start ?? '') < Date.now() - 59_000);
    assert.deepEqual(root.certificateAuthorities[0]?.certChain.certificates.map((c) => c.rawBytes), [ca.intermediate, ca.root].map((d) => d.toString('base64')));
    assert.deepEqual(root.certificateAuthorities[0]?.subject, { organization: 'example corp', commonName: 'example corp-root' });
    const ctSpki = ctKey.publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(root.ctlogs[0]?.publicKey.rawBytes, ctSpki.toString('base64'));
    assert.equal(root.ctlogs[0]?.baseUrl, 'https://sigstore.corp.example');
    assert.ok(toTrustMaterial(TrustedRoot.fromJSON(root)));
  });

  it('signing_config.json points clients at this instance and the configured identity provider', async () => {
    const config = SigningConfig.fromJSON(JSON.parse(served.signing));
    assert.deepEqual([config.caUrls[0]?.url, config.rekorTlogUrls[0]?.url, config.oidcUrls[0]?.url], ['https://sigstore.corp.example', 'https://sigstore.corp.example', 'https://idp.corp.example']);
    assert.equal(await (await fetch(`${server.url}/signing_config.v0.2.json`)).text(), served.signing);
  });

  it('the CLI refuses the embedded store while the server holds it (on Postgres it prints the same document)', async () => {
    const r = await cli(['trust-root'], server.env);
    if (usingPostgres()) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, served.root);
    } else {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /has the embedded database in .* open \(PGlite is single-process\)/);
    }
  });

  it('with the server stopped, trust-root and signing-config print byte-identical documents', async () => {
    await server.stop();
    const root = await cli(['trust-root'], server.env);
    assert.equal(root.code, 0, root.stderr);
    assert.equal(root.stdout, served.root);
    const signing = await cli(['signing-config'], server.env);
    assert.equal(signing.code, 0, signing.stderr);
    assert.equal(signing.stdout, served.signing);
  });

  it('the CLI refuses settings that do not match the store (another CT key) and a wrong CA passphrase', async () => {
    const otherCt = join(dir, 'other-ct.pem');
    writeFileSync(otherCt, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const wrongKey = await cli(['trust-root'], { ...server.env, SEALHOUSE_CT_KEY: otherCt });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /does not match the key tree \d+ was created with/);
    const wrongPass = await cli(['trust-root'], { ...server.env, SEALHOUSE_CA_KEY_PASSPHRASE: 'wrong' });
    assert.equal(wrongPass.code, 1);
    assert.match(wrongPass.stderr, /could not be decoded \(wrong or missing passphrase\?\)/);
    assert.doesNotMatch(wrongPass.stderr, /PRIVATE KEY-----/);
  });
});
