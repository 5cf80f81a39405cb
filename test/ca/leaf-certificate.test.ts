/**
 * The issued certificate against the Fulcio profile (reference §2.1–2.2), read back three
 * independent ways: pkijs, `openssl x509 -text`, and node:crypto's X509Certificate.
 * (The precert/final byte-exactness property of reference §3.3 is in precert.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import type * as asn1js from 'asn1js';
import { LEAF_VALIDITY_MS, LeafDraft } from '../../src/ca/leaf-certificate.js';
import { precertEntry } from '../../src/ct/ct-submission.js';
import { OID } from '../../src/ca/extensions.js';
import { toPem } from '../../src/core/pem.js';
import { CtLogSigner, serializeSctList } from '../../src/ct/sct.js';
import { readCertificate as parseCertificate } from '../../src/core/x509-raw.js';
import { bufferOf } from '../../src/buffer-view.js';
import { isSealhouseError } from '../../src/errors.js';
import { EMAIL_EXTENSIONS, fixedClock, keyPair, makeCa, openssl } from './fixtures.js';

const ca = makeCa();
const requester = keyPair('P-256');
const ctSigner = new CtLogSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

function issue(draft: LeafDraft): { precert: Buffer; final: Buffer } {
  const precert = draft.precertificate();
  const sct = ctSigner.sign(precertEntry(precert, ca.material.certificate), Date.now());
  return { precert, final: draft.finalCertificate(serializeSctList([sct])) };
}

const emailDraft = (clock = fixedClock('2026-03-04T05:06:07.890Z')): LeafDraft =>
  new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'email', value: 'alice@example.com' }, extensions: EMAIL_EXTENSIONS }, clock);

describe('leaf certificate profile (pkijs)', () => {
  const draft = emailDraft();
  const { final } = issue(draft);
  const cert = pkijs.Certificate.fromBER(final);
  const ext = (oid: string): pkijs.Extension => {
    const found = cert.extensions?.find((e) => e.extnID === oid);
    assert.ok(found, `extension ${oid} present`);
    return found;
  };

  it('is v3 with a positive 20-byte serial', () => {
    assert.equal(cert.version, 2);
    const serial = cert.serialNumber.valueBlock.valueHexView;
    assert.equal(serial.length, 20);
    assert.ok((serial[0] as number) < 0x80 && (serial[0] as number) > 0);
    assert.deepEqual(Buffer.from(serial), draft.serial);
  });

  it('is valid from now (whole seconds) for exactly 10 minutes', () => {
    assert.equal(cert.notBefore.value.toISOString(), '2026-03-04T05:06:07.000Z');
    assert.equal(cert.notAfter.value.getTime() - cert.notBefore.value.getTime(), LEAF_VALIDITY_MS);
  });

  it('has the intermediate subject as issuer byte for byte, an empty subject, and the requester key', () => {
    const raw = parseCertificate(final);
    assert.deepEqual(raw.issuer, parseCertificate(ca.material.certificate).subject);
    assert.deepEqual(raw.subject, Buffer.from([0x30, 0x00]));
    assert.equal(cert.subject.typesAndValues.length, 0);
    assert.deepEqual(Buffer.from(cert.subjectPublicKeyInfo.toSchema().toBER(false)), requester.spki);
  });

  it('is signed ecdsa-with-SHA384 by the P-384 intermediate', () => {
    assert.equal(cert.signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.3');
    assert.equal(cert.signature.algorithmId, '1.2.840.10045.4.3.3');
  });

  it('has the extensions in Fulcio order, with the right criticality', () => {
    assert.deepEqual(
      cert.extensions?.map((e) => [e.extnID, e.critical]),
      [
        [OID.keyUsage, true],
        [OID.extKeyUsage, false],
        [OID.subjectKeyId, false],
        [OID.authorityKeyId, false],
        [OID.subjectAltName, true],
        ['1.3.6.1.4.1.57264.1.1', false],
        ['1.3.6.1.4.1.57264.1.8', false],
        ['1.3.6.1.4.1.57264.1.24', false],
        [OID.ctSctList, false],
      ],
    );
    assert.ok(!cert.extensions?.some((e) => e.extnID === OID.basicConstraints), 'no BasicConstraints');
  });

  it('has KeyUsage digitalSignature only and EKU codeSigning only', () => {
    const ku = ext(OID.keyUsage).parsedValue as asn1js.BitString;
    assert.deepEqual([...ku.valueBlock.valueHexView], [0x80]);
    assert.equal(ku.valueBlock.unusedBits, 7);
    assert.deepEqual((ext(OID.extKeyUsage).parsedValue as pkijs.ExtKeyUsage).keyPurposes, [OID.codeSigning]);
  });

  it('has SKI = SHA-1 of the key bits and AKI = the intermediate SKI', () => {
    const ski = ext(OID.subjectKeyId).parsedValue as asn1js.OctetString;
    const bits = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
    assert.deepEqual(Buffer.from(ski.valueBlock.valueHexView), createHash('sha1').update(bits).digest());
    const aki = ext(OID.authorityKeyId).parsedValue as pkijs.AuthorityKeyIdentifier;
    assert.deepEqual(Buffer.from(aki.keyIdentifier?.valueBlock.valueHexView ?? []), ca.material.subjectKeyId);
  });

  it('has exactly one rfc822Name SAN', () => {
    const san = ext(OID.subjectAltName).parsedValue as pkijs.AltName;
    assert.equal(san.altNames.length, 1);
    assert.equal(san.altNames[0]?.type, 1);
    assert.equal(san.altNames[0]?.value, 'alice@example.com');
  });

  it('encodes .1 as raw UTF-8 and .8/.24 as DER UTF8String', () => {
    const value = (oid: string): Buffer => Buffer.from(ext(oid).extnValue.valueBlock.valueHexView);
    assert.deepEqual(value('1.3.6.1.4.1.57264.1.1'), Buffer.from('https://idp.example.test'));
    assert.deepEqual(value('1.3.6.1.4.1.57264.1.8'), Buffer.concat([Buffer.from([0x0c, 24]), Buffer.from('https://idp.example.test')]));
    assert.deepEqual(value('1.3.6.1.4.1.57264.1.24'), Buffer.concat([Buffer.from([0x0c, 9]), Buffer.from('user-1234')]));
  });

  it('sorts sigstore extensions by arc whatever order the principal gives', () => {
    const shuffled = new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'email', value: 'a@b.example' }, extensions: [...EMAIL_EXTENSIONS].reverse() });
    const oids = parseCertificate(shuffled.certificate()).extensions.map((e) => e.oid).filter((o) => o.startsWith('1.3.6.1.4.1.57264'));
    assert.deepEqual(oids, ['1.3.6.1.4.1.57264.1.1', '1.3.6.1.4.1.57264.1.8', '1.3.6.1.4.1.57264.1.24']);
  });
});

describe('leaf certificate as openssl and node:crypto see it', () => {
  const { precert, final } = issue(emailDraft({ now: () => new Date() }));

  it('openssl x509 -text shows the Fulcio profile', () => {
    const text = openssl((d) => ['x509', '-in', `${d}/leaf.pem`, '-noout', '-text'], { 'leaf.pem': toPem(final) });
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.match(text, /Issuer: O = sealhouse, CN = sealhouse-intermediate/);
    assert.match(text, /Subject: *\n/);
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /X509v3 Extended Key Usage: *\s+Code Signing\n/);
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.match(text, /X509v3 Authority Key Identifier/);
    assert.match(text, /X509v3 Subject Alternative Name: critical\s+email:alice@example.com\n/);
    assert.match(text, /1\.3\.6\.1\.4\.1\.57264\.1\.1: *\s+https:\/\/idp\.example\.test\n/);
    assert.match(text, /CT Precertificate SCTs:[\s\S]*Signed Certificate Timestamp:[\s\S]*ecdsa-with-SHA256/);
    assert.doesNotMatch(text, /Basic Constraints/);
    assert.doesNotMatch(text, /Poison/);
  });

  it('openssl shows the poison, critical, only on the precert', () => {
    const text = openssl((d) => ['x509', '-in', `${d}/pre.pem`, '-noout', '-text'], { 'pre.pem': toPem(precert) });
    assert.match(text, /CT Precertificate Poison: critical\s+NULL/);
    assert.doesNotMatch(text, /Precertificate SCTs/);
  });

  it('chains: leaf ← intermediate ← root (node:crypto and openssl verify)', () => {
    const leaf = new X509Certificate(final);
    const inter = new X509Certificate(ca.generated.intermediate);
    const root = new X509Certificate(ca.generated.root);
    assert.ok(leaf.checkIssued(inter) && leaf.verify(inter.publicKey));
    assert.ok(inter.checkIssued(root) && inter.verify(root.publicKey));
    assert.ok(root.checkIssued(root) && root.verify(root.publicKey));
    const out = openssl((d) => ['verify', '-CAfile', `${d}/root.pem`, '-untrusted', `${d}/int.pem`, '-purpose', 'any', `${d}/leaf.pem`], {
      'root.pem': toPem(ca.generated.root),
      'int.pem': toPem(ca.generated.intermediate),
      'leaf.pem': toPem(final),
    });
    assert.match(out, /leaf\.pem: OK/);
  });
});

describe('SAN kinds and requester key types', () => {
  it('encodes URI and otherName SANs', () => {
    const uri = new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'uri', value: 'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main' }, extensions: EMAIL_EXTENSIONS });
    const uriSan = pkijs.Certificate.fromBER(uri.certificate()).extensions?.find((e) => e.extnID === OID.subjectAltName)?.parsedValue as pkijs.AltName;
    assert.equal(uriSan.altNames[0]?.type, 6);
    assert.equal(uriSan.altNames[0]?.value, 'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main');

    const other = new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'otherName', value: 'alice!example.com' }, extensions: EMAIL_EXTENSIONS });
    const raw = parseCertificate(other.certificate()).extensions.find((e) => e.oid === OID.subjectAltName);
    assert.ok(raw?.critical);
    // SEQUENCE { [0] { OID 1.3.6.1.4.1.57264.1.7, [0] { UTF8String } } }
    const oid = Buffer.from('060a2b0601040183bf300107', 'hex');
    assert.ok(bufferOf(raw.value).includes(oid));
    assert.ok(bufferOf(raw.value).includes(Buffer.concat([Buffer.from([0xa0, 19, 0x0c, 17]), Buffer.from('alice!example.com')])));
  });

  it('refuses non-ASCII email or URI SANs (IA5String)', () => {
    assert.throws(
      () => new LeafDraft(ca.material, { publicKey: requester.spki, san: { type: 'email', value: 'jürgen@example.com' }, extensions: EMAIL_EXTENSIONS }),
      (err: unknown) => isSealhouseError(err, 'invalid_input'),
    );
  });

  for (const kind of ['P-384', 'P-521', 'rsa2048', 'ed25519'] as const) {
    it(`issues for a ${kind} requester key`, () => {
      const k = keyPair(kind);
      const der = new LeafDraft(ca.material, { publicKey: k.spki, san: { type: 'email', value: 'a@b.example' }, extensions: EMAIL_EXTENSIONS }).certificate();
      const leaf = new X509Certificate(der);
      assert.ok(leaf.publicKey.equals(k.publicKey));
      assert.ok(leaf.verify(new X509Certificate(ca.material.certificate).publicKey));
    });
  }
});
