/**
 * dsse v0.0.1 (rekor-api.md §2.2): a DSSE envelope (as a JSON string) plus verifiers. Every
 * signature must verify; only hashes and the sorted signatures with their canonical verifier
 * PEM are stored, never the envelope or payload.
 * https://github.com/sigstore/rekor/blob/main/pkg/types/dsse/v0.0.1/dsse_v0_0_1_schema.json
 *
 *   {"envelopeHash":{"algorithm":"sha256","value":"<hex>"},
 *    "payloadHash":{"algorithm":"sha256","value":"<hex>"},
 *    "signatures":[{"signature":"<b64 sig>","verifier":"<b64 PEM>"}]}
 */
import { sha256 } from '../merkle/hash.js';
import { makeCanonicalEntry } from './canonical.js';
import { checkSignatureCount, checkVerifierCount, parseEnvelopeJson } from './dsse-envelope.js';
import { matchSignatures } from './dsse-verify-pool.js';
import type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
import { asObject, base64Field, entryError, hashObject, type JsonObject, requiredArray, requiredObject, requiredString, schemaError } from './fields.js';
import { inTotoIndexKeys, verifierIndexKeys } from './index-keys.js';
import { parseVerifierMaterial, type VerifierMaterial } from './keys.js';

const KIND = 'dsse';
const API_VERSION = '0.0.1';

interface StoredSignature {
  signature: string;
  verifier: VerifierMaterial;
}

function finish(signatures: StoredSignature[], envelopeHash: string, payloadHash: string, extraKeys: string[]): CanonicalEntry {
  // Rekor sorts by the base64 signature string so the body does not depend on envelope order.
  const sorted = [...signatures].sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const spec = {
    envelopeHash: { algorithm: 'sha256', value: envelopeHash },
    payloadHash: { algorithm: 'sha256', value: payloadHash },
    signatures: sorted.map((s) => ({ signature: s.signature, verifier: Buffer.from(s.verifier.canonicalPem).toString('base64') })),
  };
  const keys = [
    ...sorted.flatMap((s) => verifierIndexKeys(s.verifier, true)),
    `sha256:${payloadHash}`,
    `sha256:${envelopeHash}`,
    ...extraKeys,
  ];
  return makeCanonicalEntry(KIND, API_VERSION, spec, keys);
}

async function fromProposedContent(content: JsonObject): Promise<CanonicalEntry> {
  const envelopeText = requiredString(content, 'envelope', 'spec.proposedContent');
  const verifierList = requiredArray(content, 'verifiers', 'spec.proposedContent', 1);
  // Counted before any key or certificate is parsed: parsing is itself the costly part.
  checkVerifierCount(verifierList.length, 'spec.proposedContent');
  const verifiers = verifierList.map((v, i) => {
    const path = `spec.proposedContent.verifiers[${i}]`;
    if (typeof v !== 'string') throw schemaError(path, 'must be of type string');
    return parseVerifierMaterial(base64Field(v, path), `verifier ${i + 1}`);
  });
  const env = parseEnvelopeJson(envelopeText, 'DSSE envelope');
  if (env.signatures.length === 0) throw entryError('DSSE envelope must contain 1 or more signatures');
  const matched = await matchSignatures(env, verifiers);
  const signatures = [...matched].map(([signature, verifier]) => ({ signature, verifier }));
  return finish(
    signatures,
    sha256(Buffer.from(envelopeText, 'utf8')).toString('hex'),
    sha256(env.payload).toString('hex'),
    inTotoIndexKeys(env.payloadType, env.payload),
  );
}

/** Search only: a body already in canonical form (Rekor canonicalizes it as given). */
function fromCanonicalFields(spec: JsonObject): CanonicalEntry {
  const envelopeHash = hashObject(spec, 'envelopeHash', 'spec', ['sha256']).value;
  const payloadHash = hashObject(spec, 'payloadHash', 'spec', ['sha256']).value;
  const signatureList = requiredArray(spec, 'signatures', 'spec', 1);
  checkSignatureCount(signatureList.length, 'spec');
  const signatures = signatureList.map((s, i) => {
    const item = asObject(s, `spec.signatures[${i}]`);
    const verifierText = requiredString(item, 'verifier', `spec.signatures[${i}]`);
    return {
      signature: requiredString(item, 'signature', `spec.signatures[${i}]`),
      verifier: parseVerifierMaterial(base64Field(verifierText, `spec.signatures[${i}].verifier`), `verifier ${i + 1}`),
    };
  });
  return finish(signatures, envelopeHash, payloadHash, []);
}

async function canonicalizeV001(specValue: unknown, opts: EntryOptions): Promise<CanonicalEntry> {
  const spec = asObject(specValue, 'spec');
  const hasComputed = spec.envelopeHash !== undefined || spec.payloadHash !== undefined || spec.signatures !== undefined;
  if (spec.proposedContent !== undefined) {
    if (hasComputed) {
      throw entryError('either proposedContent or envelopeHash, payloadHash, and signatures must be present but not both');
    }
    return fromProposedContent(requiredObject(spec, 'proposedContent', 'spec'));
  }
  if (hasComputed && opts.purpose === 'search') return fromCanonicalFields(spec);
  if (hasComputed) throw entryError('dsse entries are logged from spec.proposedContent (envelope and verifiers); envelopeHash, payloadHash and signatures are computed by the server');
  throw schemaError('spec.proposedContent', 'is required');
}

export const dsseType: EntryType = {
  kind: KIND,
  apiVersions: [API_VERSION],
  canonicalize: async (_apiVersion, spec, opts) => canonicalizeV001(spec, opts),
};
