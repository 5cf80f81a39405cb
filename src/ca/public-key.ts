/**
 * Parsing a requester's public key and refusing weak ones, as Fulcio does with
 * `challenges.ParsePublicKey` and sigstore's `goodkey.ValidatePubKey`
 * (https://github.com/sigstore/sigstore/blob/main/pkg/cryptoutils/goodkey/goodkey.go): EC keys
 * only on P-256/384/521, RSA 2048–4096 bits with e = 65537, Ed25519; nothing else.
 * Error texts are Fulcio's client messages (reference §1.1) followed by the specific reason.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { pemBlocks } from './pem.js';

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
  prime256v1: { name: 'nistp256', hash: 'sha256' },
  secp384r1: { name: 'nistp384', hash: 'sha384' },
  secp521r1: { name: 'nistp521', hash: 'sha512' },
};

const insecure = (why: string): SealhouseError => new SealhouseError('invalid_input', `${INSECURE_PUBLIC_KEY}: ${why}`);

/**
 * How `export({type: 'spki', format: 'der'})` encodes a named-curve key with an uncompressed point:
 * this prefix, then 0x04 and both coordinates, `length` bytes in all.
 */
const EC_SPKI: Readonly<Record<string, { prefix: Buffer; length: number }>> = {
  prime256v1: { prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), length: 91 },
  secp384r1: { prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), length: 120 },
  secp521r1: { prefix: Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex'), length: 158 },
};

/**
 * The SPKI the certificate will carry. Re-encoding through OpenSSL costs more than verifying a
 * signature, so a client's DER that already is the canonical named-curve encoding is used as is.
 * Other EC encodings are refused as Fulcio refuses them: Go's x509 parser (Fulcio, cosign) reads
 * only uncompressed named-curve points, so such a certificate would be unusable anyway.
 */
function canonicalSpki(key: KeyObject, der: Buffer | undefined): Buffer {
  const ec = EC_SPKI[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (der && ec) {
    if (der.length === ec.length && der[ec.prefix.length] === 4 && der.subarray(0, ec.prefix.length).equals(ec.prefix)) return der;
    throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: EC keys must be encoded with a named curve and an uncompressed point`);
  }
  return key.export({ type: 'spki', format: 'der' });
}

/** Strength rules only; `key` must already be a public KeyObject, `der` the SPKI it was parsed from. */
export function acceptPublicKey(key: KeyObject, der?: Buffer): AcceptedKey {
  const spki = canonicalSpki(key, der);
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''];
      if (!curve) throw insecure(`EC curve ${details.namedCurve ?? 'unknown'} is not allowed (P-256, P-384, P-521 only)`);
      const bits = curve.hash.slice(3);
      return { key, spki, defaultAlgorithm: `ecdsa-sha2-${bits}-${curve.name}`, defaultHash: curve.hash };
    }
    case 'rsa': {
      const size = details.modulusLength ?? 0;
      if (size < 2048 || size > 4096) throw insecure(`RSA key size ${size} is outside 2048–4096 bits`);
      if (details.publicExponent !== 65537n) throw insecure('RSA public exponent must be 65537');
      return { key, spki, defaultAlgorithm: `rsa-sign-pkcs1-${size}-sha256`, defaultHash: 'sha256' };
    }
    case 'ed25519':
      return { key, spki, defaultAlgorithm: 'ed25519', defaultHash: null };
    default:
      throw insecure(`key type ${key.asymmetricKeyType ?? 'unknown'} is not supported`);
  }
}

function parseDer(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: not a DER SubjectPublicKeyInfo`);
  }
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
      blocks = pemBlocks(text, 'public key');
    } catch {
      throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: malformed PEM`);
    }
    const [block] = blocks;
    if (blocks.length !== 1 || !block || block.label !== 'PUBLIC KEY') {
      throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: expected exactly one PUBLIC KEY PEM block`);
    }
    return acceptPublicKey(parseDer(block.der), block.der);
  }
  if (typeof input !== 'string') {
    const der = Buffer.from(input);
    return acceptPublicKey(parseDer(der), der);
  }
  const decoded = Buffer.from(input.trim(), 'base64');
  if (decoded.length === 0) throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: neither PEM nor base64 DER`);
  return parsePublicKey(decoded);
}
