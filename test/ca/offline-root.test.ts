/**
 * scripts/offline-root-ca.sh, the README's offline-root recipe: a root made with openssl on
 * "another machine", an intermediate whose key never leaves "the server", and a server started
 * with only the intermediate's key that issues certificates sigstore-js verifies to that root.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCaFiles } from '../../src/ca/ca-keys.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { capturingLogger } from '../helpers/capturing-logger.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/offline-root-ca.sh', import.meta.url));
const SIGN_KEYLESS = fileURLToPath(new URL('../../../scripts/sign-keyless.js', import.meta.url));
const runAsync = promisify(execFile);
const run = (...args: string[]): string => execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the generated default CA', () => {
  it('warns at start that its root key is online, and says what to do', async () => {
    const captured = capturingLogger();
    const running = await startTestServer({}, captured.logger);
    try {
      const line = captured.lines.find((l) => /root key is online/.test(l.msg));
      assert.ok(line, 'a warning about the online root key');
      assert.equal(line.level, 40);
      assert.match(line.msg, /scripts\/offline-root-ca\.sh/);
    } finally {
      await running.close();
    }
  });
});

describe('an offline root CA made with scripts/offline-root-ca.sh', () => {
  const offline = mkdtempSync(join(tmpdir(), 'sealhouse-offline-'));
  const server = mkdtempSync(join(tmpdir(), 'sealhouse-online-'));
  after(() => {
    rmSync(offline, { recursive: true, force: true });
    rmSync(server, { recursive: true, force: true });
  });

  it('keeps the root key on the offline side and yields a chain the CA loads', async () => {
    run('root', offline, 'Example Corp');
    run('csr', server, 'Example Corp');
    run('sign', offline, join(server, 'intermediate.csr'));
    assert.ok(!existsSync(join(server, 'root-key.pem')), 'the server side never holds the root key');
    const ca = await loadCaFiles({ chain: join(offline, 'chain.pem'), key: join(server, 'intermediate-key.pem') });
    assert.equal(ca.chain.length, 2);
    assert.throws(() => run('root', offline, 'Example Corp'), /refusing to overwrite a root key/);
  });

  it('a server with only the intermediate key lists the offline root and issues certificates that verify to it', async () => {
    const port = await freePort();
    const captured = capturingLogger();
    const running = await startTestServer({
      SEALHOUSE_CA_CHAIN: join(offline, 'chain.pem'),
      SEALHOUSE_CA_KEY: join(server, 'intermediate-key.pem'),
      SEALHOUSE_DEV_OIDC: '1',
      PORT: String(port),
      SEALHOUSE_URL: `http://127.0.0.1:${port}`,
    }, captured.logger);
    try {
      assert.ok(!captured.lines.some((l) => /root key is online/.test(l.msg)), 'no online-root warning when only the intermediate is configured');
      const root = (await (await fetch(`${running.url}/trusted_root.json`)).json()) as { certificateAuthorities: { subject: object; certChain: { certificates: { rawBytes: string }[] } }[] };
      const [authority] = root.certificateAuthorities;
      assert.deepEqual(authority?.subject, { organization: 'Example Corp', commonName: 'Example Corp sigstore root' });
      const rootDer = Buffer.from(readFileSync(join(offline, 'root.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
      assert.equal(authority?.certChain.certificates[1]?.rawBytes, rootDer.toString('base64'));

      // Keyless signing through sigstore-js (scripts/sign-keyless.js), verified by our verifier.
      const env = { ...process.env, ...running.env };
      const token = await runCli(['dev-token', '--email', 'alice@example.test'], { env });
      assert.equal(token.status, 0, token.stderr);
      const artifact = join(server, 'artifact.txt');
      writeFileSync(artifact, 'signed under an offline root\n');
      const bundle = join(server, 'artifact.sigstore.json');
      // Asynchronously: the server runs in this process and must answer while sigstore-js signs.
      const signed = await runAsync(process.execPath, [SIGN_KEYLESS, artifact, '--url', running.url, '--token', token.stdout.trim()], { encoding: 'utf8' });
      writeFileSync(bundle, signed.stdout);
      const trustedRoot = join(server, 'trusted_root.json');
      writeFileSync(trustedRoot, JSON.stringify(root));
      const verified = await runCli(
        ['verify-bundle', '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', 'alice@example.test', '--certificate-oidc-issuer', `${running.url}/dev-oidc`, artifact],
        { env },
      );
      assert.equal(verified.status, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /the certificate chains to Example Corp\/Example Corp sigstore root/);
    } finally {
      await running.close();
    }
  });
});
