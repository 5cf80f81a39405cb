/**
 * hashedrekord v0.0.1 (rekor-api.md §2.1): a signature over an artifact digest, with the key,
 * certificate or chain that made it. Validates like Rekor (digest length, chain, signature over
 * the digest, algorithm allow-list) and stores the signature re-encoded and the key as Go PEM.
 * https://github.com/sigstore/rekor/blob/main/pkg/types/hashedrekord/v0.0.1/hashedrekord_v0_0_1_schema.json
 *
 *   {"data":{"hash":{"algorithm":"sha256","value":"<hex>"}},
 *    "signature":{"content":"<b64 sig>","publicKey":{"content":"<b64 PEM>"}}}
 */
import {
  REKOR_DEFAULT_ALGORITHMS as DEFAULT_ALLOWED_ALGORITHMS,
  DIGEST_ALGORITHMS,
  DIGEST_HEX_LENGTH,
  isAlgorithmAllowed,
  type DigestAlgorithm,
} from '../core/algorithms.js';
import { makeCanonicalEntry } from './canonical.js';
import { verifyChain } from './certificate.js';
import { verifyDigestOffThread } from './digest-verify.js';
import type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
import { asObject, base64Field, entryError, hashObject, hexField, requiredObject, requiredString } from './fields.js';
import { verifierIndexKeys } from './index-keys.js';
import { describeKey, parseVerifierMaterial } from './keys.js';

const KIND = 'hashedrekord';
const API_VERSION = '0.0.1';

async function canonicalizeV001(specValue: unknown, opts: EntryOptions): Promise<CanonicalEntry> {
  const spec = asObject(specValue, 'spec');
  const signature = requiredObject(spec, 'signature', 'spec');
  const sigText = requiredString(signature, 'content', 'spec.signature');
  const keyText = requiredString(requiredObject(signature, 'publicKey', 'spec.signature'), 'content', 'spec.signature.publicKey');
  const hash = hashObject(requiredObject(spec, 'data', 'spec'), 'hash', 'spec.data', DIGEST_ALGORITHMS);
  const alg = hash.algorithm as DigestAlgorithm;

  const expected = DIGEST_HEX_LENGTH[alg];
  if (hash.value.length !== expected) {
    throw entryError(`invalid value for hash: ${alg} digest must be ${expected} hex characters, got ${hash.value.length}`);
  }
  const digest = hexField(hash.value, `invalid value for hash: ${alg} digest`);
  if (sigText.length === 0) throw entryError('missing signature: spec.signature.content is empty');
  if (keyText.length === 0) throw entryError('missing public key: spec.signature.publicKey.content is empty');
  const sig = base64Field(sigText, 'spec.signature.content');
  const material = parseVerifierMaterial(base64Field(keyText, 'spec.signature.publicKey.content'), 'public key');

  const key = material.key;
  if (key.algorithm === 'ed25519' && alg !== 'sha512') {
    throw entryError(`verifying signature: Ed25519 keys are verified as Ed25519ph, which needs a sha512 digest, got ${alg}`);
  }
  // Off the JavaScript thread: it is the server's limit, and this is its largest single cost per entry.
  if (!(await verifyDigestOffThread(key, alg, digest, sig))) {
    throw entryError(`verifying signature: the ${describeKey(key)} signature does not verify over the given ${alg} digest`);
  }
  if (opts.purpose !== 'search') {
    const allowed = opts.allowedAlgorithms ?? DEFAULT_ALLOWED_ALGORITHMS;
    if (!isAlgorithmAllowed(key, alg, allowed)) {
      throw entryError(`entry algorithms are not allowed: ${describeKey(key)} with ${alg} (allowed: ${allowed.join(', ')})`);
    }
  }
  // Last: chain building is the costly check, so a bad signature never pays for it.
  if (material.form === 'chain') verifyChain(material.certificates);

  const canonicalSpec = {
    data: { hash: { algorithm: hash.algorithm, value: hash.value } },
    signature: {
      content: sig.toString('base64'),
      publicKey: { content: Buffer.from(material.canonicalPem, 'latin1').toString('base64') },
    },
  };
  const indexKeys = [...verifierIndexKeys(material, false), `${hash.algorithm}:${hash.value}`];
  return makeCanonicalEntry(KIND, API_VERSION, canonicalSpec, indexKeys);
}

export const hashedrekordType: EntryType = {
  kind: KIND,
  apiVersions: [API_VERSION],
  canonicalize: (_apiVersion, spec, opts) => canonicalizeV001(spec, opts),
};
