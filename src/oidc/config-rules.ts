/**
 * Per-issuer config rules from Fulcio's validateConfig (pkg/config/config.go,
 * https://github.com/sigstore/fulcio/blob/main/pkg/config/config.go) and docs/oidc.md: which
 * fields each issuer type needs, and the domain-ownership rule that the subject domain shares its
 * top two labels with the issuer host (so a config cannot mint identities in someone else's domain).
 */
import { SealhouseError } from '../errors.js';
import type { OidcIssuerConfig } from './issuer-config.js';
import { spiffeTrustDomain } from './claims.js';
import { quoteClaim } from './quote.js';
import { issuerTooLong, MAX_ISSUER_BYTES } from './token-limits.js';

const bad = (issuer: OidcIssuerConfig, why: string): SealhouseError => new SealhouseError('invalid_input', `OIDC issuer config for ${issuer.issuerUrl}: ${why}`);

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** Hostnames equal, or the same top-level and second-level labels (Fulcio validateAllowedDomain). */
export function sameRegistrableDomain(subjectHost: string, issuerHost: string): boolean {
  if (subjectHost === issuerHost) return true;
  const s = subjectHost.split('.');
  const i = issuerHost.split('.');
  if (s.length < 2 || i.length < 2) return false;
  return s.at(-1) === i.at(-1) && s.at(-2) === i.at(-2);
}

/** The claim proof of possession signs by default for a type (Fulcio issuerToChallengeClaim). */
export function defaultChallengeClaim(issuer: OidcIssuerConfig): string {
  if (issuer.challengeClaim) return issuer.challengeClaim;
  return issuer.type === 'email' ? 'email' : 'sub';
}

export function validateIssuer(issuer: OidcIssuerConfig, isMeta: boolean): void {
  // Tokens with a longer `iss` are refused unread, so such an issuer could never be used.
  if (issuerTooLong(issuer.issuerUrl)) throw bad({ ...issuer, issuerUrl: quoteClaim(issuer.issuerUrl) }, `the issuer URL is longer than ${MAX_ISSUER_BYTES} bytes`);
  if (issuer.issuerClaim && issuer.type !== 'email') throw bad(issuer, 'only email issuers can use issuer claim mapping');
  if (!isMeta) {
    const url = parseUrl(issuer.issuerUrl);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw bad(issuer, 'IssuerURL must be an http(s) URL');
  }
  if (issuer.type === 'spiffe') {
    if (isMeta) throw bad(issuer, 'SPIFFE meta issuers not supported');
    if (!issuer.spiffeTrustDomain) throw bad(issuer, 'spiffe issuer must have SPIFFETrustDomain set');
    if (!spiffeTrustDomain(issuer.spiffeTrustDomain)) throw bad(issuer, 'spiffe trust domain is invalid');
  }
  if (issuer.type === 'uri' && !isMeta) {
    const domain = issuer.subjectDomain ? parseUrl(issuer.subjectDomain) : undefined;
    if (!domain) throw bad(issuer, 'uri issuer must have SubjectDomain set to a URL with a scheme');
    const iss = new URL(issuer.issuerUrl);
    if (domain.protocol !== iss.protocol) throw bad(issuer, `subject (${domain.protocol}) and issuer (${iss.protocol}) URI schemes do not match`);
    if (!sameRegistrableDomain(domain.hostname, iss.hostname)) throw bad(issuer, `hostname top-level and second-level domains do not match: ${domain.hostname}, ${iss.hostname}`);
  }
  if (issuer.type === 'username' && !isMeta) {
    if (!issuer.subjectDomain) throw bad(issuer, 'username issuer must have SubjectDomain set');
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(issuer.subjectDomain)) throw bad(issuer, 'SubjectDomain for username should not contain scheme');
    if (!sameRegistrableDomain(issuer.subjectDomain, new URL(issuer.issuerUrl).hostname)) {
      throw bad(issuer, `hostname top-level and second-level domains do not match: ${issuer.subjectDomain}, ${new URL(issuer.issuerUrl).hostname}`);
    }
  }
  if (issuer.type === 'ci-provider' && !issuer.ciProvider) throw bad(issuer, 'ci-provider issuer must have CIProvider set');
}
