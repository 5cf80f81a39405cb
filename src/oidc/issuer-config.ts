/**
 * The parsed OIDC issuer configuration (Fulcio's config file shape; config.ts parses and
 * validates it, config-rules.ts holds Fulcio's per-type rules). Types only, plus the list of
 * issuer types, so the parser and its rules share them without importing each other.
 */
import type { ExtensionField } from './fulcio-extensions.js';
import type { CompiledTemplate } from './template.js';

export const ISSUER_TYPES = [
  'email',
  'username',
  'uri',
  'spiffe',
  'kubernetes',
  'github-workflow',
  'gitlab-pipeline',
  'ci-provider',
  'buildkite-job',
  'codefresh-workflow',
  'chainguard-identity',
] as const;
export type IssuerType = (typeof ISSUER_TYPES)[number];

export interface OidcIssuerConfig {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly type: IssuerType;
  readonly ciProvider?: string;
  readonly issuerClaim?: string;
  readonly subjectDomain?: string;
  readonly spiffeTrustDomain?: string;
  readonly challengeClaim?: string;
  readonly skipEmailVerification: boolean;
  /** PEM of a CA that signs the issuer's TLS certificate (Fulcio `CACert`). */
  readonly caCert?: string;
}

export interface CiIssuerMetadata {
  readonly defaultTemplateValues: Readonly<Record<string, string>>;
  readonly extensionTemplates: ReadonlyMap<ExtensionField, CompiledTemplate | string>;
  readonly subjectAlternativeNameTemplate: CompiledTemplate | string;
}

export interface FulcioConfig {
  /** Keyed by issuer URL, matched exactly against `iss`. */
  readonly oidcIssuers: ReadonlyMap<string, OidcIssuerConfig>;
  /** Keyed by the wildcard pattern. */
  readonly metaIssuers: ReadonlyMap<string, { readonly pattern: RegExp; readonly issuer: OidcIssuerConfig }>;
  readonly ciIssuerMetadata: ReadonlyMap<string, CiIssuerMetadata>;
}
