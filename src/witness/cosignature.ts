/**
 * C2SP tlog-cosignature, Ed25519 form (`cosignature/v1`, signature type 0x04): the witness key,
 * the signed message and the check of one cosignature line.
 * https://c2sp.org/tlog-cosignature §Format, §Ed25519 signed message; https://c2sp.org/signed-note §Verifier keys
 *
 *   vkey:      witness.example/w1+<hex key ID>+base64(0x04 ‖ 32-byte Ed25519 public key)
 *   key ID:    SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[0:4]
 *   signature: u64 big-endian POSIX timestamp ‖ 64-byte Ed25519 signature over
 *              "cosignature/v1\ntime <timestamp>\n" ‖ the checkpoint's note text
 *
 * A vkey of type 0x01 (a plain Ed25519 note key) is also accepted for the same public key, as
 * transparency-dev/formats does: witness operators publish either spelling.
 *
 * Unlike a log's 0x01 note signature, the message does not commit to the witness name, which is
 * why the spec makes every cosigner use its own key. The 0x01 note keys live in
 * src/note/ed25519-note.ts; this differs in the type byte and in the signed message.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { looksLikeBase64, tryDecodeBase64 } from '../core/base64.js';
import { quote } from '../core/note.js';
import { SealhouseError } from '../errors.js';
import { ED25519_TYPE, ed25519KeyId } from '../note/ed25519-note.js';
import { isValidKeyName } from '../note/signed-note.js';

const COSIGNATURE_V1_TYPE = 0x04;
const PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const TIMESTAMP_SIZE = 8;
/** tlog-cosignature: "It MUST NOT exceed 2^63 - 1". */
const MAX_TIMESTAMP = 2n ** 63n - 1n;

const badKey = (message: string): SealhouseError => new SealhouseError('malformed_key', message);

/** A witness's cosignature/v1 verifier key, parsed. */
export interface CosignerKey {
  readonly name: string;
  /** 4 bytes: the key hint its signature lines carry. */
  readonly keyId: Buffer;
  readonly publicKey: Buffer;
  /** The vkey as configured, for log lines and metrics labels. */
  readonly vkey: string;
}

export function cosignatureKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, COSIGNATURE_V1_TYPE]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** "<name>+<hex key ID>+base64(0x04 ‖ key)", the vkey spelling of a cosigner key. */
export function formatCosignerVkey(name: string, publicKey: Uint8Array): string {
  const typed = Buffer.concat([Buffer.from([COSIGNATURE_V1_TYPE]), publicKey]).toString('base64');
  return `${name}+${cosignatureKeyId(name, publicKey).toString('hex')}+${typed}`;
}

/** Parses a cosignature/v1 vkey; the key ID must be the one its name and key give. */
export function parseCosignerVkey(vkey: string): CosignerKey {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw badKey(`witness vkey ${quote(vkey)} is not "<name>+<8 hex key ID>+<base64 key>"`);
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const b64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) throw badKey(`witness vkey ${quote(vkey)} has an invalid key name (empty, or contains a space or "+")`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw badKey(`witness vkey for ${name} has key ID ${quote(idHex)}; it must be 8 hex digits`);
  const raw = looksLikeBase64(b64) ? tryDecodeBase64(b64, 'canonical') : undefined;
  if (raw === undefined) throw badKey(`witness vkey for ${name} does not end in padded standard base64`);
  const type = raw[0];
  if (type !== COSIGNATURE_V1_TYPE && type !== ED25519_TYPE) {
    const hex = `0x${(type ?? 0).toString(16).padStart(2, '0')}`;
    throw badKey(`witness vkey for ${name} has signature type ${hex}; only 0x04 (Ed25519 cosignature/v1) and 0x01 (Ed25519) are supported`);
  }
  if (raw.length !== 1 + PUBLIC_KEY_SIZE) throw badKey(`witness vkey for ${name} holds a ${raw.length - 1}-byte key; Ed25519 needs 32 bytes`);
  const publicKey = Buffer.from(raw.subarray(1));
  const given = Buffer.from(idHex, 'hex');
  // A 0x01 vkey names the same Ed25519 key; its own ID is checked, and the cosignature lines
  // carry the 0x04 ID, as transparency-dev/formats' NewVerifierForCosignatureV1 does.
  const expected = type === ED25519_TYPE ? ed25519KeyId(name, publicKey) : cosignatureKeyId(name, publicKey);
  if (!expected.equals(given)) {
    throw badKey(`witness vkey for ${name} has key ID ${idHex.toLowerCase()}, but its name and key give ${expected.toString('hex')} (type 0x0${type})`);
  }
  const keyId = cosignatureKeyId(name, publicKey);
  const key: CosignerKey = { name, keyId, publicKey, vkey };
  try {
    publicKeyObject(key);
  } catch (cause) {
    throw new SealhouseError('malformed_key', `witness vkey for ${name} is not a usable Ed25519 public key`, { cause });
  }
  return key;
}

