/**
 * The OIDC issuer configuration, in the shape of Fulcio's config file (pkg/config/config.go,
 * https://github.com/sigstore/fulcio/blob/main/pkg/config/config.go; public-good example:
 * config/identity/config.yaml) so an existing Fulcio deployment's file carries over:
 *
 *   JSON  {"OIDCIssuers": {"https://idp.example": {"IssuerURL": "https://idp.example", "ClientID": "sigstore", "Type": "email"}},
 *          "MetaIssuers": {"https://oidc.eks.*.amazonaws.com/id/*": {"ClientID": "sigstore", "Type": "kubernetes"}},
 *          "CIIssuerMetadata": {"github-workflow": {"DefaultTemplateValues": {...}, "ExtensionTemplates": {...},
 *                                                   "SubjectAlternativeNameTemplate": "{{ .url }}/{{ .job_workflow_ref }}"}}}
 *   YAML  oidc-issuers / meta-issuers / ci-issuer-metadata with kebab-case fields (issuer-url, client-id, …)
 *
 * Like Fulcio: JSON is tried first, then YAML; field names match case-insensitively (Go's JSON
 * rule), and kebab-case equals PascalCase after dropping `-`/`_`. Unknown fields (contact,
 * description, environment, define) are ignored. Validation follows Fulcio's validateConfig.
 */
import { readFile } from 'node:fs/promises';
import { SealhouseError } from '../errors.js';
import { fileErrorOf } from '../file-errors.js';
import { extensionFieldOf, type ExtensionField, normalizeKey } from './fulcio-extensions.js';
import { type CompiledTemplate, compileTemplate } from './template.js';
import { validateIssuer } from './config-rules.js';
import { ISSUER_TYPES, type CiIssuerMetadata, type FulcioConfig, type IssuerType, type OidcIssuerConfig } from './issuer-config.js';

// The parsed shapes live in issuer-config.ts, which the validation rules read without importing this parser.
export { ISSUER_TYPES, type CiIssuerMetadata, type FulcioConfig, type IssuerType, type OidcIssuerConfig } from './issuer-config.js';

type Obj = Record<string, unknown>;
const bad = (why: string): SealhouseError => new SealhouseError('invalid_input', `OIDC issuer config: ${why}`);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field lookup under Go's rules: case-insensitive, and `-`/`_` ignored so YAML tags match too. */
function field(o: Obj, name: string): unknown {
  const want = normalizeKey(name);
  for (const [k, v] of Object.entries(o)) if (normalizeKey(k) === want) return v;
  return undefined;
}
function str(o: Obj, name: string, where: string): string | undefined {
  const v = field(o, name);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`${where}.${name} must be a string`);
  return v;
}
function map(o: Obj, name: string, where: string): [string, unknown][] {
  const v = field(o, name);
  if (v === undefined || v === null) return [];
  if (!isObj(v)) throw bad(`${where}.${name} must be a map`);
  return Object.entries(v);
}

