/**
 * CoreCrypto (src/core/crypto.ts) on node:crypto, for the server and the CLI.
 *
 * Every key is read from its bytes by entries/spki-check.ts before node:crypto sees it: an EC
 * key that is the point at infinity aborts the whole process inside OpenSSL (no exception to
 * catch), so "let OpenSSL parse it and see" is not an option for keys from outside. Signatures
 * over a given digest (hashedrekord, `prehashed`) take the same path as entry verification
 * (entries/digest-verify.ts), so the two accept exactly the same signatures.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { CoreCrypto, HashAlgorithm, SignatureCheck } from './core/crypto.js';
import { verifyDigest } from './entries/digest-verify.js';
import { toKeyInfo } from './entries/keys.js';
import { checkSpki, type CheckedSpki } from './entries/spki-check.js';

/** KeyObjects by SPKI: a bundle or a page of entries verifies with the same few keys. */
const keys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 256;

function keyObject(checked: CheckedSpki): KeyObject {
  const id = checked.der.toString('base64');
  let key = keys.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: checked.der, format: 'der', type: 'spki' });
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    keys.set(id, key);
  }
  return key;
}

function verifyChecked(checked: CheckedSpki, c: SignatureCheck): boolean {
  const data = Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength);
  const signature = Buffer.from(c.signature.buffer, c.signature.byteOffset, c.signature.byteLength);
  if (c.prehashed === true) {
    if (checked.algorithm === 'ed25519' || c.rsaPss === true) return false; // no pure-Ed25519 or PSS over a digest
    return verifyDigest(toKeyInfo(checked, 'key'), c.hash, data, signature);
  }
  const key = keyObject(checked);
  switch (checked.algorithm) {
    case 'ed25519':
      return verify(null, data, key, signature);
    case 'ecdsa':
      return verify(c.hash, data, { key, dsaEncoding: 'der' }, signature);
    case 'rsa':
      return verify(c.hash, data, c.rsaPss === true ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : key, signature);
  }
}

export const nodeCrypto: CoreCrypto = {
  digest: (algorithm: HashAlgorithm, data: Uint8Array): Uint8Array => createHash(algorithm).update(data).digest(),
  verify(check: SignatureCheck): boolean {
    const verdict = checkSpki(check.spki);
    if (!verdict.ok) return false;
    try {
      return verifyChecked(verdict.key, check);
    } catch {
      // Undecodable signatures, key sizes outside policy: "does not verify", never a throw.
      return false;
    }
  },
};

/** SHA-256 as the Merkle and note code take it. */
export const nodeSha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();
