/**
 * The one EC key-file loader (src/key-file.ts) as the CT log and the dev OIDC issuer use it
 * (the log key's wording is tested in test/log/log-key.test.ts): generated once 0600 and reused,
 * a configured file wins, wrong curves and readable files are refused naming the file and use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealhouseError } from '../src/errors.js';
import { loadEcKey, loadOrCreateEcKey } from '../src/key-file.js';

const spki = (k: { publicKey: { export(o: { type: 'spki'; format: 'der' }): Buffer } }): Buffer => k.publicKey.export({ type: 'spki', format: 'der' });

describe('EC key files', () => {
  it('generates a P-256 key once, 0600, and reuses it; a configured file wins', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-keyfile-'));
    try {
      const spec = { dataDir, fileName: 'ct-key.pem', what: 'the CT log key' };
      const first = loadOrCreateEcKey(spec);
      assert.equal(first.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      assert.equal(first.source, join(dataDir, 'ct-key.pem'));
      assert.equal(statSync(first.source).mode & 0o777, 0o600);
      assert.deepEqual(spki(loadOrCreateEcKey(spec)), spki(first), 'the same key after a restart');

      const configured = join(dataDir, 'mine.pem');
      writeFileSync(configured, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }) as string, { mode: 0o600 });
      const chosen = loadOrCreateEcKey({ ...spec, path: configured });
      assert.equal(chosen.source, configured);
      assert.notDeepEqual(spki(chosen), spki(first));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses another curve, and a file others can read, in the words of its use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-keyfile-'));
    try {
      const p384 = join(dir, 'p384.pem');
      writeFileSync(p384, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
      assert.throws(() => loadEcKey(p384, { what: 'the CT log key' }), (err: unknown) =>
        isSealhouseError(err, 'malformed_key') && err.message === `the CT log key in ${p384} is ec secp384r1; it must be ECDSA P-256`);
      const open = join(dir, 'open.pem');
      writeFileSync(open, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
      chmodSync(open, 0o644);
      assert.throws(() => loadEcKey(open, { what: 'the development OIDC key' }), (err: unknown) =>
        isSealhouseError(err, 'malformed_key') && err.message.startsWith(`the development OIDC key file ${open} is readable by other users`) && !err.message.includes('BEGIN'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
