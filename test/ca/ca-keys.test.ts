/** CA material: first-start generation into a directory, and bring-your-own PEM chains. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateCaChain } from '../../src/ca/ca-chain.js';
import { caFromPem, loadOrCreateCa } from '../../src/ca/ca-keys.js';
import { authorityKeyIdExt, basicConstraintsCa, caName, type ExtensionSpec, keyIdentifier, keyUsage, subjectKeyIdExt } from '../../src/ca/extensions.js';
import { certificatesFromPem, toPem } from '../../src/core/pem.js';
import { encodeTbs, randomSerial } from '../../src/ca/tbs.js';
import { signatureAlgorithmFor, signTbs } from '../../src/ca/x509-sign.js';
import { isSealhouseError } from '../../src/errors.js';
import { openssl, tempDir } from './fixtures.js';

const gen = generateCaChain();
const pkcs8 = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const chainPem = toPem(gen.intermediate) + toPem(gen.root);

/** Fails with malformed_key, and never echoes private key material. */
function assertKeyError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSealhouseError(err, 'malformed_key'), String(err));
    assert.match(err.message, pattern);
    const secret = pkcs8(gen.intermediateKey).split('\n')[1] ?? '';
    assert.ok(!err.message.includes(secret.slice(0, 16)), 'no key material in the message');
    return true;
  });
}

/** An intermediate under gen.root with a custom extension list. */
function intermediateWith(extensions: (spki: Buffer) => ExtensionSpec[], notAfter = new Date(Date.now() + 86400_000)): { pem: string; key: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const alg = signatureAlgorithmFor(gen.rootKey);
  const tbs = encodeTbs(
    { serial: randomSerial(), signatureAlgorithm: alg, issuer: caName('sealhouse', 'sealhouse-root'), notBefore: new Date(Date.now() - 86400_000 * 2), notAfter, subject: caName('x', 'custom'), spki },
    extensions(spki),
  );
  return { pem: toPem(signTbs(tbs, gen.rootKey, alg)) + toPem(gen.root), key: privateKey };
}

