/**
 * The entry-type registry: dispatches a ProposedEntry `{kind, apiVersion, spec}` to its type
 * (rekor-api.md §1.6, §2) and decodes stored bodies for reads. Supported: hashedrekord 0.0.1,
 * dsse 0.0.1, intoto 0.0.2 and 0.0.1 — what cosign and sigstore-js emit (rekor-api.md §2.5).
 * https://github.com/sigstore/rekor/blob/main/openapi.yaml (ProposedEntry)
 */
import { SealhouseError } from '../errors.js';
import { dsseType } from './dsse.js';
import type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
import { asObject, entryError, isJsonObject, requiredString } from './fields.js';
import { hashedrekordType } from './hashedrekord.js';
import { intotoV001 } from './intoto-v001.js';
import { intotoV002 } from './intoto-v002.js';

const intotoType: EntryType = {
  kind: 'intoto',
  apiVersions: [intotoV002.apiVersion, intotoV001.apiVersion],
  canonicalize: (apiVersion, spec, opts) =>
    (apiVersion === intotoV001.apiVersion ? intotoV001 : intotoV002).canonicalize(apiVersion, spec, opts),
};

export const ENTRY_TYPES: ReadonlyMap<string, EntryType> = new Map(
  [hashedrekordType, dsseType, intotoType].map((t) => [t.kind, t] as const),
);

/** Kinds the reference Rekor compiles in but Sealhouse does not log (legacy or niche formats). */
const REKOR_ONLY_KINDS = ['alpine', 'cose', 'helm', 'jar', 'rekord', 'rfc3161', 'rpm', 'tuf'];
const TOP_LEVEL = new Set(['kind', 'apiVersion', 'spec']);

/**
 * Validates a proposed entry and returns its canonical body, leaf hash and index keys. Every
 * failure is a SealhouseError: `schema_violation` (422) for shape problems and unknown
 * kind/apiVersion, `invalid_input` (400) or `malformed_key` for content that Rekor would refuse.
 */
export async function canonicalizeProposedEntry(proposed: unknown, opts: EntryOptions = {}): Promise<CanonicalEntry> {
  const entry = asObject(proposed, 'proposedEntry');
  const kind = requiredString(entry, 'kind', 'proposedEntry');
  const type = ENTRY_TYPES.get(kind);
  if (type === undefined) {
    if (REKOR_ONLY_KINDS.includes(kind)) {
      throw entryError(`entry kind '${kind}' is not enabled for submission on this server (supported: ${[...ENTRY_TYPES.keys()].join(', ')})`);
    }
    throw new SealhouseError('schema_violation', `invalid kind value: ${JSON.stringify(kind)}`);
  }
  const apiVersion = requiredString(entry, 'apiVersion', 'proposedEntry');
  if (!type.apiVersions.includes(apiVersion)) {
    throw new SealhouseError(
      'schema_violation',
      `invalid apiVersion value for kind ${JSON.stringify(kind)}: ${JSON.stringify(apiVersion)} (supported: ${type.apiVersions.join(', ')})`,
    );
  }
  const extra = Object.keys(entry).find((k) => !TOP_LEVEL.has(k));
  if (extra !== undefined) throw new SealhouseError('schema_violation', `proposedEntry.${extra} in body is a forbidden property`);
  try {
    return await type.canonicalize(apiVersion, entry.spec, opts);
  } catch (err) {
    if (err instanceof SealhouseError) throw err;
    // Safety net: input must never turn into a 500. Tests assert this path is not taken.
    throw entryError(`unexpected ${(err as Error).name ?? 'error'}: ${(err as Error).message ?? String(err)}`, err);
  }
}

/** `{kind, apiVersion, spec}` of a stored canonical body (for reads and attestation lookups). */
export function decodeCanonicalBody(body: Buffer): { kind: string; apiVersion: string; spec: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SealhouseError('invalid_input', `entry body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isJsonObject(parsed) || typeof parsed.kind !== 'string' || typeof parsed.apiVersion !== 'string' || !isJsonObject(parsed.spec)) {
    throw new SealhouseError('invalid_input', 'entry body is not a {kind, apiVersion, spec} object');
  }
  return { kind: parsed.kind, apiVersion: parsed.apiVersion, spec: parsed.spec };
}
