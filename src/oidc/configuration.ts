/**
 * What GET /api/v2/configuration publishes about the issuer config, as Fulcio's
 * `FulcioConfig.ToIssuers` does (pkg/config/config.go; message OIDCIssuer in fulcio.proto,
 * https://github.com/sigstore/fulcio/blob/main/fulcio.proto), rendered the protojson way:
 * camelCase names and empty strings / false left out.
 *
 *   {"issuers": [{"issuerUrl": "https://idp.example", "audience": "sigstore", "challengeClaim": "email", "issuerType": "email"},
 *                {"wildcardIssuerUrl": "https://oidc.eks.*.amazonaws.com/id/*", "audience": "sigstore", "challengeClaim": "sub", "issuerType": "kubernetes"}]}
 *
 * Also: adding an issuer to a parsed config (the development issuer joins the file's issuers).
 */
import { SealhouseError } from '../errors.js';
import type { FulcioConfig, OidcIssuerConfig } from './config.js';
import { defaultChallengeClaim } from './config-rules.js';

export interface IssuerJson {
  issuerUrl?: string;
  wildcardIssuerUrl?: string;
  audience?: string;
  challengeClaim?: string;
  spiffeTrustDomain?: string;
  issuerType?: string;
  subjectDomain?: string;
  skipEmailVerification?: boolean;
}

function issuerJson(key: { issuerUrl: string } | { wildcardIssuerUrl: string }, cfg: OidcIssuerConfig): IssuerJson {
  const out: IssuerJson = { ...key, audience: cfg.clientId, challengeClaim: defaultChallengeClaim(cfg), issuerType: cfg.type };
  if (cfg.spiffeTrustDomain) out.spiffeTrustDomain = cfg.spiffeTrustDomain;
  if (cfg.subjectDomain) out.subjectDomain = cfg.subjectDomain;
  if (cfg.skipEmailVerification) out.skipEmailVerification = true;
  return out;
}

export function configurationJson(config: FulcioConfig): { issuers: IssuerJson[] } {
  return {
    issuers: [
      ...[...config.oidcIssuers.values()].map((cfg) => issuerJson({ issuerUrl: cfg.issuerUrl }, cfg)),
      ...[...config.metaIssuers.entries()].map(([pattern, { issuer }]) => issuerJson({ wildcardIssuerUrl: pattern }, issuer)),
    ],
  };
}

/** `config` plus one more exact issuer; refuses to shadow an issuer the file already defines. */
export function withIssuer(config: FulcioConfig, issuer: OidcIssuerConfig): FulcioConfig {
  if (config.oidcIssuers.has(issuer.issuerUrl)) {
    throw new SealhouseError('invalid_input', `OIDC issuer config already defines ${issuer.issuerUrl}; remove it or turn the development issuer off`);
  }
  return { ...config, oidcIssuers: new Map([...config.oidcIssuers, [issuer.issuerUrl, issuer]]) };
}

/** A config with no issuers: every token is refused as "unsupported issuer". */
export const EMPTY_FULCIO_CONFIG: FulcioConfig = { oidcIssuers: new Map(), metaIssuers: new Map(), ciIssuerMetadata: new Map() };
