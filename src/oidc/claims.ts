/**
 * Reading token claims the way Fulcio's Go code does (pkg/identity/ciprovider mapValuesToString,
 * pkg/oauthflow IssuerFromIDToken, govalidator.IsEmail, go-spiffe IDs), so the same token yields
 * the same certificate values. SPIFFE ID rules: https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md
 */
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';

export type Claims = Readonly<Record<string, unknown>>;

const reject = (why: string): SealhouseError => new AuthenticationError('claims', why);

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
function formatFloat(v: number): string {
  if (Number.isInteger(v)) return BigInt(v).toString();
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign = '', lead = '', frac = '', expText = '0'] = m;
  const exp = Number(expText);
  // Only tiny magnitudes reach here (large ones are integers): 1.5e-7 → 0.00000015
  return `${sign}0.${'0'.repeat(-exp - 1)}${lead}${frac}`;
}

/** fmt.Sprintf("%v") for decoded JSON values. */
export function goString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map((x) => goString(x)).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
}

/** Every claim as a string, for ci-provider templates (floats: whole numbers without decimals). */
export function stringifyClaims(claims: Claims): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = goString(v);
  return out;
}

/** A claim that must be a non-empty string (Go would refuse to decode anything else into a string field). */
export function requiredString(claims: Claims, name: string): string {
  const v = claims[name];
  if (v === undefined || v === null || v === '') throw reject(`missing ${name} claim in ID token`);
  if (typeof v !== 'string') throw reject(`${name} claim in ID token must be a string`);
  return v;
}

export function optionalString(claims: Claims, name: string): string {
  const v = claims[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw reject(`${name} claim in ID token must be a string`);
  return v;
}

/**
 * The JSONPath subset issuer claims use: `$.a.b`, `$['a-b']`, `$["a"]`, `$.list[0]`.
 * Returns the value at the path, stringified like Go's `%v`.
 */
export function claimAtPath(claims: Claims, path: string): string {
  if (!path.startsWith('$')) throw reject(`issuer claim path ${path} must start with $`);
  const segment = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let node: unknown = claims;
  for (let at = 1; at < path.length; at = segment.lastIndex) {
    segment.lastIndex = at;
    const m = segment.exec(path);
    if (!m) throw reject(`unsupported issuer claim path ${path}`);
    const key = m[1] ?? m[3] ?? m[4];
    if (key !== undefined && node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key];
    } else if (m[2] !== undefined && Array.isArray(node) && Number(m[2]) < node.length) {
      node = node[Number(m[2])];
    } else {
      throw reject(`issuer claim ${path} not found in ID token`);
    }
  }
  return goString(node);
}

/** The WHATWG e-mail grammar: close to govalidator.IsEmail and always ASCII (it becomes an IA5String). */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const isEmail = (s: string): boolean => s.length <= 254 && EMAIL.test(s);

/** `example.org` or `spiffe://example.org` → `example.org`, per go-spiffe TrustDomainFromString. */
export function spiffeTrustDomain(s: string): string | undefined {
  const td = s.startsWith('spiffe://') ? s.slice(9) : s;
  return /^[a-z0-9._-]+$/.test(td) ? td : undefined;
}

/** `spiffe://<trust domain>/<path>`: no empty, `.` or `..` segments, no query, fragment, port or userinfo. */
export function parseSpiffeId(id: string): { trustDomain: string; path: string } | undefined {
  const m = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._-]+)*)$/.exec(id);
  if (!m) return undefined;
  const [, trustDomain = '', path = ''] = m;
  if (path.split('/').some((seg) => seg === '.' || seg === '..')) return undefined;
  return { trustDomain, path };
}
