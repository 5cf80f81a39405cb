/**
 * CoreCrypto (src/core/crypto.ts) on @noble/curves and @noble/hashes, for the page.
 *
 * ECDSA P-256/P-384/P-521 with DER signatures (raw r‖s too over a given digest), high-S accepted as Go and OpenSSL accept it
 * (node:crypto signs high-S half the time); Ed25519 (RFC 8032, strict: no ZIP-215 leniency,
 * as Go's crypto/ed25519). RSA always returns false: @noble has no RSA, and the page says it
 * checks ECDSA and Ed25519 only rather than pretending. Malformed input never throws.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CoreCrypto, HashAlgorithm, SignatureCheck } from '../src/core/crypto.js';
import { parseSpki } from '../src/core/spki.js';

const HASHES = { sha256, sha384, sha512 } as const;
const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

function verifyChecked(c: SignatureCheck): boolean {
  const key = parseSpki(c.spki);
  if (key.algorithm === 'ed25519') {
    return c.prehashed !== true && c.signature.length === 64 && ed25519.verify(c.signature, c.data, key.keyBytes, { zip215: false });
  }
  if (key.algorithm !== 'ecdsa' || key.curve === undefined) return false; // RSA: not in the browser
  const curve = CURVES[key.curve];
  const digest = c.prehashed === true ? c.data : HASHES[c.hash](c.data);
  const attempt = (format: 'der' | 'compact'): boolean => {
    try {
      return curve.verify(c.signature, digest, key.keyBytes, { format, lowS: false, prehash: false });
    } catch {
      return false;
    }
  };
  // Over a given digest (hashedrekord) Rekor also accepts raw r‖s, as the server does.
  return attempt('der') || (c.prehashed === true && attempt('compact'));
}

export const nobleCrypto: CoreCrypto = {
  digest: (algorithm: HashAlgorithm, data: Uint8Array): Uint8Array => HASHES[algorithm](data),
  verify(check: SignatureCheck): boolean {
    try {
      return verifyChecked(check);
    } catch {
      return false;
    }
  },
};

export const nobleSha256 = (data: Uint8Array): Uint8Array => sha256(data);
