/**
 * `sealhouse ca init-root|intermediate-key|sign-intermediate`, the README's offline-root recipe:
 * a root made on "another machine", an intermediate whose key never leaves "the server", and a
 * server started with only the intermediate's key that issues certificates sigstore-js signs
 * with and our verifier chains to that root. A root made by openssl signs an intermediate too.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCaFiles } from '../../src/ca/ca-keys.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { capturingLogger } from '../helpers/capturing-logger.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

const SIGN_KEYLESS = fileURLToPath(new URL('../../../scripts/sign-keyless.js', import.meta.url));
const runAsync = promisify(execFile);
async function ca(...args: string[]): Promise<string> {
  const result = await runCli(['ca', ...args]);
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe('the generated default CA', () => {
  it('warns at start that its root key is online, and says what to do', async () => {
    const captured = capturingLogger();
    const running = await startTestServer({}, captured.logger);
    try {
      const line = captured.lines.find((l) => /root key is online/.test(l.msg));
      assert.ok(line, 'a warning about the online root key');
      assert.equal(line.level, 40);
      assert.match(line.msg, /sealhouse ca init-root/);
    } finally {
      await running.close();
    }
  });
});

describe('an offline root CA made with `sealhouse ca`', () => {
  const offline = mkdtempSync(join(tmpdir(), 'sealhouse-offline-'));
  const server = mkdtempSync(join(tmpdir(), 'sealhouse-online-'));
  after(() => {
    rmSync(offline, { recursive: true, force: true });
    rmSync(server, { recursive: true, force: true });
  });

  it('keeps the root key on the offline side and yields a chain the CA loads', async () => {
    await ca('init-root', '--dir', offline, '--org', 'Example Corp');
    await ca('intermediate-key', '--dir', server);
    await ca('sign-intermediate', '--dir', offline, '--public-key', join(server, 'intermediate-public.pem'), '--out', join(offline, 'chain.pem'), '--org', 'Example Corp');
    assert.ok(!existsSync(join(server, 'root-key.pem')), 'the server side never holds the root key');
    assert.equal(statSync(join(offline, 'root-key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(server, 'intermediate-key.pem')).mode & 0o777, 0o600);
    const loaded = await loadCaFiles({ chain: join(offline, 'chain.pem'), key: join(server, 'intermediate-key.pem') });
    assert.equal(loaded.chain.length, 2);
    await assert.rejects(ca('init-root', '--dir', offline), /root-key\.pem and .*root\.pem exists; refusing to overwrite it/);
    await assert.rejects(ca('sign-intermediate', '--dir', server, '--public-key', join(server, 'intermediate-public.pem'), '--out', join(server, 'x.pem')), /no root in .*sealhouse ca init-root/);
  });

  it('signs an intermediate under a root openssl made, naming its subject and key identifier as they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-openssl-root-'));
    try {
      execFileSync('openssl', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', join(dir, 'sec1.pem')]);
      execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'sec1.pem'), '-out', join(dir, 'root-key.pem')]);
      chmodSync(join(dir, 'root-key.pem'), 0o600);
      execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, 'root-key.pem'), '-sha384', '-days', '30', '-subj', '/O=Corp/OU=PKI/CN=Corp root',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash', '-out', join(dir, 'root.pem')]);
      await ca('intermediate-key', '--dir', join(dir, 'server'));
      await ca('sign-intermediate', '--dir', dir, '--public-key', join(dir, 'server', 'intermediate-public.pem'), '--out', join(dir, 'chain.pem'), '--years', '5');
      const verified = execFileSync('openssl', ['verify', '-x509_strict', '-CAfile', join(dir, 'root.pem'), join(dir, 'chain.pem')], { encoding: 'utf8' });
      assert.match(verified, /OK/);
      // The root lives 30 days: the intermediate asked for 5 years gets no more than that.
      const [intermediate] = (await loadCaFiles({ chain: join(dir, 'chain.pem'), key: join(dir, 'server', 'intermediate-key.pem') })).chainPem;
      const notAfter = Date.parse(new X509Certificate(intermediate as string).validTo);
      assert.ok(notAfter <= Date.now() + 31 * 86_400_000, new Date(notAfter).toISOString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
      assert.deepEqual(authority?.subject, { organization: 'Example Corp', commonName: 'Example Corp-root' });
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
      assert.match(verified.stdout, /the certificate chains to Example Corp\/Example Corp-root/);
    } finally {
      await running.close();
    }
  });
});
