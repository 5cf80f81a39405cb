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
import { parseEcdsaSignature, toDer } from './ecdsa-signature.js';
import { base64Field, entryError, isJsonObject } from './fields.js';
import type { PublicKeyInfo } from './keys.js';

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
  checkSignatureCount(sigs.length, what);
  const signatures = sigs.map((s, i) => {
    if (!isJsonObject(s)) throw entryError(`${what}: signatures[${i}] must be an object`);
    const sig = optionalText(s, 'sig', `${what}: signatures[${i}]`);
    return { sig, bytes: base64Field(sig, `${what}: signatures[${i}].sig`, 'dsse'), keyid: optionalText(s, 'keyid', `${what}: signatures[${i}]`) };
  });
  return {
    payloadType: optionalText(raw, 'payloadType', what),
    payload: base64Field(optionalText(raw, 'payload', what), `${what}: payload`, 'dsse'),
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
 * Hostile-input limits (issue 8). Rekor itself has none beyond the body size, and checks every
 * verifier against every signature: 300 signatures × 300 verifiers (106 KB) cost 11 s of CPU.
 * Real clients send one signature and one verifier (the sigstore bundle requires exactly one
 * signature); in-toto multi-functionary envelopes carry a handful.
 *
 * The budget is in units of one P-256/RSA/Ed25519 check (~0.1 ms); a P-384 or P-521 pair costs
 * 20, since OpenSSL verifies those curves 10-20× slower and a failing pair is tried with two
 * hashes. 256 units bound one entry's verification to a few tens of ms even on the loaded
 * 2-core machine, while 8 signatures checked against their own (or same-position) keys fit
 * on any curve (8 × 20), as does the full 8 × 8 cross product of cheap keys.
 */
export const MAX_DSSE_SIGNATURES = 8;
export const MAX_DSSE_VERIFIERS = 8;
export const SIGNATURE_CHECK_BUDGET = 256;

/** Budget units of one (signature, key) check. */
function checkCost(key: PublicKeyInfo): number {
  return key.curve === 'P-384' || key.curve === 'P-521' ? 20 : 1;
}

export function checkSignatureCount(count: number, what: string): void {
  if (count > MAX_DSSE_SIGNATURES) {
    throw entryError(`${what} has ${count} signatures; at most ${MAX_DSSE_SIGNATURES} are accepted`);
  }
}

export function checkVerifierCount(count: number, what: string): void {
  if (count > MAX_DSSE_VERIFIERS) {
    throw entryError(`${what} has ${count} verifiers; at most ${MAX_DSSE_VERIFIERS} are accepted`);
  }
}

/** A verifier as the matcher needs it: its key and an identity (the canonical PEM) for de-duplication. */
export interface MatchKey {
  readonly key: PublicKeyInfo;
  readonly id: string;
}

/**
 * For each signature, the index of a verifier whose key verifies it over `message` (the PAE).
 * Throws unless every signature verifies (Rekor: "all signatures must have a key that verifies it").
 *
 * Instead of Rekor's verifier × signature loop, each signature first tries its hinted verifier
 * (`hints[i]`: the key sent with it in intoto 0.0.2, or the verifier at the same position in
 * dsse), then verifiers that already verified another signature, then the rest; identical
 * verifiers (same id) and repeated signatures are tried once, and checks stop at
 * SIGNATURE_CHECK_BUDGET. Pure, so it runs the same inline or in dsse-verify-worker.ts.
 */
export function matchIndexes(
  message: Buffer,
  signatures: readonly { readonly sig: string; readonly bytes: Buffer }[],
  keys: readonly MatchKey[],
  hints: readonly (number | undefined)[],
): number[] {
  checkSignatureCount(signatures.length, 'the DSSE envelope');
  const distinct: number[] = [];
  const seen = new Set<string>();
  keys.forEach((k, i) => {
    if (seen.has(k.id)) return;
    seen.add(k.id);
    distinct.push(i);
  });
  const bySig = new Map<string, number>();
  const proven: number[] = [];
  let spent = 0;
  return signatures.map((s, i) => {
    const known = bySig.get(s.sig);
    if (known !== undefined) return known;
    const hint = hints[i];
    const order = [...(hint !== undefined && hint < keys.length ? [hint] : []), ...proven, ...distinct];
    const tried = new Set<string>();
    for (const vi of order) {
      const k = keys[vi] as MatchKey;
      if (tried.has(k.id)) continue;
      tried.add(k.id);
      spent += checkCost(k.key);
      if (spent > SIGNATURE_CHECK_BUDGET) {
        throw entryError(`matching the ${signatures.length} DSSE signatures to their verifiers exceeds this server's signature-check budget; list the verifiers in signature order`);
      }
      if (verifyMessage(k.key, message, s.bytes)) {
        bySig.set(s.sig, vi);
        if (!proven.includes(vi)) proven.push(vi);
        return vi;
      }
    }
    const n = seen.size;
    throw entryError(
      `all signatures must have a key that verifies it: signature ${i + 1} of ${signatures.length} does not verify over the DSSE PAE with ${n === 1 ? 'the verifier' : `any of the ${n} verifiers`}`,
    );
  });
}

/** The most budget units matching could spend: what decides whether it is worth a thread hop. */
export function worstCaseCost(signatureCount: number, keys: readonly MatchKey[]): number {
  const perSignature = keys.reduce((sum, k) => sum + checkCost(k.key), 0);
  return Math.min(SIGNATURE_CHECK_BUDGET, signatureCount * perSignature);
}
