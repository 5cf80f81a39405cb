/**
 * The Rekor v2 settings of src/config.ts: on by default and off with SEALHOUSE_REKOR_V2=0, the
 * key file, and the checkpoint origin — the bare host of SEALHOUSE_URL (no port, as sigstore-go
 * matches url.Hostname()), or SEALHOUSE_REKOR_V2_ORIGIN, refused when it cannot be a key name.
 * With it off, the trust documents list no v2 log; with it on, the one the key and origin give.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { isSealhouseError } from '../../src/errors.js';
import { loadTrustDocuments } from '../../src/server.js';

describe('Rekor v2 configuration', () => {
  it('is on by default, off with 0 or false, and refuses other values', () => {
    assert.equal(loadConfig({}).rekorV2, true);
    assert.equal(loadConfig({ SEALHOUSE_REKOR_V2: '1' }).rekorV2, true);
    assert.equal(loadConfig({ SEALHOUSE_REKOR_V2: '0' }).rekorV2, false);
    assert.equal(loadConfig({ SEALHOUSE_REKOR_V2: 'false' }).rekorV2, false);
    assert.throws(() => loadConfig({ SEALHOUSE_REKOR_V2: 'maybe' }), /SEALHOUSE_REKOR_V2 must be/);
  });

  it('takes the bare host of SEALHOUSE_URL as the origin unless SEALHOUSE_REKOR_V2_ORIGIN is set', () => {
    assert.equal(loadConfig({ SEALHOUSE_URL: 'https://rekor.example.com:8443/some/path' }).rekorV2Origin, 'rekor.example.com');
    assert.equal(loadConfig({ SEALHOUSE_URL: 'https://rekor.example.com', SEALHOUSE_REKOR_V2_ORIGIN: 'log2026.example.com' }).rekorV2Origin, 'log2026.example.com');
    for (const bad of ['two words', 'a+b']) {
      assert.throws(() => loadConfig({ SEALHOUSE_REKOR_V2_ORIGIN: bad }), (err: unknown) => isSealhouseError(err, 'invalid_input') && /SEALHOUSE_REKOR_V2_ORIGIN/.test(err.message));
    }
    assert.equal(loadConfig({ SEALHOUSE_REKOR_V2_KEY: 'k.pem' }).rekorV2KeyPath, join(process.cwd(), 'k.pem'));
  });

  it('lists the v2 log in the trust documents only when on, with the note key ID of its origin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-v2config-'));
    try {
      const env = { SEALHOUSE_DATA_DIR: dataDir, SEALHOUSE_URL: 'https://sealhouse.example', LOG_LEVEL: 'silent' };
      const off = await loadTrustDocuments(loadConfig({ ...env, SEALHOUSE_REKOR_V2: '0' }));
      const versions = (docs: typeof off): number[] => (docs.signingConfig as unknown as { rekorTlogUrls: { majorApiVersion: number }[] }).rekorTlogUrls.map((s) => s.majorApiVersion);
      assert.deepEqual(versions(off), [1]);
      assert.equal((off.trustedRoot as unknown as { tlogs: unknown[] }).tlogs.length, 1);
      const on = await loadTrustDocuments(loadConfig(env));
      assert.deepEqual(versions(on).sort(), [1, 2]);
      const again = await loadTrustDocuments(loadConfig(env));
      assert.deepEqual(again.trustedRoot, on.trustedRoot, 'the generated key is kept in the data directory');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
