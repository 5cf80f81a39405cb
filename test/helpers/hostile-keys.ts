/**
 * Hostile key material for the issue-8 regression tests: SubjectPublicKeyInfos node:crypto must
 * never be shown (the EC point at infinity aborts Node 20 in `asymmetricKeyDetails`), X.509
 * certificates carrying them, and the repeated-CA "chain" that made path building exponential.
 * Certificates are assembled from raw DER so any SPKI bytes can be embedded and signed.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
export const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const oid = (hex: string): Buffer => tlv(0x06, Buffer.from(hex, 'hex'));
const name = (cn: string): Buffer => tlv(0x30, tlv(0x31, tlv(0x30, oid('550403'), tlv(0x0c, Buffer.from(cn)))));
const utc = (d: Date): Buffer => tlv(0x17, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`));
const SIG_ALG: Record<string, Buffer> = {
  sha256: tlv(0x30, oid('2a8648ce3d040302')),
  sha512: tlv(0x30, oid('2a8648ce3d040304')),
};

/** SPKI whose EC key is the point at infinity: BIT STRING content 00 (unused bits) 00 (SEC1 infinity). */
export const INFINITY_SPKI: Record<'P-256' | 'P-384' | 'P-521', Buffer> = {
  'P-256': tlv(0x30, tlv(0x30, oid('2a8648ce3d0201'), oid('2a8648ce3d030107')), Buffer.from('03020000', 'hex')),
  'P-384': tlv(0x30, tlv(0x30, oid('2a8648ce3d0201'), oid('2b81040022')), Buffer.from('03020000', 'hex')),
  'P-521': tlv(0x30, tlv(0x30, oid('2a8648ce3d0201'), oid('2b81040023')), Buffer.from('03020000', 'hex')),
};

export const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

/** An X.509 v3 certificate around `spki`, signed (ECDSA) by `signer`. */
export function rawCertificate(opts: { spki: Buffer; signer: KeyObject; cn?: string; issuerCn?: string; ca?: boolean; hash?: 'sha256' | 'sha512'; serial?: number }): Buffer {
  const now = Date.now();
  const cn = opts.cn ?? 'hostile';
  const hash = opts.hash ?? 'sha256';
  const alg = SIG_ALG[hash] as Buffer;
  const basicConstraints = tlv(0x30, oid('551d13'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x30, ...(opts.ca ? [tlv(0x01, Buffer.from([0xff]))] : []))));
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.from([opts.serial ?? 1])),
    alg,
    name(opts.issuerCn ?? cn),
    tlv(0x30, utc(new Date(now - 3_600_000)), utc(new Date(now + 3_600_000))),
    name(cn),
    opts.spki,
    tlv(0xa3, tlv(0x30, basicConstraints)),
  );
  return tlv(0x30, tbs, alg, tlv(0x03, Buffer.from([0]), sign(hash, tbs, opts.signer)));
}

/** A certificate whose subject key is the point at infinity (signed by a throwaway P-256 key). */
export function infinityCertificate(curve: 'P-256' | 'P-384' | 'P-521' = 'P-256'): Buffer {
  return rawCertificate({ spki: INFINITY_SPKI[curve], signer: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
}

export interface RepeatedCaChain {
  /** PEM: the self-signed CA nine times, then an unrelated root whose signature is garbage. */
  readonly pem: string;
  readonly caKey: KeyObject;
  readonly bytes: number;
}

/** The issue-8 chain: a self-signed CA repeated 9 times plus an unrelated root with a garbage signature. */
export function repeatedCaChain(curve: 'P-256' | 'P-521'): RepeatedCaChain {
  const hash = curve === 'P-521' ? 'sha512' : 'sha256';
  const ca = generateKeyPairSync('ec', { namedCurve: curve });
  const caSpki = ca.publicKey.export({ type: 'spki', format: 'der' });
  const caCert = rawCertificate({ spki: caSpki, signer: ca.privateKey, cn: 'loop CA', ca: true, hash });
  const other = generateKeyPairSync('ec', { namedCurve: curve });
  const root = Buffer.from(rawCertificate({ spki: other.publicKey.export({ type: 'spki', format: 'der' }), signer: other.privateKey, cn: 'unrelated root', ca: true, hash }));
  root.fill(0x5a, root.length - 16); // garbage in the signature's last bytes
  const text = Array.from({ length: 9 }, () => pem('CERTIFICATE', caCert)).join('') + pem('CERTIFICATE', root);
  return { pem: text, caKey: ca.privateKey, bytes: text.length };
}

export const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

/** A hashedrekord proposal over `artifact` with the given key material (PEM) and signature. */
export function hashedrekord(keyPem: string, signature: Buffer, artifact = 'hostile artifact', hash: 'sha256' | 'sha512' = 'sha256'): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: hash, value: createHash(hash).update(artifact).digest('hex') } },
      signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(keyPem).toString('base64') } },
    },
  };
}
