/**
 * intoto v0.0.1 (rekor-api.md §2.3): the older shape cosign `--rekor-entry-type=intoto` logs and
 * cosign's online attestation search proposes. One public key and the DSSE envelope as a JSON
 * string; at least one signature must verify with the key. The stored body keeps only the key
 * (Go PEM) and the server-computed envelope and payload hashes (client values are ignored, as
 * the schema says).
 * https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.1/intoto_v0_0_1_schema.json
 *
 *   {"content":{"hash":{"algorithm":"sha256","value":"<hex>"},"payloadHash":{"algorithm":"sha256","value":"<hex>"}},
 *    "publicKey":"<b64 PEM>"}
 */
import { sha256 } from '../merkle/hash.js';
import { makeCanonicalEntry } from './canonical.js';
import { pae, parseEnvelopeJson, verifyMessage } from './dsse-envelope.js';
import type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
import { asObject, base64Field, checkSha256Hex, entryError, hashObject, optionalString, requiredObject, requiredString } from './fields.js';
import { inTotoIndexKeys, verifierIndexKeys } from './index-keys.js';
import { describeKey, parseVerifierMaterial } from './keys.js';

const KIND = 'intoto';
const API_VERSION = '0.0.1';

function canonicalizeV001(specValue: unknown, opts: EntryOptions): CanonicalEntry {
  const spec = asObject(specValue, 'spec');
  const keyText = requiredString(spec, 'publicKey', 'spec');
  const content = requiredObject(spec, 'content', 'spec');
  const envelopeText = optionalString(content, 'envelope', 'spec.content') ?? '';
  if (keyText.length === 0) throw entryError('missing public key in intoto v0.0.1 entry');
  const material = parseVerifierMaterial(base64Field(keyText, 'spec.publicKey'), 'public key');

  let hash: string;
  let payloadHash: string | undefined;
  let extraKeys: string[] = [];
  if (envelopeText.length > 0) {
    const env = parseEnvelopeJson(envelopeText, 'DSSE envelope');
    if (env.signatures.length === 0) throw entryError('DSSE envelope must contain 1 or more signatures');
    const message = pae(env.payloadType, env.payload);
    // Rekor's dsse verifier here has threshold 1: one good signature is enough.
    if (!env.signatures.some((s) => verifyMessage(material.key, message, s.bytes))) {
      throw entryError(`no signature in the DSSE envelope verifies over the PAE with the ${describeKey(material.key)} public key`);
    }
    if (opts.purpose !== 'search' && (env.payload.length === 0 || env.payloadType === '')) {
      throw entryError('entry not insertable into log: invalid DSSE envelope (empty payload or payloadType)');
    }
    hash = sha256(Buffer.from(envelopeText, 'utf8')).toString('hex');
    payloadHash = sha256(env.payload).toString('hex');
    extraKeys = inTotoIndexKeys(env.payloadType, env.payload);
  } else {
    if (opts.purpose !== 'search') throw entryError('entry not insertable into log: missing envelope content (spec.content.envelope)');
    if (content.hash === undefined) throw entryError('missing hash value for envelope');
    hash = hashObject(content, 'hash', 'spec.content', ['sha256']).value;
    checkSha256Hex(hash, 'spec.content.hash');
    if (content.payloadHash !== undefined) {
      payloadHash = hashObject(content, 'payloadHash', 'spec.content', ['sha256']).value;
      checkSha256Hex(payloadHash, 'spec.content.payloadHash');
    }
  }

  const canonicalContent = {
    hash: { algorithm: 'sha256', value: hash },
    ...(payloadHash === undefined ? {} : { payloadHash: { algorithm: 'sha256', value: payloadHash } }),
  };
  const canonicalSpec = { content: canonicalContent, publicKey: Buffer.from(material.canonicalPem).toString('base64') };
  const keys = [
    `sha256:${hash}`,
    ...verifierIndexKeys(material, true),
    ...(payloadHash === undefined ? [] : [`sha256:${payloadHash}`]),
    ...extraKeys,
  ];
  return makeCanonicalEntry(KIND, API_VERSION, canonicalSpec, keys);
}

export const intotoV001: { apiVersion: string; canonicalize: EntryType['canonicalize'] } = {
  apiVersion: API_VERSION,
  canonicalize: async (_apiVersion, spec, opts) => canonicalizeV001(spec, opts),
};
