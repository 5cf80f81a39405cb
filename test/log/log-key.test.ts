/**
 * The log key: PKCS#8 and SEC1 PEM files load; a generated key is written once (mode 0600) and
 * reused; wrong curves, encrypted or garbage files are refused with a message that names the
 * file but never prints its contents.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealhouseError } from '../../src/errors.js';
import { GENERATED_LOG_KEY_FILE, loadLogKey, loadOrCreateLogKey } from '../../src/log/log-key.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'sealhouse-logkey-'));
const spkiOf = (k: { publicKey: { export(o: object): unknown } }): string => (k.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('hex');

describe('log key', () => {
  it('loads PKCS#8 and SEC1 P-256 keys to the same public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d = dir();
    writeFileSync(join(d, 'pkcs8.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(join(d, 'sec1.pem'), privateKey.export({ format: 'pem', type: 'sec1' }), { mode: 0o600 });
    const expected = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('hex');
    assert.equal(spkiOf(loadLogKey(join(d, 'pkcs8.pem'))), expected);
    assert.equal(spkiOf(loadLogKey(join(d, 'sec1.pem'))), expected);
  });

  it('generates a key once into the data directory, mode 0600, and reuses it', () => {
    const d = join(dir(), 'data');
    const first = loadOrCreateLogKey({ dataDir: d });
    const second = loadOrCreateLogKey({ dataDir: d });
    assert.equal(spkiOf(first), spkiOf(second));
    assert.equal(statSync(join(d, GENERATED_LOG_KEY_FILE)).mode & 0o777, 0o600);
  });

  it('refuses other curves, encrypted, garbage and missing files without echoing key material', () => {
    const d = dir();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret',
    }) as string;
    const cases: [string, string, RegExp][] = [
      ['p384.pem', p384, /is ec secp384r1; Rekor clients only accept ECDSA P-256 log keys/],
      ['ed25519.pem', ed, /is ed25519; Rekor clients only accept ECDSA P-256/],
      ['encrypted.pem', encrypted, /is not an unencrypted PEM private key/],
      ['garbage.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /is not an unencrypted PEM private key/],
    ];
    for (const [name, contents, message] of cases) {
      writeFileSync(join(d, name), contents, { mode: 0o600 });
      assert.throws(
        () => loadLogKey(join(d, name)),
        (e: unknown) => e instanceof SealhouseError && e.code === 'malformed_key' && message.test(e.message) && e.message.includes(name) && !e.message.includes('BEGIN'),
        name,
      );
    }
    assert.throws(() => loadLogKey(join(d, 'missing.pem')), /cannot read the log key file .*missing\.pem: ENOENT/);
  });
});
