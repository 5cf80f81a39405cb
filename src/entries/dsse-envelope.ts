/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md): parsing,
 * the pre-authentication encoding, and matching every signature to a verifier as Rekor's dsse
 * and intoto types do (rekor-api.md §2.2, §2.3). Signatures are checked over
 *
 *   PAE = "DSSEv1" SP len(type) SP type SP len(payload) SP payload
 *
 * with SHA-256 for ECDSA and RSA PKCS#1 v1.5 (Rekor loads every DSSE verifier with SHA-256) and
 * pure Ed25519. Deliberately more lenient than Rekor: a signature's `keyid` is not matched against
 * the key, and a P-384/P-521 signature made with SHA-384/SHA-512 is also accepted.
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Lenient } from './encoding.js';
import { parseEcdsaSignature, toDer } from './ecdsa-signature.js';
import { entryError, isJsonObject } from './fields.js';
import type { PublicKeyInfo, VerifierMaterial } from './keys.js';

export interface DsseSignature {
  /** The `sig` string exactly as in the envelope (what dsse stores). */
  sig: string;
  bytes: Buffer;
  keyid: string;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: DsseSignature[];
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function optionalText(obj: Record<string, unknown>, key: string, what: string): string {
  const value = obj[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw entryError(`${what}: "${key}" must be a string`);
  return value;
}

/** An envelope from its JSON text (dsse 0.0.1, intoto 0.0.1); `what` names it in messages. */
export function parseEnvelopeJson(text: string, what: string): DsseEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw entryError(`${what} is not valid JSON: ${(err as Error).message}`, err);
  }
  if (!isJsonObject(raw)) throw entryError(`${what} must be a JSON object`);
  const sigs = raw.signatures ?? [];
  if (!Array.isArray(sigs)) throw entryError(`${what}: "signatures" must be an array`);
  const signatures = sigs.map((s, i) => {
    if (!isJsonObject(s)) throw entryError(`${what}: signatures[${i}] must be an object`);
    const sig = optionalText(s, 'sig', `${what}: signatures[${i}]`);
    return { sig, bytes: decodeBase64Lenient(sig, `${what}: signatures[${i}].sig`), keyid: optionalText(s, 'keyid', `${what}: signatures[${i}]`) };
  });
  return {
    payloadType: optionalText(raw, 'payloadType', what),
    payload: decodeBase64Lenient(optionalText(raw, 'payload', what), `${what}: payload`),
    signatures,
  };
}

function verifyWith(key: KeyObject, hash: string, message: Buffer, sig: Buffer, rsa: boolean): boolean {
  try {
    return verify(hash, message, rsa ? { key, padding: constants.RSA_PKCS1_PADDING } : { key, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
}

/** Verifies one DSSE signature over `message` (the PAE) with `key`. */
export function verifyMessage(key: PublicKeyInfo, message: Buffer, sig: Buffer): boolean {
  if (key.algorithm === 'ed25519') {
    try {
      return verify(null, message, key.keyObject, sig);
    } catch {
      return false;
    }
  }
  if (key.algorithm === 'rsa') return sig.length * 8 === key.rsaBits && verifyWith(key.keyObject, 'sha256', message, sig, true);
  const parsed = key.curve === undefined ? undefined : parseEcdsaSignature(sig, key.curve);
  if (parsed === undefined) return false;
  const der = toDer(parsed);
  if (verifyWith(key.keyObject, 'sha256', message, der, false)) return true;
  const native = key.curve === 'P-384' ? 'sha384' : key.curve === 'P-521' ? 'sha512' : undefined;
  return native !== undefined && verifyWith(key.keyObject, native, message, der, false);
}

/**
 * For each distinct signature, the first verifier whose key verifies it over the PAE. Throws
 * unless every signature verifies (Rekor: "all signatures must have a key that verifies it").
 */
export function matchSignatures(env: DsseEnvelope, verifiers: readonly VerifierMaterial[]): Map<string, VerifierMaterial> {
  const message = pae(env.payloadType, env.payload);
  const matched = new Map<string, VerifierMaterial>();
  env.signatures.forEach((s, i) => {
    if (matched.has(s.sig)) return;
    const verifier = verifiers.find((v) => verifyMessage(v.key, message, s.bytes));
    if (verifier === undefined) {
      const n = verifiers.length;
      throw entryError(
        `all signatures must have a key that verifies it: signature ${i + 1} of ${env.signatures.length} does not verify over the DSSE PAE with ${n === 1 ? 'the verifier' : `any of the ${n} verifiers`}`,
      );
    }
    matched.set(s.sig, verifier);
  });
  return matched;
}