/** The bytes a cosignature/v1 signs: header, time line, then the checkpoint's note text. */
export function cosignatureMessage(checkpointText: string, timestamp: bigint): Buffer {
  if (timestamp < 0n || timestamp > MAX_TIMESTAMP) throw new SealhouseError('invalid_input', `cosignature timestamp ${timestamp} is outside [0, 2^63-1]`);
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`, 'utf8');
}

/** timestamped_signature: the u64 timestamp, big-endian, then the Ed25519 signature. */
export function encodeTimestampedSignature(timestamp: bigint, signature: Uint8Array): Buffer {
  const out = Buffer.alloc(TIMESTAMP_SIZE + signature.length);
  out.writeBigUInt64BE(timestamp, 0);
  out.set(signature, TIMESTAMP_SIZE);
  return out;
}

/** A cosignature that verified: when the witness says it signed. */
export interface VerifiedCosignature {
  /** POSIX seconds, from the signature's timestamp. */
  readonly timestamp: number;
}

/**
 * Checks one cosignature (the note signature's bytes after the key hint) over `checkpointText`.
 * Throws `verification_failed` naming what is wrong; a zero timestamp is refused because
 * tlog-witness says add-checkpoint's cosignature "MUST NOT omit the timestamp".
 */
export function verifyCosignature(key: CosignerKey, checkpointText: string, signature: Uint8Array): VerifiedCosignature {
  const who = `witness ${key.name}+${key.keyId.toString('hex')}`;
  if (signature.length !== TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) {
    throw new SealhouseError('verification_failed', `${who} returned a ${signature.length}-byte cosignature; cosignature/v1 is 8 bytes of timestamp and a 64-byte Ed25519 signature`);
  }
  const bytes = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  const timestamp = bytes.readBigUInt64BE(0);
  if (timestamp === 0n) throw new SealhouseError('verification_failed', `${who} returned a cosignature without a timestamp (time 0)`);
  if (timestamp > MAX_TIMESTAMP) throw new SealhouseError('verification_failed', `${who} returned a cosignature timestamp beyond 2^63-1`);
  const message = cosignatureMessage(checkpointText, timestamp);
  if (!verify(null, message, publicKeyObject(key), bytes.subarray(TIMESTAMP_SIZE))) {
    throw new SealhouseError('verification_failed', `${who} returned a cosignature that does not verify over the checkpoint (time ${timestamp})`);
  }
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new SealhouseError('verification_failed', `${who} returned a cosignature timestamp ${timestamp} too far in the future`);
  return { timestamp: Number(timestamp) };
}

const keyObjects = new WeakMap<CosignerKey, KeyObject>();

function publicKeyObject(key: CosignerKey): KeyObject {
  let object = keyObjects.get(key);
  if (object === undefined) {
    object = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') }, format: 'jwk' });
    keyObjects.set(key, object);
  }
  return object;
}
