/**
 * Path validation rules that no production bundle breaks, on certificates made here (root →
 * intermediate → leaf, ECDSA P-256, built with core's DER writer and signed with node:crypto):
 * leaf EKU codeSigning, leaf not a CA, issuers that are CAs with keyCertSign, the root's path
 * length, every certificate's validity at the verified time, and a signature by the issuer's key
 * (not just its name).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { TAG } from '../../../src/core/der.js';
import { encodeTime, tlv, unsignedInteger, utf8String } from '../../../src/core/der-writer.js';
import { verifyCertificateChain } from '../../../src/core/bundle/certificate-chain.js';
import { BundleVerificationError, type BundleFailure } from '../../../src/core/bundle/errors.js';
import { nodeCrypto } from '../../../src/node-crypto.js';

const hex = (h: string): Uint8Array => Buffer.from(h.replace(/ /g, ''), 'hex');
const OIDS = {
  ecdsaSha256: hex('06 08 2a 86 48 ce 3d 04 03 02'),
  cn: hex('06 03 55 04 03'),
  basicConstraints: hex('06 03 55 1d 13'),
  keyUsage: hex('06 03 55 1d 0f'),
  extKeyUsage: hex('06 03 55 1d 25'),
  codeSigning: hex('06 08 2b 06 01 05 05 07 03 03'),
  serverAuth: hex('06 08 2b 06 01 05 05 07 03 01'),
};
const TRUE = hex('01 01 ff');
const KU_DIGITAL_SIGNATURE = hex('03 02 07 80');
const KU_CERT_SIGN = hex('03 02 01 06'); // keyCertSign + cRLSign

interface Spec {
  readonly name: string;
  readonly issuer: { name: string; key: KeyObject };
  readonly key: KeyObject;
  readonly ca?: boolean;
  readonly pathLen?: number;
  readonly keyUsage?: Uint8Array;
  readonly eku?: Uint8Array[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly extra?: Uint8Array[];
}

const name = (cn: string): Uint8Array => tlv(TAG.SEQUENCE, tlv(TAG.SET, tlv(TAG.SEQUENCE, OIDS.cn, utf8String(cn))));
const ext = (oid: Uint8Array, critical: boolean, value: Uint8Array): Uint8Array => tlv(TAG.SEQUENCE, oid, ...(critical ? [TRUE] : []), tlv(TAG.OCTET_STRING, value));
let serial = 1;

function makeCert(s: Spec): Uint8Array {
  const exts = [
    ext(OIDS.basicConstraints, true, tlv(TAG.SEQUENCE, ...(s.ca ? [TRUE, ...(s.pathLen !== undefined ? [unsignedInteger(Uint8Array.of(s.pathLen))] : [])] : []))),
    ext(OIDS.keyUsage, true, s.keyUsage ?? (s.ca ? KU_CERT_SIGN : KU_DIGITAL_SIGNATURE)),
    ...(s.eku ? [ext(OIDS.extKeyUsage, false, tlv(TAG.SEQUENCE, ...s.eku))] : []),
    ...(s.extra ?? []),
  ];
  const spki = s.key.export({ format: 'der', type: 'spki' });
  const tbs = tlv(
    TAG.SEQUENCE,
    tlv(0xa0, unsignedInteger(Uint8Array.of(2))),
    unsignedInteger(Uint8Array.of(serial++)),
    tlv(TAG.SEQUENCE, OIDS.ecdsaSha256),
    name(s.issuer.name),
    tlv(TAG.SEQUENCE, encodeTime(s.notBefore ?? new Date('2026-01-01T00:00:00Z')), encodeTime(s.notAfter ?? new Date('2027-01-01T00:00:00Z'))),
    name(s.name),
    spki,
    tlv(0xa3, tlv(TAG.SEQUENCE, ...exts)),
  );
  const signature = sign('sha256', tbs, { key: s.issuer.key, dsaEncoding: 'der' });
  return tlv(TAG.SEQUENCE, tbs, tlv(TAG.SEQUENCE, OIDS.ecdsaSha256), tlv(TAG.BIT_STRING, Uint8Array.of(0), signature));
}

const pair = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rootKeys = pair();
const intKeys = pair();
const leafKeys = pair();
const ROOT = { name: 'Test Root', key: rootKeys.privateKey };
const INT = { name: 'Test Intermediate', key: intKeys.privateKey };
const AT = new Date('2026-06-01T00:00:00Z');

const rootCert = (over: Partial<Spec> = {}): Uint8Array => makeCert({ name: ROOT.name, issuer: ROOT, key: rootKeys.publicKey, ca: true, pathLen: 1, ...over });
const intCert = (over: Partial<Spec> = {}): Uint8Array => makeCert({ name: INT.name, issuer: ROOT, key: intKeys.publicKey, ca: true, pathLen: 0, ...over });
const leafCert = (over: Partial<Spec> = {}): Uint8Array => makeCert({ name: 'leaf', issuer: INT, key: leafKeys.publicKey, eku: [OIDS.codeSigning], ...over });

function trustedRoot(chain: Uint8Array[], validFor: { start: string; end?: string } = { start: '2026-01-01T00:00:00Z' }): unknown {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    certificateAuthorities: [{ subject: { organization: 'test', commonName: 'test' }, uri: 'https://ca.test', certChain: { certificates: chain.map((c) => ({ rawBytes: Buffer.from(c).toString('base64') })) }, validFor }],
  };
}

function refused(code: BundleFailure, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof BundleVerificationError && err.code === code);
}

describe('certificate path validation', () => {
  const good = trustedRoot([intCert(), rootCert()]);
  it('a well-formed path verifies', () => {
    const r = verifyCertificateChain(leafCert(), good, AT, nodeCrypto);
    assert.deepEqual(r.chain.map((c) => c.subject), ['CN=leaf', 'CN=Test Intermediate', 'CN=Test Root']);
    assert.equal(r.authority, 'test/test');
  });
  it('a leaf without the codeSigning EKU, or one that is a CA', () => {
    refused('certificate-usage', () => verifyCertificateChain(leafCert({ eku: [OIDS.serverAuth] }), good, AT, nodeCrypto));
    refused('certificate-usage', () => verifyCertificateChain(leafCert({ eku: undefined }), good, AT, nodeCrypto));
    refused('certificate-usage', () => verifyCertificateChain(leafCert({ ca: true }), good, AT, nodeCrypto));
    refused('certificate-usage', () => verifyCertificateChain(leafCert({ keyUsage: KU_CERT_SIGN }), good, AT, nodeCrypto));
  });
  it('an issuer that is not a CA, or may not sign certificates', () => {
    refused('certificate-usage', () => verifyCertificateChain(leafCert(), trustedRoot([intCert({ ca: false }), rootCert()]), AT, nodeCrypto));
    refused('certificate-usage', () => verifyCertificateChain(leafCert(), trustedRoot([intCert({ keyUsage: KU_DIGITAL_SIGNATURE }), rootCert()]), AT, nodeCrypto));
  });
  it('a root whose path length forbids the intermediate', () => {
    refused('certificate-usage', () => verifyCertificateChain(leafCert(), trustedRoot([intCert(), rootCert({ pathLen: 0 })]), AT, nodeCrypto));
  });
  it('a certificate not valid at the verified time, or a CA outside its validFor', () => {
    refused('certificate-validity', () => verifyCertificateChain(leafCert({ notAfter: new Date('2026-03-01T00:00:00Z') }), good, AT, nodeCrypto));
    refused('certificate-validity', () => verifyCertificateChain(leafCert(), trustedRoot([intCert({ notBefore: new Date('2026-07-01T00:00:00Z') }), rootCert()]), AT, nodeCrypto));
    refused('certificate-validity', () => verifyCertificateChain(leafCert(), trustedRoot([intCert(), rootCert()], { start: '2026-01-01T00:00:00Z', end: '2026-05-01T00:00:00Z' }), AT, nodeCrypto));
    // validFor is a closed interval: its end instant is still inside.
    assert.equal(verifyCertificateChain(leafCert(), trustedRoot([intCert(), rootCert()], { start: '2026-01-01T00:00:00Z', end: AT.toISOString() }), AT, nodeCrypto).chain.length, 3);
  });
  it('a leaf whose issuer name matches but whose signature is by another key', () => {
    const impostor = makeCert({ name: 'leaf', issuer: { name: INT.name, key: pair().privateKey }, key: leafKeys.publicKey, eku: [OIDS.codeSigning] });
    refused('certificate-chain', () => verifyCertificateChain(impostor, good, AT, nodeCrypto));
  });
  it('a self-signed leaf', () => {
    const self = pair();
    refused('certificate-chain', () => verifyCertificateChain(makeCert({ name: 'alice', issuer: { name: 'alice', key: self.privateKey }, key: self.publicKey, eku: [OIDS.codeSigning] }), good, AT, nodeCrypto));
  });
  it('a precertificate (critical CT poison) or any unknown critical extension', () => {
    const poison = ext(hex('06 0a 2b 06 01 04 01 d6 79 02 04 03'), true, hex('05 00'));
    refused('certificate-usage', () => verifyCertificateChain(leafCert({ extra: [poison] }), good, AT, nodeCrypto));
    const unknown = ext(hex('06 03 2a 03 04'), true, hex('05 00'));
    refused('certificate-usage', () => verifyCertificateChain(leafCert(), trustedRoot([intCert({ extra: [unknown] }), rootCert()]), AT, nodeCrypto));
    // Not critical: ignored, as RFC 5280 allows.
    assert.equal(verifyCertificateChain(leafCert({ extra: [ext(hex('06 03 2a 03 04'), false, hex('05 00'))] }), good, AT, nodeCrypto).chain.length, 3);
  });
  it('not a certificate', () => {
    refused('bundle-format', () => verifyCertificateChain(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), good, AT, nodeCrypto));
  });
});
