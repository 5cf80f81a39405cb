/**
 * The Signed Entry Timestamp (Rekor "inclusion promise"), rekor-api.md §3: an ECDSA-SHA256
 * DER signature by the log key over the RFC 8785 form of
 *   {"body":"<base64 body>","integratedTime":<int>,"logID":"<hex>","logIndex":<int>}
 * The four members are fixed and their values need no escaping (base64, hex, integers), so the
 * JCS form is written directly; a test checks it against a general JCS implementation.
 */
import { sign, verify, type KeyObject } from 'node:crypto';

export interface SetFields {
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly logIdHex: string;
  readonly logIndex: number;
}

export function setPayload(fields: SetFields): Buffer {
  return Buffer.from(
    `{"body":"${fields.body.toString('base64')}","integratedTime":${fields.integratedTime},` +
      `"logID":"${fields.logIdHex}","logIndex":${fields.logIndex}}`,
  );
}

export function signSet(fields: SetFields, privateKey: KeyObject): Buffer {
  return sign('sha256', setPayload(fields), { key: privateKey, dsaEncoding: 'der' });
}

export function verifySet(fields: SetFields, signature: Buffer, publicKey: KeyObject): boolean {
  return verify('sha256', setPayload(fields), { key: publicKey, dsaEncoding: 'der' }, signature);
}
