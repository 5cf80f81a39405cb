/**
 * Size and shape limits on an identity token, checked on the raw string and its decoded (still
 * unverified) parts before any network or crypto work, so a hostile token costs a few
 * microseconds and never an outbound discovery fetch.
 *
 * The limits, from what real issuers send:
 * - `iss` ≤ 1 KiB. Issuer URLs are short: accounts.google.com, token.actions.githubusercontent.com,
 *   oidc.eks.<region>.amazonaws.com/id/<32 hex> (≈ 75 chars), container.googleapis.com/v1/projects/
 *   <p>/locations/<l>/clusters/<c> (≤ ≈ 200), AKS <region>.oic.prod-aks.azure.com/<uuid>/<uuid>/
 *   (≈ 110). 1 KiB is five times the longest and still bounds every cache key.
 * - the whole token ≤ 32 KiB. GitHub Actions and GitLab CI tokens are 1–2 KB, Google, Kubernetes
 *   and EKS ≈ 1 KB; the largest seen in practice are Entra ID tokens with up to 200 group ids
 *   (≈ 12 KB) before the IdP switches to an overage claim. A Bearer header cannot exceed Node's
 *   16 KiB header limit anyway; 32 KiB leaves the request body form the same room twice over.
 * - claims nested ≤ 16 levels. Real tokens are flat or, for Kubernetes (`kubernetes.io.pod.name`),
 *   three levels deep; the bound keeps the recursive claim readers (Go-style `%v`, JSONPath
 *   issuer claims) far from the stack limit whatever a signed token holds.
 */
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';

export const MAX_TOKEN_CHARS = 32 * 1024;
export const MAX_ISSUER_BYTES = 1024;
export const MAX_CLAIM_DEPTH = 16;

const reject = (why: string): SealhouseError => new AuthenticationError('malformed', why);

/** Refuses an `iss` (or a configured issuer URL) longer than MAX_ISSUER_BYTES of UTF-8. */
export function issuerTooLong(iss: string): boolean {
  // Cheap bound first: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  return iss.length > MAX_ISSUER_BYTES || Buffer.byteLength(iss, 'utf8') > MAX_ISSUER_BYTES;
}

/** The deepest nesting of objects and arrays in `value`, counted up to `limit + 1` only. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The checks on the raw token: present, bounded, three dot-separated parts. */
export function checkTokenSize(token: unknown, maxChars = MAX_TOKEN_CHARS): asserts token is string {
  if (typeof token !== 'string' || token.length === 0) throw reject('no identity token supplied');
  if (token.length > maxChars) throw reject(`identity token is too large (${token.length} characters; the limit is ${maxChars})`);
  if (token.split('.', 4).length !== 3) throw reject('malformed identity token: expected a compact JWS with exactly one signature');
}

/** The checks on the decoded payload: claims not too deep, `iss` a bounded non-empty string. */
export function checkClaimsShape(payload: Readonly<Record<string, unknown>>): string {
  if (depthExceeds(payload, MAX_CLAIM_DEPTH)) throw reject(`token claims are nested more than ${MAX_CLAIM_DEPTH} levels deep`);
  const { iss } = payload;
  if (typeof iss !== 'string' || iss === '') throw reject('token has no iss claim');
  if (issuerTooLong(iss)) throw reject(`token iss claim is longer than ${MAX_ISSUER_BYTES} bytes`);
  return iss;
}
