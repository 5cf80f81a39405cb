/**
 * The Signed Entry Timestamp (rekor-api.md §3): ECDSA P-256/SHA-256 by the log key over the
 * RFC 8785 (JCS) form of exactly
 *
 *   {"body":"<base64 body as served>","integratedTime":1700000000,"logID":"<64 hex>","logIndex":42}
 *
 * For these four members JCS is plain JSON.stringify with the keys in this (sorted) order:
 * the strings are base64/hex (nothing JCS escapes differently) and the numbers are integers.
 */
import { utf8 } from './bytes.js';
import type { CoreCrypto } from './crypto.js';

export interface SetFields {
  readonly body: string;
  readonly integratedTime: number;
  readonly logID: string;
  readonly logIndex: number;
}

export function setPayload(e: SetFields): string {
  for (const [name, n] of [['integratedTime', e.integratedTime], ['logIndex', e.logIndex]] as const) {
    if (!Number.isSafeInteger(n)) throw new Error(`${name} is not an integer: ${JSON.stringify(n)}`);
  }
  return JSON.stringify({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
}

/** Whether `signature` is the log key's (DER SPKI) ECDSA-SHA256 signature over the payload. */
export function verifySet(crypto: CoreCrypto, e: SetFields, signature: Uint8Array, logKeySpki: Uint8Array): boolean {
  return crypto.verify({ spki: logKeySpki, hash: 'sha256', signature, data: utf8(setPayload(e)) });
}
