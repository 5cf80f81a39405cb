/**
 * Fulcio's `certificate.Extensions` record and its rendering to sigstore OID extensions
 * (docs/oid-info.md, https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md; reference §2.2).
 * The field names are the JSON spelling of Fulcio's config file (`BuildSignerURI`); the YAML
 * spelling is their kebab-case tag (`build-signer-uri`), matched through `normalizeKey`.
 *
 * Rendering order and rules follow Fulcio's `Extensions.Render`: empty values are skipped; the
 * issuer is mandatory and emitted twice (.1 raw, .8 UTF8String); .2–.6 raw; the rest UTF8String.
 */
import { AuthenticationError } from './auth-error.js';
import { sigstoreOid, type SigstoreExtension } from './principal.js';

/** Field name → OID arc under 1.3.6.1.4.1.57264.1 (Issuer is special-cased). */
export const EXTENSION_ARCS = {
  GithubWorkflowTrigger: 2,
  GithubWorkflowSHA: 3,
  GithubWorkflowName: 4,
  GithubWorkflowRepository: 5,
  GithubWorkflowRef: 6,
  BuildSignerURI: 9,
  BuildSignerDigest: 10,
  RunnerEnvironment: 11,
  SourceRepositoryURI: 12,
  SourceRepositoryDigest: 13,
  SourceRepositoryRef: 14,
  SourceRepositoryIdentifier: 15,
  SourceRepositoryOwnerURI: 16,
  SourceRepositoryOwnerIdentifier: 17,
  BuildConfigURI: 18,
  BuildConfigDigest: 19,
  BuildTrigger: 20,
  RunInvocationURI: 21,
  SourceRepositoryVisibilityAtSigning: 22,
  DeploymentEnvironment: 23,
} as const;

export type ExtensionField = keyof typeof EXTENSION_ARCS;
export type FulcioExtensions = Partial<Record<ExtensionField, string>> & { Issuer: string; Subject?: string };

/** Go's JSON decoding is case-insensitive and Fulcio's YAML uses kebab-case: compare on this. */
export const normalizeKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

const FIELD_BY_KEY = new Map<string, ExtensionField>(Object.keys(EXTENSION_ARCS).map((f) => [normalizeKey(f), f as ExtensionField]));

/** `build-signer-uri` / `BuildSignerURI` → `BuildSignerURI`; undefined for Issuer/Subject and unknown names. */
export function extensionFieldOf(key: string): ExtensionField | undefined {
  return FIELD_BY_KEY.get(normalizeKey(key));
}

export function renderExtensions(e: FulcioExtensions): SigstoreExtension[] {
  if (!e.Issuer) throw new AuthenticationError('claims', 'extensions must have a non-empty issuer url');
  const out: SigstoreExtension[] = [{ oid: sigstoreOid(1), value: e.Issuer, encoding: 'raw' }];
  const fields = Object.entries(EXTENSION_ARCS) as [ExtensionField, number][];
  for (const [field, arc] of fields) {
    const value = e[field];
    if (arc > 6) continue;
    if (value) out.push({ oid: sigstoreOid(arc), value, encoding: 'raw' });
  }
  out.push({ oid: sigstoreOid(8), value: e.Issuer, encoding: 'utf8string' });
  for (const [field, arc] of fields) {
    const value = e[field];
    if (arc > 6 && value) out.push({ oid: sigstoreOid(arc), value, encoding: 'utf8string' });
  }
  if (e.Subject) out.push({ oid: sigstoreOid(24), value: e.Subject, encoding: 'utf8string' });
  return out;
}
