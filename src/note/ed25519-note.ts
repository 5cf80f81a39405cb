/**
 * C2SP Ed25519 note keys (signature type 0x01) in the golang.org/x/mod/sumdb/note text formats.
 * https://c2sp.org/signed-note §Ed25519 signatures
 *
 *   vkey: PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
 *         <name>+<hex key ID>+base64(0x01 ‖ 32-byte public key)
 *   skey: PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
 *         PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 ‖ 32-byte seed)
 *
 * key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[0:4]. Ed25519 is deterministic, so an skey
 * reproduces published signatures byte for byte. Errors never quote an skey's key material.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { bufferOf } from '../buffer-view.js';
import { looksLikeBase64, tryDecodeBase64 } from '../core/base64.js';
import { ed25519NoteKeyId } from '../core/trust.js';
import { nodeCrypto } from '../node-crypto.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './signed-note.js';

export const ED25519_TYPE = 0x01;
const KEY_SIZE = 32;
/** PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7), so node:crypto can import it. */
const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const badKey = (message: string): SealhouseError => new SealhouseError('malformed_key', message);

/**
 * The full 32-byte key ID, SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key): its first 4 bytes are the
 * note's key hint, and the whole is a Rekor v2 log's `logId.keyId` (sigstore-go pkg/note).
 */
export function ed25519KeyHash(name: string, publicKey: Uint8Array): Buffer {
  return bufferOf(ed25519NoteKeyId(nodeCrypto, name, publicKey));
}

export function ed25519KeyId(name: string, publicKey: Uint8Array): Buffer {
  return ed25519KeyHash(name, publicKey).subarray(0, 4);
}

interface KeyFields {
  name: string;
  keyId: Buffer;
  /** The 32 bytes after the type byte: a public key (vkey) or a seed (skey). */
  key: Buffer;
}

/** Splits "<name>+<hex id>+<base64>" like sumdb/note's chop: the base64 may itself contain "+". */
function parseKeyFields(s: string, what: string, quoted: string): KeyFields {
  const first = s.indexOf('+');
  const second = first < 0 ? -1 : s.indexOf('+', first + 1);
  if (second < 0) throw badKey(`${what} ${quoted} is not "<name>+<8 hex key ID>+<base64 key>"`);
  const name = s.slice(0, first);
  const idHex = s.slice(first + 1, second);
  const b64 = s.slice(second + 1);
  if (!isValidKeyName(name)) throw badKey(`${what} ${quoted} has an invalid key name (empty, or contains a space or "+")`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw badKey(`${what} for ${name} has key ID ${JSON.stringify(idHex)}; it must be 8 hex digits`);
  if (!looksLikeBase64(b64)) throw badKey(`${what} for ${name} does not end in a base64 key`);
  const raw = Buffer.from(b64, 'base64');
  if (raw[0] !== ED25519_TYPE) {
    throw badKey(`${what} for ${name} has signature type 0x${(raw[0] ?? 0).toString(16).padStart(2, '0')}; only 0x01 (Ed25519) is supported`);
  }
  if (raw.length !== 1 + KEY_SIZE) throw badKey(`${what} for ${name} holds a ${raw.length - 1}-byte key; Ed25519 needs 32 bytes`);
  if (tryDecodeBase64(b64, 'canonical') === undefined) throw badKey(`${what} for ${name}: the key is not padded standard base64`);
  return { name, keyId: Buffer.from(idHex, 'hex'), key: raw.subarray(1) };
}

function checkKeyId(what: string, fields: KeyFields, publicKey: Buffer): void {
  const expected = ed25519KeyId(fields.name, publicKey);
  if (!expected.equals(fields.keyId)) {
    throw badKey(`${what} for ${fields.name} has key ID ${fields.keyId.toString('hex')}, but its name and key give ${expected.toString('hex')}`);
  }
}

function rawPublicKey(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
}

export function ed25519NoteVerifier(vkey: string): NoteVerifier {
  const fields = parseKeyFields(vkey, 'vkey', JSON.stringify(vkey));
  checkKeyId('vkey', fields, fields.key);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: fields.key.toString('base64url') }, format: 'jwk' });
  } catch (cause) {
    throw new SealhouseError('malformed_key', `vkey for ${fields.name} is not a usable Ed25519 public key`, { cause });
  }
  return {
    name: fields.name,
    keyHint: fields.keyId,
    verify: (message, signature) => {
      try {
        return signature.length === 64 && verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

/** A signer from a sumdb/note skey; also returns the matching vkey. */
export function ed25519NoteSigner(skey: string): NoteSigner & { readonly vkey: string } {
  if (!skey.startsWith('PRIVATE+KEY+')) throw badKey('skey does not start with "PRIVATE+KEY+"');
  const fields = parseKeyFields(skey.slice('PRIVATE+KEY+'.length), 'skey', '(not shown)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, fields.key]), format: 'der', type: 'pkcs8' });
  const publicKey = rawPublicKey(privateKey);
  checkKeyId('skey', fields, publicKey);
  return {
    name: fields.name,
    keyHint: fields.keyId,
    vkey: formatKey(fields.name, publicKey),
    sign: (message) => sign(null, message, privateKey),
  };
}

/**
 * A signer for an Ed25519 private KeyObject under key name `name` (for a log: its origin), with
 * its vkey and full key ID; the Rekor v2 checkpoint key comes from a PEM file, not an skey.
 */
export function ed25519KeySigner(name: string, privateKey: KeyObject): NoteSigner & { readonly vkey: string; readonly keyHash: Buffer; readonly publicKey: Buffer } {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw badKey('an Ed25519 note signer needs an Ed25519 private key');
  if (!isValidKeyName(name)) throw badKey(`note key name ${JSON.stringify(name)} must be non-empty and contain no spaces or "+"`);
  const publicKey = rawPublicKey(privateKey);
  return {
    name,
    keyHint: ed25519KeyId(name, publicKey),
    keyHash: ed25519KeyHash(name, publicKey),
    publicKey,
    vkey: formatKey(name, publicKey),
    sign: (message) => sign(null, message, privateKey),
  };
}

/** A fresh key pair for `name`, as sumdb/note's GenerateKey returns it. */
export function generateEd25519NoteKey(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw badKey(`note key name ${JSON.stringify(name)} must be non-empty and contain no spaces or "+"`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d } = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(d ?? '', 'base64url');
  return { skey: `PRIVATE+KEY+${formatKey(name, seed, rawPublicKey(privateKey))}`, vkey: formatKey(name, rawPublicKey(privateKey)) };
}

/** "<name>+<hex id>+base64(0x01 ‖ key)"; the ID always derives from the public key. */
function formatKey(name: string, key: Buffer, publicKey: Buffer = key): string {
  const typed = Buffer.concat([Buffer.from([ED25519_TYPE]), key]).toString('base64');
  return `${name}+${ed25519KeyId(name, publicKey).toString('hex')}+${typed}`;
}
