/** The TSA's key and chain: generated on first start into <dataDir>/tsa, or loaded from PEM files and checked. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicConstraintsCa, extKeyUsageCodeSigning, OID } from '../../src/ca/extensions.js';
import { tlv, TAG } from '../../src/ca/der.js';
import { encodeOid } from '../../src/ca/x509-sign.js';
import { isSealhouseError } from '../../src/errors.js';
import { loadOrCreateTsa, loadTsaFiles, tsaFromPem } from '../../src/tsa/tsa-keys.js';
import { TIME_STAMPING_OID } from '../../src/tsa/tsa-chain.js';
import { chainWithLeaf, goodLeafExtensions, makeTsa, opensslCertText, pkcs8 } from './fixtures.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'sealhouse-tsa-keys-'));

/** Refused with malformed_key, in one line, naming what is wrong. */
function assertRefused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSealhouseError(err, 'malformed_key'), String(err));
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return true;
  });
}

describe('generated TSA', () => {
  it('writes [leaf, root] with the RFC 3161 leaf profile, keys 0600 in a 0700 directory, and loads the same chain again', async () => {
    const data = tempDir();
    try {
      const dir = join(data, 'tsa');
      const first = await loadOrCreateTsa(dir);
      assert.equal(first.chain.length, 2);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      for (const key of ['root-key.pem', 'tsa-key.pem']) assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
      const leaf = opensslCertText(readFileSync(join(dir, 'chain.pem'), 'utf8'));
      assert.match(leaf, /Subject: O = sealhouse, CN = sealhouse-tsa\n/);
      assert.match(leaf, /Issuer: O = sealhouse, CN = sealhouse-tsa-root\n/);
      assert.match(leaf, /X509v3 Extended Key Usage: critical\s+Time Stamping\n/);
      assert.match(leaf, /X509v3 Key Usage: critical\s+Digital Signature\n/);
      assert.doesNotMatch(leaf, /CA:TRUE/);
      assert.match(leaf, /NIST CURVE: P-256/);
      const root = opensslCertText(readFileSync(join(dir, 'root.pem'), 'utf8'));
      assert.match(root, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      assert.equal(new X509Certificate(first.chain[1] as Buffer).raw.toString('base64'), new X509Certificate(readFileSync(join(dir, 'root.pem'))).raw.toString('base64'));

      const again = await loadOrCreateTsa(dir);
      assert.deepEqual(again.chain, first.chain);
      assert.equal(again.chainPem, readFileSync(join(dir, 'chain.pem'), 'utf8'));
      assert.ok(createPublicKey(again.privateKey).equals(createPublicKey(first.privateKey)));
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('a directory whose first start stopped before chain.pem gets a chain over the keys already there', async () => {
    const dir = tempDir();
    try {
      const first = await loadOrCreateTsa(dir);
      unlinkSync(join(dir, 'chain.pem'));
      const rebuilt = await loadOrCreateTsa(dir);
      assert.notDeepEqual(rebuilt.chain, first.chain);
      assert.ok(new X509Certificate(rebuilt.chain[0] as Buffer).publicKey.equals(new X509Certificate(first.chain[0] as Buffer).publicKey), 'same signing key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a generated signing key that other users can read', async () => {
    const dir = tempDir();
    try {
      await loadOrCreateTsa(dir);
      chmodSync(join(dir, 'tsa-key.pem'), 0o644);
      await assert.rejects(loadOrCreateTsa(dir), (err: unknown) => isSealhouseError(err, 'malformed_key') && /readable by other users/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configured TSA (SEALHOUSE_TSA_CHAIN + SEALHOUSE_TSA_KEY)', () => {
  it('loads a PEM chain with an encrypted key and its passphrase', async () => {
    const dir = tempDir();
    try {
      const tsa = makeTsa();
      writeFileSync(join(dir, 'chain.pem'), tsa.chainPem);
      const encrypted = tsa.leafKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string;
      writeFileSync(join(dir, 'key.pem'), encrypted, { mode: 0o600 });
      const loaded = await loadTsaFiles({ chain: join(dir, 'chain.pem'), key: join(dir, 'key.pem'), passphrase: 'correct horse' });
      assert.deepEqual(loaded.chain, tsa.material.chain);
      await assert.rejects(loadTsaFiles({ chain: join(dir, 'chain.pem'), key: join(dir, 'key.pem'), passphrase: 'wrong' }), /could not be decoded \(wrong or missing passphrase\?\)/);
      chmodSync(join(dir, 'key.pem'), 0o640);
      await assert.rejects(loadTsaFiles({ chain: join(dir, 'chain.pem'), key: join(dir, 'key.pem'), passphrase: 'correct horse' }), /readable by other users/);
      chmodSync(join(dir, 'key.pem'), 0o600);
      await assert.rejects(loadTsaFiles({ chain: join(dir, 'missing.pem'), key: join(dir, 'key.pem') }), /cannot read the TSA certificate chain file .*missing\.pem: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts the leaf profile tsa-chain.ts writes, built independently', () => {
    const { chainPem, leafKey } = chainWithLeaf(goodLeafExtensions);
    assert.equal(tsaFromPem(chainPem, pkcs8(leafKey), { source: 'x' }).chain.length, 2);
  });

  const eku = (critical: boolean, ...purposes: string[]) => ({ oid: OID.extKeyUsage, critical, value: tlv(TAG.SEQUENCE, ...purposes.map((p) => encodeOid(p))) });
  const refusals: [string, Parameters<typeof chainWithLeaf>[0], RegExp][] = [
    ['a non-critical timeStamping EKU', (s, r) => goodLeafExtensions(s, r).map((e) => (e.oid === OID.extKeyUsage ? eku(false, TIME_STAMPING_OID) : e)), /exactly one critical extended key usage, timeStamping/],
    ['timeStamping beside codeSigning', (s, r) => goodLeafExtensions(s, r).map((e) => (e.oid === OID.extKeyUsage ? eku(true, TIME_STAMPING_OID, OID.codeSigning) : e)), /exactly one critical extended key usage/],
    ['codeSigning instead of timeStamping', (s, r) => [...goodLeafExtensions(s, r).filter((e) => e.oid !== OID.extKeyUsage), extKeyUsageCodeSigning()], /does not include Time Stamping/],
    ['no EKU at all', (s, r) => goodLeafExtensions(s, r).filter((e) => e.oid !== OID.extKeyUsage), /does not include Time Stamping/],
    ['a CA certificate as the leaf', (s, r) => [...goodLeafExtensions(s, r), basicConstraintsCa(0)], /is a CA certificate/],
  ];
  for (const [name, extensions, pattern] of refusals) {
    it(`refuses a leaf with ${name}`, () => {
      const { chainPem, leafKey } = chainWithLeaf(extensions);
      assertRefused(() => tsaFromPem(chainPem, pkcs8(leafKey), { source: '/etc/tsa/chain.pem' }), pattern);
    });
  }

  it('refuses a chain whose leaf is not signed by the next certificate, a lone leaf, a non-root last certificate, and an expired leaf', () => {
    const a = chainWithLeaf(goodLeafExtensions);
    const b = chainWithLeaf(goodLeafExtensions);
    const [leafA = '', rootA = ''] = a.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    const [, rootB = ''] = b.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    assertRefused(() => tsaFromPem(leafA + rootB, pkcs8(a.leafKey), { source: 'x' }), /not issued by/);
    assertRefused(() => tsaFromPem(leafA, pkcs8(a.leafKey), { source: 'x' }), /at least two certificates/);
    assertRefused(() => tsaFromPem(leafA + leafA, pkcs8(a.leafKey), { source: 'x' }), /not a self-signed root/);
    assert.ok(rootA.length > 0);
    const expired = chainWithLeaf(goodLeafExtensions, { leafNotAfter: new Date(Date.now() - 1000) });
    assertRefused(() => tsaFromPem(expired.chainPem, pkcs8(expired.leafKey), { source: 'x' }), /valid from .* not at/);
  });

  it('refuses a key that is not the leaf\'s, and keys that are not ECDSA', () => {
    const tsa = makeTsa();
    assertRefused(() => tsaFromPem(tsa.chainPem, pkcs8(makeTsa().leafKey), { source: 'x' }), /does not match the TSA certificate/);
    assertRefused(() => tsaFromPem(tsa.chainPem, pkcs8(generateKeyPairSync('ed25519').privateKey), { source: 'x' }), /must be ECDSA P-256, P-384 or P-521/);
    assertRefused(() => tsaFromPem(tsa.chainPem, 'not a key', { source: 'x' }), /exactly one PKCS#8, SEC1 or PKCS#1 PEM block/);
    assertRefused(() => tsaFromPem('garbage', pkcs8(tsa.leafKey), { source: 'x' }), /TSA certificate chain/);
  });
});