describe('generated CA chain', () => {
  it('openssl sees the CA profile on root and intermediate', () => {
    const root = openssl((d) => ['x509', '-in', `${d}/r.pem`, '-noout', '-text'], { 'r.pem': toPem(gen.root) });
    assert.match(root, /Issuer: O = sealhouse, CN = sealhouse-root\n/);
    assert.match(root, /Subject: O = sealhouse, CN = sealhouse-root\n/);
    assert.match(root, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.match(root, /NIST CURVE: P-384/);
    assert.match(root, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    assert.match(root, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
    const inter = openssl((d) => ['x509', '-in', `${d}/i.pem`, '-noout', '-text'], { 'i.pem': toPem(gen.intermediate) });
    assert.match(inter, /Subject: O = sealhouse, CN = sealhouse-intermediate\n/);
    assert.match(inter, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    assert.match(inter, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
    assert.match(inter, /X509v3 Extended Key Usage: *\s+Code Signing\n/);
    const ski = /Subject Key Identifier: *\s+([0-9A-F:]+)/.exec(root)?.[1];
    const aki = /Authority Key Identifier: *\s+(?:keyid:)?([0-9A-F:]+)/.exec(inter)?.[1];
    assert.ok(ski && ski === aki, 'intermediate AKI = root SKI');
    const verified = openssl((d) => ['verify', '-CAfile', `${d}/r.pem`, `${d}/i.pem`], { 'r.pem': toPem(gen.root), 'i.pem': toPem(gen.intermediate) });
    assert.match(verified, /OK/);
  });
});

describe('loadOrCreateCa', () => {
  it('generates on first start with 0600 keys, then loads the same material', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'ca');
      const first = await loadOrCreateCa(path);
      for (const f of ['root-key.pem', 'intermediate-key.pem']) assert.equal(statSync(join(path, f)).mode & 0o777, 0o600, f);
      assert.equal(statSync(path).mode & 0o777, 0o700);
      assert.equal(certificatesFromPem(readFileSync(join(path, 'chain.pem'), 'utf8')).length, 2);
      assert.equal(first.chain.length, 2);
      assert.equal(first.chainPem.length, 2);
      const second = await loadOrCreateCa(path);
      assert.deepEqual(second.chain, first.chain);
      assert.ok(second.privateKey.equals(first.privateKey));
      assert.ok(new X509Certificate(first.certificate).checkIssued(new X509Certificate(first.chain[1] as Buffer)));
    } finally {
      dir.cleanup();
    }
  });

  it('refuses to overwrite a half-written directory', async () => {
    const dir = tempDir();
    try {
      await loadOrCreateCa(dir.path);
      unlinkSync(join(dir.path, 'chain.pem'));
      await assert.rejects(loadOrCreateCa(dir.path), /incomplete/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('caFromPem (bring your own chain)', () => {
  it('accepts PKCS#8, SEC1 and encrypted PKCS#8 keys', () => {
    const sec1 = gen.intermediateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const encrypted = gen.intermediateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hunter2' }) as string;
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    for (const [key, pass] of [[pkcs8(gen.intermediateKey)], [sec1], [encrypted, 'hunter2']] as [string, string?][]) {
      const ca = caFromPem(chainPem, key, pass);
      assert.deepEqual(ca.chain, [gen.intermediate, gen.root]);
      assert.deepEqual(ca.subjectKeyId, keyIdentifier(ca.spki));
    }
    assertKeyError(() => caFromPem(chainPem, gen.intermediateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string, 'wrong'), /passphrase/);
  });

  it('accepts a self-signed root as the only (issuing) certificate', () => {
    assert.equal(caFromPem(toPem(gen.root), pkcs8(gen.rootKey)).chain.length, 1);
  });

  it('refuses a key that does not match the certificate', () => {
    assertKeyError(() => caFromPem(chainPem, pkcs8(gen.rootKey)), /does not match/);
  });

  it('refuses chains that do not link up to a self-signed root', () => {
    assertKeyError(() => caFromPem(toPem(gen.root) + toPem(gen.intermediate), pkcs8(gen.rootKey)), /not signed by|self-signed/);
    assertKeyError(() => caFromPem(toPem(gen.intermediate), pkcs8(gen.intermediateKey)), /self-signed root/);
    assertKeyError(() => caFromPem(toPem(gen.intermediate) + toPem(generateCaChain().root), pkcs8(gen.intermediateKey)), /not signed by/);
  });

  it('refuses an issuing intermediate without EKU codeSigning, SKI, CA flag, or that has expired', () => {
    const base = (spki: Buffer, rootSki: Buffer) => [keyUsage('ca'), basicConstraintsCa(0), subjectKeyIdExt(keyIdentifier(spki)), authorityKeyIdExt(rootSki)];
    const rootSki = keyIdentifier(new X509Certificate(gen.root).publicKey.export({ type: 'spki', format: 'der' }));
    const noEku = intermediateWith((spki) => base(spki, rootSki));
    assertKeyError(() => caFromPem(noEku.pem, pkcs8(noEku.key)), /codeSigning/);
    const eku = { oid: '2.5.29.37', critical: false, value: Buffer.from('300a06082b06010505070303', 'hex') };
    const noSki = intermediateWith(() => [keyUsage('ca'), eku, basicConstraintsCa(0), authorityKeyIdExt(rootSki)]);
    assertKeyError(() => caFromPem(noSki.pem, pkcs8(noSki.key)), /SubjectKeyIdentifier/);
    const notCa = intermediateWith((spki) => [eku, subjectKeyIdExt(keyIdentifier(spki))]);
    assertKeyError(() => caFromPem(notCa.pem, pkcs8(notCa.key)), /not a CA/);
    const expired = intermediateWith((spki) => [...base(spki, rootSki), eku], new Date(Date.now() - 86400_000));
    assertKeyError(() => caFromPem(expired.pem, pkcs8(expired.key)), /expired/);
  });

  it('reports garbage input as malformed_key, not a TypeError', () => {
    assertKeyError(() => caFromPem('not pem at all', pkcs8(gen.intermediateKey)), /no CERTIFICATE/);
    assertKeyError(() => caFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', pkcs8(gen.intermediateKey)), /could not be parsed/);
    assertKeyError(() => caFromPem(chainPem, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), /could not be decoded/);
    assertKeyError(() => caFromPem(chainPem, ''), /exactly one/);
  });
});
