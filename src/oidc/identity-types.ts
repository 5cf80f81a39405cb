/**
 * Claims → SAN and extensions for the person/workload issuer types (reference §2.3; Fulcio
 * pkg/identity/{email,username,uri,spiffe,kubernetes,chainguard}/principal.go,
 * https://github.com/sigstore/fulcio/tree/main/pkg/identity). Each mapper returns the SAN, the
 * principal *name* (what proof of possession signs by default) and Fulcio's extension record.
 */
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';
import type { San } from './principal.js';
import { type Claims, claimAtPath, isEmail, parseSpiffeId, spiffeTrustDomain } from './claims.js';
import type { OidcIssuerConfig } from './config.js';
import type { FulcioExtensions } from './fulcio-extensions.js';
import { checkKubernetesNames, checkSanUri } from './san-values.js';
import { joinUrlPath } from './url-path.js';

export interface TokenFacts {
  readonly claims: Claims;
  /** The verified `iss`. */
  readonly iss: string;
  /** `sub`, or '' when the token has none. */
  readonly sub: string;
  readonly issuer: OidcIssuerConfig;
}

export interface Mapped {
  readonly san: San;
  readonly name: string;
  readonly extensions: FulcioExtensions;
}

const reject = (why: string): SealhouseError => new AuthenticationError('claims', why);

function needSub(t: TokenFacts): string {
  if (!t.sub) throw reject('token has no sub claim');
  return t.sub;
}

/** Go's stringAsBool: true/"true"/"True" are true, false/"false"/"False"/absent false, anything else an error. */
function emailVerified(claims: Claims): boolean {
  const v = claims.email_verified;
  if (v === undefined || v === false || v === 'false' || v === 'False') return false;
  if (v === true || v === 'true' || v === 'True') return true;
  throw reject('invalid value for boolean in email_verified claim');
}

/** Email plus its verification, as oauthflow.EmailFromIDToken / SubjectFromToken read them. */
export function verifiedEmail(t: TokenFacts): string {
  const email = t.claims.email;
  if (typeof email !== 'string' || email === '') throw reject('token missing email claim');
  if (!t.issuer.skipEmailVerification && !emailVerified(t.claims)) throw reject('email_verified claim was false');
  if (!isEmail(email)) throw reject('email address is not valid');
  return email;
}

export function mapEmail(t: TokenFacts): Mapped {
  const email = verifiedEmail(t);
  const issuerValue = t.issuer.issuerClaim ? claimAtPath(t.claims, t.issuer.issuerClaim) : t.iss;
  return { san: { type: 'email', value: email }, name: email, extensions: { Issuer: issuerValue, Subject: t.sub } };
}

export function mapUsername(t: TokenFacts): Mapped {
  const username = needSub(t);
  if (username.includes('!')) throw reject('username cannot contain ! character');
  if (isEmail(username)) throw reject('username subject should not be an email address');
  if (!t.issuer.subjectDomain) throw reject(`issuer ${t.iss} has no SubjectDomain configured`);
  return { san: { type: 'otherName', value: `${username}!${t.issuer.subjectDomain}` }, name: username, extensions: { Issuer: t.iss, Subject: username } };
}

export function mapUri(t: TokenFacts): Mapped {
  const sub = needSub(t);
  if (isEmail(sub)) throw reject('uri subject should not be an email address');
  let subject: URL;
  let domain: URL;
  try {
    subject = new URL(sub);
    domain = new URL(t.issuer.subjectDomain ?? '');
  } catch {
    throw reject('uri subject and the configured SubjectDomain must both be URLs');
  }
  if (subject.protocol !== domain.protocol) throw reject(`subject URI scheme (${subject.protocol}) must match expected domain URI scheme (${domain.protocol})`);
  if (subject.hostname !== domain.hostname) throw reject(`subject hostname (${subject.hostname}) must match expected domain (${domain.hostname})`);
  return { san: { type: 'uri', value: checkSanUri(sub, 'uri subject') }, name: sub, extensions: { Issuer: t.iss, Subject: sub } };
}

export function mapSpiffe(t: TokenFacts): Mapped {
  const sub = needSub(t);
  const id = parseSpiffeId(sub);
  if (!id) throw reject(`invalid spiffe ID provided: ${sub}`);
  const configured = spiffeTrustDomain(t.issuer.spiffeTrustDomain ?? '');
  if (id.trustDomain !== configured) throw reject(`spiffe ID trust domain ${id.trustDomain} doesn't match configured trust domain ${t.issuer.spiffeTrustDomain ?? ''}`);
  return { san: { type: 'uri', value: checkSanUri(sub, 'spiffe ID') }, name: sub, extensions: { Issuer: t.iss, Subject: sub } };
}

/** SAN `https://kubernetes.io/namespaces/<ns>/serviceaccounts/<name>` from the `kubernetes.io` claim. */
export function mapKubernetes(t: TokenFacts): Mapped {
  const sub = needSub(t);
  const k8s = t.claims['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown } } | undefined;
  const namespace = k8s?.namespace;
  const account = k8s?.serviceaccount?.name;
  // Fulcio would emit empty path segments here; a SAN naming no account is useless, so refuse.
  if (typeof namespace !== 'string' || namespace === '' || typeof account !== 'string' || account === '') {
    throw reject('missing kubernetes.io namespace or serviceaccount.name claim in ID token');
  }
  checkKubernetesNames(namespace, account);
  return {
    san: { type: 'uri', value: `https://kubernetes.io/namespaces/${namespace}/serviceaccounts/${account}` },
    name: sub,
    extensions: { Issuer: t.iss, Subject: sub },
  };
}

/** Chainguard: SAN `<iss>/<sub>`; the name is the (verified) email when present, else sub. */
export function mapChainguard(t: TokenFacts): Mapped {
  const sub = needSub(t);
  const name = t.claims.email !== undefined ? verifiedEmail(t) : sub;
  return { san: { type: 'uri', value: checkSanUri(joinUrlPath(t.iss, sub), 'chainguard identity') }, name, extensions: { Issuer: t.iss, Subject: sub } };
}

