/**
 * The issuing CA's lifecycle: the database records the CA in use, so a start with a lost (and
 * regenerated) CA directory is refused; `sealhouse rotate ca` issues a new intermediate under
 * the same root and puts it into use while the old one stays in trusted_root.json with its
 * validFor closed. A keyless bundle signed (sigstore-js) before the rotation and one signed after
 * it both verify with the new trusted root, through sigstore-js's verifier and `sealhouse
 * verify-bundle`; with the old window moved before the first certificate, sigstore-js refuses it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleFromJSON, type SerializedBundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { runCli } from '../helpers/cli.js';
import { openTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SIGN_KEYLESS = fileURLToPath(new URL('../../../scripts/sign-keyless.js', import.meta.url));
const runAsync = promisify(execFile);
const IDENTITY = 'rotation@example.test';

interface CaJson { validFor: { start: string; end?: string }; certChain: { certificates: { rawBytes: string }[] } }
interface RootJson { certificateAuthorities: CaJson[] }

describe('rotating the issuing CA', { timeout: 240_000 }, () => {
  let dir: string;
  let db: TestDatabase;
  let env: Record<string, string>;
  const artifact = (): string => join(dir, 'artifact.txt');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealhouse-ca-rotation-'));
    db = await openTestDatabase();
    // One port throughout: the dev issuer's URL, which the certificates name, follows it.
    const port = await freePort();
    env = { SEALHOUSE_DATA_DIR: join(dir, 'data'), SEALHOUSE_DEV_OIDC: '1', PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}`, ...(usingPostgres() ? db.env : {}) };
    writeFileSync(artifact(), 'signed before and after a CA rotation\n');
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signedBundle(server: TestServer, name: string): Promise<SerializedBundle> {
    const token = await runCli(['dev-token', '--email', IDENTITY], { env: { ...process.env, ...server.env } });
    assert.equal(token.status, 0, token.stderr);
    // Asynchronously: the server runs in this process and must answer while sigstore-js signs.
    const signed = await runAsync(process.execPath, [SIGN_KEYLESS, artifact(), '--url', server.url, '--token', token.stdout.trim()], { encoding: 'utf8' });
    writeFileSync(join(dir, name), signed.stdout);
    return JSON.parse(signed.stdout) as SerializedBundle;
  }

  function sigstoreJsVerify(root: RootJson, bundle: SerializedBundle): void {
    new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle), readFileSync(artifact())));
  }

  async function sealhouseVerify(root: RootJson, bundleName: string, server: TestServer): Promise<void> {
    writeFileSync(join(dir, 'trusted_root.json'), JSON.stringify(root));
    const verified = await runCli(
      ['verify-bundle', '--bundle', join(dir, bundleName), '--trusted-root', join(dir, 'trusted_root.json'), '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', `${server.url}/dev-oidc`, artifact()],
      { env: { ...process.env, ...server.env } },
    );
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);
  }

  let first: SerializedBundle;

  it('signs under the first CA, and refuses a start whose CA directory was lost', async () => {
    const server = await startTestServer(env);
    try {
      first = await signedBundle(server, 'first.json');
    } finally {
      await server.stop();
    }
    cpSync(join(dir, 'data', 'ca'), join(dir, 'ca-backup'), { recursive: true });
    rmSync(join(dir, 'data', 'ca'), { recursive: true });
    await assert.rejects(startTestServer(env), /CA \(.*ca\) is not the one this database has in use \(epoch 1, since .*restore .*ca from a backup, or put this one into use deliberately with `sealhouse rotate ca`/);
    rmSync(join(dir, 'data', 'ca'), { recursive: true });
    cpSync(join(dir, 'ca-backup'), join(dir, 'data', 'ca'), { recursive: true });
  });

  it('`sealhouse rotate ca` puts a new intermediate under the same root into use; bundles from before and after both verify', async () => {
    const rootBefore = readFileSync(join(dir, 'data', 'ca', 'root.pem'), 'utf8');
    const rotated = await runCli(['rotate', 'ca', '--grace', '0s'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' } });
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /CA epoch 2 is in use from .*; epoch 1 stays valid until /);
    assert.ok(existsSync(join(dir, 'data', 'ca.retired-1', 'intermediate-key.pem')), 'the retired intermediate is kept');
    assert.equal(readFileSync(join(dir, 'data', 'ca', 'root.pem'), 'utf8'), rootBefore, 'the same root');

    const server = await startTestServer(env);
    try {
      const root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as RootJson;
      const [old, current] = root.certificateAuthorities;
      assert.equal(root.certificateAuthorities.length, 2);
      assert.ok(old?.validFor.end);
      assert.equal(current?.validFor.end, undefined);
      assert.notEqual(current?.certChain.certificates[0]?.rawBytes, old?.certChain.certificates[0]?.rawBytes, 'a new intermediate');
      assert.equal(current?.certChain.certificates[1]?.rawBytes, old?.certChain.certificates[1]?.rawBytes, 'under the same root');

      const second = await signedBundle(server, 'second.json');
      for (const [bundle, name] of [[first, 'first.json'], [second, 'second.json']] as const) {
        sigstoreJsVerify(root, bundle);
        await sealhouseVerify(root, name, server);
      }

      // The old window closed before the first certificate was issued: sigstore-js refuses it.
      const closedEarly = structuredClone(root);
      (closedEarly.certificateAuthorities[0] as CaJson).validFor.end = '2001-01-01T00:00:00Z';
      (closedEarly.certificateAuthorities[0] as CaJson).validFor.start = '2000-01-01T00:00:00Z';
      assert.throws(() => sigstoreJsVerify(closedEarly, first), /certificate|CERTIFICATE/);
      sigstoreJsVerify(closedEarly, second);
    } finally {
      await server.stop();
    }
  });
});
