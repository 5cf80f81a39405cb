/**
 * Validation of identity values before they become a certificate's SAN (issue 8): a URI or
 * Kubernetes claim holding a newline, a space, `\@host` or `#` used to be copied verbatim into
 * the URI SAN, and Go clients then cannot parse the certificate at all (crypto/x509 runs every
 * URI SAN through url.Parse and checks its host labels).
 *
 * - SAN URIs: RFC 3986 §3 absolute URIs, ASCII only, so no control characters, spaces or
 *   backslashes (https://www.rfc-editor.org/rfc/rfc3986#appendix-A). Also refused: a fragment
 *   (URI parsers drop everything after `#`, so `…/namespaces/a#/serviceaccounts/b` would name
 *   something else to them), userinfo (`https://github.com@evil.example/` is a spoof), and host
 *   names with empty labels or a trailing dot (Go's x509 refuses those).
 * - Kubernetes: a namespace is an RFC 1123 DNS label, a service account name an RFC 1123 DNS
 *   subdomain, as the Kubernetes API server itself requires
 *   (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/).
 */
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';

const reject = (why: string): SealhouseError => new AuthenticationError('claims', why);

/** Longest value quoted back in a message. */
const QUOTE = 80;
const quote = (value: string): string => JSON.stringify(value.length > QUOTE ? `${value.slice(0, QUOTE)}…` : value);

const PCT = '%[0-9A-Fa-f]{2}';
const UNRESERVED = "A-Za-z0-9\\-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const REG_NAME = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*$`);
const IP_LITERAL = /^\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$/;
const PATH = new RegExp(`^(?:${PCHAR}|/)*$`);
const QUERY = new RegExp(`^(?:${PCHAR}|[/?])*$`);
const PORT = /^[0-9]*$/;

/** Why `value` is not an acceptable SAN URI, or undefined when it is. */
export function sanUriProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) return 'contains a control character';
  if (value.includes(' ')) return 'contains a space';
  if (value.includes('\\')) return 'contains a backslash';
  if (!/^[\x21-\x7e]*$/.test(value)) return 'contains a non-ASCII character';
  if (value.includes('#')) return 'contains a fragment (#)';
  const colon = value.indexOf(':');
  if (colon <= 0 || !SCHEME.test(value.slice(0, colon))) return 'is not an absolute URI (scheme:…)';
  let rest = value.slice(colon + 1);
  const q = rest.indexOf('?');
  const query = q < 0 ? '' : rest.slice(q + 1);
  if (q >= 0) rest = rest.slice(0, q);
  if (!QUERY.test(query)) return 'has a character not allowed in a URI query';
  let path = rest;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    path = slash < 0 ? '' : rest.slice(slash);
    if (authority.includes('@')) return 'has userinfo (user@) before its host';
    const portAt = authority.startsWith('[') ? authority.indexOf(']:') + 1 : authority.lastIndexOf(':');
    const host = portAt > 0 ? authority.slice(0, portAt) : authority;
    if (portAt > 0 && !PORT.test(authority.slice(portAt + 1))) return 'has an invalid port';
    if (host === '') return 'has no host';
    if (host.startsWith('[')) {
      if (!IP_LITERAL.test(host)) return 'has an invalid IP literal host';
    } else {
      if (!REG_NAME.test(host)) return 'has a character not allowed in a host name';
      if (host.split('.').some((label) => label === '')) return 'has a host name with an empty label';
    }
  }
  if (!PATH.test(path)) return 'has a character not allowed in a URI path';
  return undefined;
}

/** Throws the token-level refusal (Fulcio's 400 "error processing the identity token") for a bad SAN URI. */
export function checkSanUri(value: string, what: string): string {
  const problem = sanUriProblem(value);
  if (problem !== undefined) throw reject(`${what} ${quote(value)} cannot be a certificate URI SAN: it ${problem}`);
  return value;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** An RFC 1123 label: 1–63 of [a-z0-9-], alphanumeric at both ends. */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** An RFC 1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}

export function checkKubernetesNames(namespace: string, account: string): void {
  if (!isDnsLabel(namespace)) {
    throw reject(`kubernetes.io namespace ${quote(namespace)} is not a DNS label (1-63 lower-case letters, digits or '-')`);
  }
  if (!isDnsSubdomain(account)) {
    throw reject(`kubernetes.io serviceaccount.name ${quote(account)} is not a DNS subdomain (lower-case letters, digits, '-' and '.')`);
  }
}
