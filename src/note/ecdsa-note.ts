/**
 * Rekor v1 checkpoint signatures: ECDSA P-256 over SHA-256 of the note text, ASN.1 DER encoded,
 * key hint = SHA-256(DER SPKI)[0:4] = logID[0:4]. This coincides with C2SP signature type 0x02.
 * https://c2sp.org/signed-note §Signature types; Rekor: pkg/util/signed_note.go (Sign/Verify).
 *
 *   — rekor.sigstore.dev wNI9ajBGAiEAgjFa…X1fg+w==      (wNI9ag = c0d23d6a, then a DER signature)
 *
 * The signer name is the bare hostname (rekor.sigstore.dev), not the checkpoint origin.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { SealhouseError } from '../errors.js';
import { publicKeyOf, rekorKeyHint } from './log-id.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './signed-note.js';

function requireP256(key: KeyObject, role: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const got = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve ?? '?'}` : String(key.asymmetricKeyType ?? key.type);
    throw new SealhouseError('malformed_key', `${role} must be an ECDSA P-256 key, got ${got}`);
  }
}

function requireName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new SealhouseError('malformed_key', `note key name ${JSON.stringify(name)} must be non-empty and contain no spaces or "+"`);
  }
}

/** Signs as `name` (the log's bare hostname) with an ECDSA P-256 private key. */
export function ecdsaNoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  requireName(name);
  if (privateKey.type !== 'private') throw new SealhouseError('malformed_key', 'an ECDSA note signer needs a private key');
  requireP256(privateKey, 'the checkpoint signing key');
  return {
    name,
    keyHint: rekorKeyHint(privateKey),
    sign: (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  };
}

/** Verifies signatures by `name` with an ECDSA P-256 public key (a private key is reduced to it). */
export function ecdsaNoteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  requireName(name);
  const key = publicKeyOf(publicKey);
  requireP256(key, 'the checkpoint verification key');
  return {
    name,
    keyHint: rekorKeyHint(key),
    verify: (message, signature) => {
      try {
        return verify('sha256', message, { key, dsaEncoding: 'der' }, signature);
      } catch {
        // OpenSSL rejects some undecodable DER outright; for a note that is just a bad signature.
        return false;
      }
    },
  };
}
