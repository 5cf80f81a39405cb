/**
 * Test material for the entries room: key pairs of every supported type and X.509 certificates
 * (self-signed roots, intermediates, Fulcio-like leaves with every SAN type) built with pkijs.
 */
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { toPem } from '../../src/core/pem.js';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never }));

export type KeySpec = 'P-256' | 'P-384' | 'P-521' | 'RSA-1024' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'Ed25519';

export interface TestKey {
  spec: KeySpec;
  pair: webcrypto.CryptoKeyPair;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PUBLIC KEY PEM as Go writes it. */
  pem: string;
  /** Ed25519 only: raw 32-byte seed for Ed25519ph signing with noble. */
  seed?: Uint8Array;
}

const cache = new Map<KeySpec, Promise<TestKey>>();

async function generate(spec: KeySpec): Promise<TestKey> {
  let params: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm;
  if (spec.startsWith('RSA-')) {
    params = { name: 'RSASSA-PKCS1-v1_5', modulusLength: Number(spec.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  } else if (spec === 'Ed25519') params = { name: 'Ed25519' };
  else params = { name: 'ECDSA', namedCurve: spec };
  const pair = (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const privateKey = KeyObject.from(pair.privateKey);
  const publicKey = KeyObject.from(pair.publicKey);
  const pem = toPem(publicKey.export({ type: 'spki', format: 'der' }), 'PUBLIC KEY');
  const seed = spec === 'Ed25519' ? Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url') : undefined;
  return { spec, pair, privateKey, publicKey, pem, ...(seed === undefined ? {} : { seed }) };
}

/** One cached key per spec (RSA-4096 generation is slow). */
export function testKey(spec: KeySpec): Promise<TestKey> {
  let p = cache.get(spec);
  if (p === undefined) cache.set(spec, (p = generate(spec)));
  return p;
}

export function freshKey(spec: KeySpec): Promise<TestKey> {
  return generate(spec);
}

export function digestOf(alg: 'sha256' | 'sha384' | 'sha512', data: Buffer): Buffer {
  return createHash(alg).update(data).digest();
}

/** A signature over `data` as a hashedrekord client makes it: hash `alg`, then sign the digest. */
export function signData(key: TestKey, alg: 'sha256' | 'sha384' | 'sha512', data: Buffer, raw = false): Buffer {
  if (key.spec === 'Ed25519') return Buffer.from(ed25519ph.sign(data, key.seed as Uint8Array));
  return sign(alg, data, raw ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
}

export interface Sans {
  dns?: string[];
  email?: string[];
  ip?: Buffer[];
  uri?: string[];
  fulcioUsername?: string;
}

export interface TestCert {
  der: Buffer;
  pem: string;
  cert: pkijs.Certificate;
  key: TestKey;
}

function tagged(tagNumber: number, bytes: Buffer): asn1js.Primitive {
  return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: bytes });
}

function sanExtension(s: Sans): pkijs.Extension {
  const names: asn1js.BaseBlock[] = [
    ...(s.dns ?? []).map((d) => tagged(2, Buffer.from(d))),
    ...(s.email ?? []).map((e) => tagged(1, Buffer.from(e))),
    ...(s.ip ?? []).map((ip) => tagged(7, ip)),
    ...(s.uri ?? []).map((u) => tagged(6, Buffer.from(u))),
  ];
  if (s.fulcioUsername !== undefined) {
    names.unshift(
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [
          new asn1js.ObjectIdentifier({ value: '1.3.6.1.4.1.57264.1.7' }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Utf8String({ value: s.fulcioUsername })] }),
        ],
      }),
    );
  }
  return new pkijs.Extension({ extnID: '2.5.29.17', critical: true, extnValue: new asn1js.Sequence({ value: names }).toBER(false) });
}

let serial = 1;

export async function makeCert(opts: {
  cn: string;
  key: TestKey;
  issuer?: TestCert;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  sans?: Sans;
}): Promise<TestCert> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: opts.cn }) }));
  cert.issuer = opts.issuer === undefined ? cert.subject : opts.issuer.cert.subject;
  cert.notBefore.value = opts.notBefore ?? new Date(Date.now() - 60_000);
  cert.notAfter.value = opts.notAfter ?? new Date(Date.now() + 600_000);
  await cert.subjectPublicKeyInfo.importKey(opts.key.pair.publicKey);
  cert.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: opts.ca ?? false }).toSchema().toBER(false),
    }),
  ];
  if (opts.sans !== undefined) cert.extensions.push(sanExtension(opts.sans));
  const signer = opts.issuer?.key ?? opts.key;
  await cert.sign(signer.pair.privateKey, signer.spec === 'Ed25519' ? undefined : 'SHA-256');
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  return { der, pem: toPem(der, 'CERTIFICATE'), cert, key: opts.key };
}

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
