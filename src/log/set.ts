/**
 * The Signed Entry Timestamp (Rekor "inclusion promise"), rekor-api.md §3: an ECDSA-SHA256
 * DER signature by the log key over the RFC 8785 form of
 *   {"body":"<base64 body>","integratedTime":<int>,"logID":"<hex>","logIndex":<int>}
 * The payload is core/set.ts's (shared with the page and the CLI); a test checks it against a
 * general JCS implementation.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { setPayload as corePayload } from '../core/set.js';

export interface SetFields {
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly logIdHex: string;
  readonly logIndex: number;
}

/** The one SET payload (core/set.ts), as the bytes the log key signs. */
export function setPayload(fields: SetFields): Buffer {
  return Buffer.from(corePayload({ body: fields.body.toString('base64'), integratedTime: fields.integratedTime, logID: fields.logIdHex, logIndex: fields.logIndex }), 'utf8');
}

export function signSet(fields: SetFields, privateKey: KeyObject): Buffer {
  return sign('sha256', setPayload(fields), { key: privateKey, dsaEncoding: 'der' });
}

export function verifySet(fields: SetFields, signature: Buffer, publicKey: KeyObject): boolean {
  return verify('sha256', setPayload(fields), { key: publicKey, dsaEncoding: 'der' }, signature);
}
