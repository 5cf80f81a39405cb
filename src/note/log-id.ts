/**
 * Rekor v1 / RFC 6962 log ID: SHA-256 of the log public key's DER SubjectPublicKeyInfo.
 * https://www.rfc-editor.org/rfc/rfc6962#section-3.2 (CT LogID), and Rekor's checkpoint key
 * hint, which is its first 4 bytes (production: c0d23d6a, base64 prefix "wNI9ag").
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { KEY_HINT_SIZE } from './signed-note.js';

/** The public half of `key`; a private KeyObject is accepted and its public key derived. */
export function publicKeyOf(key: KeyObject): KeyObject {
  if (key.type === 'public') return key;
  if (key.type === 'private') return createPublicKey(key);
  throw new SealhouseError('malformed_key', 'expected an asymmetric key, got a secret (symmetric) key');
}

export function logIdOf(publicKey: KeyObject): Buffer {
  const spki = publicKeyOf(publicKey).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest();
}

/** The Rekor v1 checkpoint key hint: logID[0:4]. */
export function rekorKeyHint(publicKey: KeyObject): Buffer {
  return logIdOf(publicKey).subarray(0, KEY_HINT_SIZE);
}
