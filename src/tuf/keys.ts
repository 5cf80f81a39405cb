/**
 * TUF Ed25519 role keys: the key object as TUF metadata carries it (keytype/scheme "ed25519",
 * keyval.public hex), its keyid (hex SHA-256 of the key object's canonical JSON), and signing
 * over the canonical JSON of a role's `signed` part.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';

export interface TufPublicKey {
  readonly keytype: 'ed25519';
  readonly scheme: 'ed25519';
  readonly keyval: { readonly public: string };
}

export interface TufKey {
  readonly keyid: string;
  readonly publicKey: TufPublicKey;
  readonly privateKey: KeyObject;
}

/** The raw 32-byte Ed25519 public key as hex (the SPKI DER ends with it). */
function rawPublicHex(privateKey: KeyObject): string {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('hex');
}

export function tufKeyFrom(privateKey: KeyObject): TufKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`TUF role keys are Ed25519, got ${privateKey.asymmetricKeyType ?? 'a symmetric key'}`);
  const publicKey: TufPublicKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: rawPublicHex(privateKey) } };
  return { keyid: createHash('sha256').update(canonicalJson(publicKey)).digest('hex'), publicKey, privateKey };
}

export const generateTufKey = (): TufKey => tufKeyFrom(generateKeyPairSync('ed25519').privateKey);

export const tufKeyFromPem = (pem: string): TufKey => tufKeyFrom(createPrivateKey(pem));

export const tufKeyPem = (key: TufKey): string => key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

/** Hex Ed25519 signature over the canonical JSON of `signed`. */
export const signCanonical = (key: TufKey, signed: unknown): string => sign(null, Buffer.from(canonicalJson(signed), 'utf8'), key.privateKey).toString('hex');
