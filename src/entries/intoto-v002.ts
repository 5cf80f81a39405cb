/**
 * intoto v0.0.2 (rekor-api.md §2.3): what sigstore-js sends with `legacyCompatibility`. The DSSE
 * envelope is inline with a public key per signature; payload and sig are base64 of base64. The
 * stored body is the proposed one minus `envelope.payload`, with `payloadHash` computed by the
 * server and the client's `hash` kept as sent (Rekor cannot recompute it; it only checks it is
 * present). Keys are stored exactly as sent, not re-encoded.
 * https://github.com/sigstore/rekor/blob/main/pkg/types/intoto/v0.0.2/intoto_v0_0_2_schema.json
 *
 *   {"content":{"envelope":{"payloadType":"…","signatures":[{"keyid":"…","publicKey":"<b64 PEM>","sig":"<b64(b64 sig)>"}]},
 *               "hash":{"algorithm":"sha256","value":"<hex>"},"payloadHash":{"algorithm":"sha256","value":"<hex>"}}}
 */
import { sha256 } from '../merkle/hash.js';
import { makeCanonicalEntry } from './canonical.js';
import { checkSignatureCount } from './dsse-envelope.js';
import { matchSignatures } from './dsse-verify-pool.js';
import type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
import { asObject, base64Field, checkSha256Hex, entryError, hashObject, optionalString, requiredArray, requiredObject, requiredString } from './fields.js';
import { inTotoIndexKeys, verifierIndexKeys } from './index-keys.js';
import { parseVerifierMaterial } from './keys.js';

const KIND = 'intoto';
const API_VERSION = '0.0.2';

async function canonicalizeV002(specValue: unknown, opts: EntryOptions): Promise<CanonicalEntry> {
  const content = requiredObject(asObject(specValue, 'spec'), 'content', 'spec');
  const envelope = requiredObject(content, 'envelope', 'spec.content');
  const payloadType = requiredString(envelope, 'payloadType', 'spec.content.envelope');
  const payloadText = optionalString(envelope, 'payload', 'spec.content.envelope') ?? '';
  const signatureList = requiredArray(envelope, 'signatures', 'spec.content.envelope', 1);
  // Each signature brings its own key: counted before any key is parsed.
  checkSignatureCount(signatureList.length, 'spec.content.envelope');
  const signatures = signatureList.map((raw, i) => {
    const path = `spec.content.envelope.signatures[${i}]`;
    const item = asObject(raw, path);
    const keyid = optionalString(item, 'keyid', path) ?? '';
    const sigOuter = base64Field(requiredString(item, 'sig', path), `${path}.sig`);
    const keyBytes = base64Field(requiredString(item, 'publicKey', path), `${path}.publicKey`);
    if (sigOuter.length === 0) throw entryError(`missing signature content in ${path}.sig`);
    if (keyBytes.length === 0) throw entryError(`missing publicKey content in ${path}.publicKey`);
    const sigText = sigOuter.toString('latin1');
    return {
      keyid,
      sigOuter,
      keyBytes,
      sig: sigText,
      bytes: base64Field(sigText, `${path}.sig (inner base64)`, 'dsse'),
      material: parseVerifierMaterial(keyBytes, `${path}.publicKey`),
    };
  });
  const hash = content.hash === undefined ? undefined : hashObject(content, 'hash', 'spec.content', ['sha256']);
  if (hash === undefined) throw entryError('missing envelope digest: spec.content.hash is required');
  checkSha256Hex(hash.value, 'spec.content.hash');
  const clientPayloadHash = content.payloadHash === undefined ? undefined : hashObject(content, 'payloadHash', 'spec.content', ['sha256']);
  if (clientPayloadHash !== undefined) checkSha256Hex(clientPayloadHash.value, 'spec.content.payloadHash');

  let payloadHash = clientPayloadHash?.value;
  let extraKeys: string[] = [];
  if (payloadText.length > 0) {
    const payloadB64 = base64Field(payloadText, 'spec.content.envelope.payload').toString('latin1');
    const payload = base64Field(payloadB64, 'spec.content.envelope.payload (inner base64)');
    // Signature i is tried with its own key first (the default hint), so honest input costs one check each.
    await matchSignatures({ payloadType, payload, signatures: signatures.map((s) => ({ sig: s.sig, bytes: s.bytes, keyid: s.keyid })) }, signatures.map((s) => s.material));
    payloadHash = sha256(payload).toString('hex');
    if (clientPayloadHash !== undefined && clientPayloadHash.value.toLowerCase() !== payloadHash) {
      throw entryError(`payloadHash does not match the envelope payload: sent ${clientPayloadHash.value}, payload hashes to ${payloadHash}`);
    }
    extraKeys = inTotoIndexKeys(payloadType, payload);
  } else if (opts.purpose !== 'search') {
    throw entryError('entry not insertable into log: missing envelope content (spec.content.envelope.payload)');
  }
  if (payloadHash === undefined) throw entryError('missing payload digest: spec.content.payloadHash is required when no payload is sent');

  const spec = {
    content: {
      envelope: {
        payloadType,
        // Rekor drops an empty keyid (Go `omitempty`), and re-encodes the decoded bytes.
        signatures: signatures.map((s) => ({
          ...(s.keyid === '' ? {} : { keyid: s.keyid }),
          publicKey: s.keyBytes.toString('base64'),
          sig: s.sigOuter.toString('base64'),
        })),
      },
      hash: { algorithm: hash.algorithm, value: hash.value },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
    },
  };
  const keys = [...signatures.flatMap((s) => verifierIndexKeys(s.material, true)), `sha256:${payloadHash}`, ...extraKeys];
  return makeCanonicalEntry(KIND, API_VERSION, spec, keys);
}

export const intotoV002: { apiVersion: string; canonicalize: EntryType['canonicalize'] } = {
  apiVersion: API_VERSION,
  canonicalize: async (_apiVersion, spec, opts) => canonicalizeV002(spec, opts),
};
