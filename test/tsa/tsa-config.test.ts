/**
 * The TSA's settings: SEALHOUSE_TSA_CHAIN + SEALHOUSE_TSA_KEY (+ _PASSPHRASE) both or neither,
 * a server started with them serves exactly that chain, and one started with a chain whose leaf
 * is not a TSA certificate stops with a one-line reason instead of serving.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OID } from '../../src/ca/extensions.js';
import { loadConfig } from '../../src/config.js';
import { isSealhouseError } from '../../src/errors.js';
import { startServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { chainWithLeaf, goodLeafExtensions, makeTsa } from './fixtures.js';

describe('TSA configuration', { timeout: 120_000 }, () => {
  it('takes both files or neither, resolved to absolute paths, and the key passphrase', () => {
    assert.throws(() => loadConfig({ SEALHOUSE_TSA_CHAIN: 'chain.pem' }), /set both SEALHOUSE_TSA_CHAIN and SEALHOUSE_TSA_KEY/);
    assert.throws(() => loadConfig({ SEALHOUSE_TSA_KEY: 'key.pem' }), /set both SEALHOUSE_TSA_CHAIN and SEALHOUSE_TSA_KEY/);
    const config = loadConfig({ SEALHOUSE_TSA_CHAIN: 'tsa/chain.pem', SEALHOUSE_TSA_KEY: 'tsa/key.pem', SEALHOUSE_TSA_KEY_PASSPHRASE: 'pw' });
    assert.equal(config.tsaChainPath, join(process.cwd(), 'tsa/chain.pem'));
    assert.equal(config.tsaKeyPath, join(process.cwd(), 'tsa/key.pem'));
    assert.equal(config.tsaKeyPassphrase, 'pw');
    assert.equal(loadConfig({}).tsaChainPath, undefined);
  });

  it('a server given SEALHOUSE_TSA_CHAIN/KEY serves that chain and lists it in trusted_root.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-tsa-config-'));
    const tsa = makeTsa(undefined, 'corp');
    writeFileSync(join(dir, 'chain.pem'), tsa.chainPem);
    writeFileSync(join(dir, 'key.pem'), tsa.leafKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' }) as string, { mode: 0o600 });
    const server = await startTestServer({ SEALHOUSE_TSA_CHAIN: join(dir, 'chain.pem'), SEALHOUSE_TSA_KEY: join(dir, 'key.pem'), SEALHOUSE_TSA_KEY_PASSPHRASE: 'pw' });
    try {
      assert.equal(await (await fetch(`${server.url}/api/v1/timestamp/certchain`)).text(), tsa.chainPem);
      const root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as { timestampAuthorities: { subject: { organization?: string; commonName?: string }; certChain: { certificates: { rawBytes: string }[] } }[] };
      assert.deepEqual(root.timestampAuthorities[0]?.certChain.certificates.map((c) => c.rawBytes), tsa.material.chain.map((d) => d.toString('base64')));
      assert.deepEqual(root.timestampAuthorities[0]?.subject, { organization: 'corp', commonName: 'corp-tsa-root' });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a chain whose leaf lacks the critical timeStamping EKU stops the start with one line naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-tsa-config-'));
    try {
      const bad = chainWithLeaf((s, r) => goodLeafExtensions(s, r).filter((e) => e.oid !== OID.extKeyUsage));
      writeFileSync(join(dir, 'chain.pem'), bad.chainPem);
      writeFileSync(join(dir, 'key.pem'), bad.leafKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
      const config = loadConfig({ PORT: '0', SEALHOUSE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', SEALHOUSE_TSA_CHAIN: join(dir, 'chain.pem'), SEALHOUSE_TSA_KEY: join(dir, 'key.pem') });
      await assert.rejects(startServer(config), (err: unknown) => {
        assert.ok(isSealhouseError(err, 'malformed_key'), String(err));
        assert.match(err.message, new RegExp(`^the TSA certificate chain \\(${join(dir, 'chain.pem').replace(/[.]/g, '\\.')}\\): the leaf certificate's extended key usage \\(none\\) does not include Time Stamping$`));
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
