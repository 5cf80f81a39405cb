/**
 * Parsing a requester's public key and refusing weak ones, as Fulcio does with
 * `challenges.ParsePublicKey` and sigstore's `goodkey.ValidatePubKey`
 * (https://github.com/sigstore/sigstore/blob/main/pkg/cryptoutils/goodkey/goodkey.go): EC keys
 * only on P-256/384/521, RSA 2048–4096 bits with e = 65537, Ed25519; nothing else.
 * Error texts are Fulcio's client messages (reference §1.1) followed by the specific reason.
 */
import type { KeyObject } from 'node:crypto';
import { checkSpki, keyObjectOf, UNCOMPRESSED_ONLY } from '../entries/spki-check.js';
import { SealhouseError } from '../errors.js';
import { pemBlocks } from '../core/pem.js';
import { bufferOf } from '../buffer-view.js';

export const INVALID_PUBLIC_KEY = 'The public key supplied in the request could not be parsed';
export const INSECURE_PUBLIC_KEY = 'The public key supplied in the request is insecure';

/** A key that passed the strength checks, with the hash its default verifier uses. */
export interface AcceptedKey {
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo, as it will appear in the certificate. */
  readonly spki: Buffer;
  /** Fulcio's algorithm name, e.g. `ecdsa-sha2-256-nistp256`, `rsa-sign-pkcs1-2048-sha256`, `ed25519`. */
  readonly defaultAlgorithm: string;
  /** node:crypto digest of the default verifier, null for pure Ed25519. */
  readonly defaultHash: 'sha256' | 'sha384' | 'sha512' | null;
}

const CURVES: Record<string, { name: string; hash: 'sha256' | 'sha384' | 'sha512' }> = {
  'P-256': { name: 'nistp256', hash: 'sha256' },
  'P-384': { name: 'nistp384', hash: 'sha384' },
  'P-521': { name: 'nistp521', hash: 'sha512' },
};

const insecure = (why: string): SealhouseError => new SealhouseError('invalid_input', `${INSECURE_PUBLIC_KEY}: ${why}`);

const unparsable = (why: string): SealhouseError => new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: ${why}`);

/**
 * Strength rules over a key read from its DER (spki-check.ts) before any KeyObject exists: a
 * hostile EC key (the point at infinity) aborts Node once OpenSSL is asked about it. The DER is
 * kept byte for byte for the certificate; the check proves it canonical (named curve,
 * uncompressed point — what Go's x509, hence Fulcio and cosign, can read).
 */
export function acceptSpki(der: Buffer, known?: KeyObject): AcceptedKey {
  const verdict = checkSpki(der);
  if (!verdict.ok) throw verdict.unsupported && verdict.reason !== UNCOMPRESSED_ONLY ? insecure(verdict.reason) : unparsable(verdict.reason);
  const checked = verdict.key;
  if (checked.algorithm === 'rsa') {
    const size = checked.rsaBits ?? 0;
    if (size < 2048 || size > 4096) throw insecure(`RSA key size ${size} is outside 2048–4096 bits`);
    if (checked.rsaExponent !== 65537) throw insecure('RSA public exponent must be 65537');
  }
  const made = known ?? keyObjectOf(checked);
  if (typeof made === 'string') throw unparsable(made);
  const spki = Buffer.from(der);
  switch (checked.algorithm) {
    case 'ecdsa': {
      const curve = CURVES[checked.curve ?? ''];
      if (!curve) throw insecure(`EC curve ${checked.curve ?? 'unknown'} is not allowed (P-256, P-384, P-521 only)`);
      return { key: made, spki, defaultAlgorithm: `ecdsa-sha2-${curve.hash.slice(3)}-${curve.name}`, defaultHash: curve.hash };
    }
    case 'rsa':
      return { key: made, spki, defaultAlgorithm: `rsa-sign-pkcs1-${checked.rsaBits ?? 0}-sha256`, defaultHash: 'sha256' };
    case 'ed25519':
      return { key: made, spki, defaultAlgorithm: 'ed25519', defaultHash: null };
  }
}

/** For a KeyObject the operator supplied (the CA's own certificate): the same rules, via its DER. */
export function acceptPublicKey(key: KeyObject, der?: Buffer): AcceptedKey {
  let spki = der;
  if (spki === undefined) {
    try {
      spki = key.export({ type: 'spki', format: 'der' });
    } catch {
      throw unparsable('not a usable public key');
    }
  }
  return acceptSpki(spki, key);
}

/**
 * A public key as sent by clients: PEM text (`-----BEGIN PUBLIC KEY-----`), DER bytes, or a
 * string of base64 DER / base64 PEM (the legacy v1 API base64-encodes the content).
 */
export function parsePublicKey(input: string | Uint8Array): AcceptedKey {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: content must be text or bytes`);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (text.length === 0) throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: public key not provided`);
  if (text.includes('-----BEGIN')) {
    let blocks;
    try {
      blocks = pemBlocks(text, { what: 'public key', allowNone: true });
    } catch {
      throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: malformed PEM`);
    }
    const [block] = blocks;
    if (blocks.length !== 1 || !block || block.label !== 'PUBLIC KEY') {
      throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: expected exactly one PUBLIC KEY PEM block`);
    }
    return acceptSpki(bufferOf(block.der));
  }
  if (typeof input !== 'string') {
    return acceptSpki(Buffer.from(input));
  }
  const decoded = Buffer.from(input.trim(), 'base64');
  if (decoded.length === 0) throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: neither PEM nor base64 DER`);
  return parsePublicKey(decoded);
}