/** Fulcio's MetaRegex: quote everything, `*` → `[-_a-zA-Z0-9]+`, anchored. */
export function metaIssuerRegex(pattern: string): RegExp {
  const quoted = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${quoted.join('[-_a-zA-Z0-9]+')}$`);
}

function issuerOf(key: string, raw: unknown, where: string): OidcIssuerConfig {
  if (!isObj(raw)) throw bad(`${where} must be a map`);
  const type = str(raw, 'Type', where);
  if (!ISSUER_TYPES.includes(type as IssuerType)) throw bad(`${where}.Type ${JSON.stringify(type ?? '')} is not one of ${ISSUER_TYPES.join(', ')}`);
  const skip = field(raw, 'SkipEmailVerification');
  if (skip !== undefined && typeof skip !== 'boolean') throw bad(`${where}.SkipEmailVerification must be a boolean`);
  return {
    issuerUrl: str(raw, 'IssuerURL', where) ?? key,
    clientId: str(raw, 'ClientID', where) ?? 'sigstore',
    type: type as IssuerType,
    ciProvider: str(raw, 'CIProvider', where),
    issuerClaim: str(raw, 'IssuerClaim', where),
    subjectDomain: str(raw, 'SubjectDomain', where),
    spiffeTrustDomain: str(raw, 'SPIFFETrustDomain', where),
    challengeClaim: str(raw, 'ChallengeClaim', where),
    skipEmailVerification: skip === true,
    caCert: str(raw, 'CACert', where),
  };
}

/** A value with `{{` is a template; otherwise it names a claim (Fulcio applyTemplateOrReplace). */
const templateOrClaim = (s: string): CompiledTemplate | string => (s.includes('{{') ? compileTemplate(s) : s);

function metadataOf(raw: unknown, where: string): CiIssuerMetadata {
  if (!isObj(raw)) throw bad(`${where} must be a map`);
  const defaults: Record<string, string> = {};
  for (const [k, v] of map(raw, 'DefaultTemplateValues', where)) defaults[k] = typeof v === 'string' ? v : String(v ?? '');
  const templates = new Map<ExtensionField, CompiledTemplate | string>();
  // `ClaimsTemplates` is the pre-2024 name of ExtensionTemplates.
  const entries = [...map(raw, 'ClaimsTemplates', where), ...map(raw, 'ExtensionTemplates', where)];
  for (const [k, v] of entries) {
    const name = extensionFieldOf(k);
    if (!name) continue; // Issuer and Subject always come from the token
    if (typeof v !== 'string') throw bad(`${where}.ExtensionTemplates.${k} must be a string`);
    if (v.trim() !== '') templates.set(name, templateOrClaim(v));
  }
  const san = str(raw, 'SubjectAlternativeNameTemplate', where);
  if (!san || san.trim() === '') throw bad(`${where}.SubjectAlternativeNameTemplate should not be empty`);
  return { defaultTemplateValues: defaults, extensionTemplates: templates, subjectAlternativeNameTemplate: templateOrClaim(san) };
}

/**
 * Fulcio's own config writes alias mapping keys as `*github-type:`. Go's yaml.v3 reads that as the
 * alias `github-type`; js-yaml (per YAML 1.2, where `:` may be part of an alias name) does not.
 * Insert the space that makes both agree, only for names anchored in the same document.
 */
function aliasKeysSpaced(text: string): string {
  return text.replace(/^(\s*(?:-\s+)?)\*([^\s:]+):(?=\s|$)/gm, (line, indent: string, name: string) => (text.includes(`&${name}`) ? `${indent}*${name} :` : line));
}

/** Parse and validate a config document (JSON or YAML text). */
export async function parseFulcioConfig(text: string): Promise<FulcioConfig> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const yaml = await import('js-yaml').catch(() => {
      throw bad('YAML configs need the js-yaml package; use JSON or install it');
    });
    try {
      doc = yaml.load(aliasKeysSpaced(text));
    } catch (err) {
      throw bad(`neither JSON nor YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  if (!isObj(doc)) throw bad('the document must be a map');
  const oidcIssuers = new Map<string, OidcIssuerConfig>();
  for (const [url, raw] of map(doc, 'OIDCIssuers', 'config')) {
    const issuer = issuerOf(url, raw, `OIDCIssuers[${url}]`);
    validateIssuer(issuer, false);
    oidcIssuers.set(url, issuer);
  }
  const metaIssuers = new Map<string, { pattern: RegExp; issuer: OidcIssuerConfig }>();
  for (const [pattern, raw] of map(doc, 'MetaIssuers', 'config')) {
    const issuer = issuerOf(pattern, raw, `MetaIssuers[${pattern}]`);
    validateIssuer(issuer, true);
    metaIssuers.set(pattern, { pattern: metaIssuerRegex(pattern), issuer });
  }
  const ciIssuerMetadata = new Map<string, CiIssuerMetadata>();
  for (const [name, raw] of map(doc, 'CIIssuerMetadata', 'config')) ciIssuerMetadata.set(name, metadataOf(raw, `CIIssuerMetadata[${name}]`));
  // A ci-provider issuer without CIIssuerMetadata loads (as in Fulcio) and fails per token.
  return { oidcIssuers, metaIssuers, ciIssuerMetadata };
}

/** The issuer config file (SEALHOUSE_OIDC_CONFIG); a missing or unreadable file is one line naming it. */
export async function loadFulcioConfig(path: string): Promise<FulcioConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const problem = fileErrorOf(err);
    if (!problem) throw err;
    throw new SealhouseError('invalid_input', `cannot read the OIDC issuer config ${path} (${problem.meaning}) — check SEALHOUSE_OIDC_CONFIG`, { cause: err });
  }
  try {
    return parseFulcioConfig(text);
  } catch (err) {
    if (err instanceof SealhouseError) throw new SealhouseError(err.code, `the OIDC issuer config ${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The issuer config for a token's `iss`: exact key first, then the first matching meta pattern. */
export function findIssuer(config: FulcioConfig, iss: string): OidcIssuerConfig | undefined {
  const exact = config.oidcIssuers.get(iss);
  if (exact) return exact;
  for (const { pattern, issuer } of config.metaIssuers.values()) {
    if (pattern.test(iss)) return { ...issuer, issuerUrl: iss };
  }
  return undefined;
}
