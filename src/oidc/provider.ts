/**
 * OIDC discovery and key sets per issuer, as go-oidc's NewProvider does for Fulcio
 * (OpenID Connect Discovery 1.0 §4.3, https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation):
 * GET `<iss>/.well-known/openid-configuration`, require its `issuer` to equal `iss` exactly, take
 * `jwks_uri` and the signing algorithms (RS256 only when the list is absent or empty).
 *
 * Keys come from jose's createRemoteJWKSet: cached, refetched when a token names an unknown
 * `kid`, but at most once per cooldown so bad tokens cannot hammer the IdP.
 *
 * Every cache here is bounded (issue 8: a flood of distinct meta-issuer `iss` values grew a
 * failure map without limit, 377 MB → 1 GB):
 * - configured issuers: one provider each for the life of the process (their number is the config's);
 * - meta-issuer expansions: an LRU of 100 (Fulcio's size) whose entries expire after an hour, so a
 *   changed discovery document is picked up and an idle cluster issuer is eventually dropped;
 * - failed discoveries: an LRU of 1,000 remembered for 5 s, so retries of one bad issuer do not
 *   stampede it while a stream of distinct bad ones cannot grow memory (≤ 1,000 × ~1 KiB keys);
 * - a discovery already in flight is shared by every token naming the same issuer;
 * - new meta-issuer discoveries go through a DiscoveryLimiter (concurrency and rate), so the CA
 *   cannot be made to fetch unboundedly; over the limit a request gets 503 with Retry-After.
 * Discovery failures are reported in our own words (IdpFetchError) with the issuer cut to 100 chars.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';
import type { OidcIssuerConfig } from './config.js';
import { DiscoveryLimiter, type DiscoveryLimits } from './discovery-limiter.js';
import { getJson, type HttpGet, httpGet, IdpFetchError } from './http-get.js';
import { quoteClaim } from './quote.js';

/** What go-oidc accepts at all; a discovery list is intersected with this. */
export const SUPPORTED_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

export interface OidcProvider {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  readonly keys: JWTVerifyGetKey;
}

export interface ProviderOptions {
  readonly get?: HttpGet;
  readonly timeoutMs?: number;
  /** Minimum time between JWKS refetches for unknown key ids (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** How long fetched keys are trusted before a refresh (default 10 min). */
  readonly jwksMaxAgeMs?: number;
  /** How long a failed discovery is remembered (default 5 s; 0: not at all). */
  readonly failureTtlMs?: number;
  /** How many failed discoveries are remembered at most (default 1,000). */
  readonly failureCacheSize?: number;
  /** How many meta-issuer providers are cached (default 100, as in Fulcio). */
  readonly metaCacheSize?: number;
  /** How long a meta-issuer provider is cached (default 1 h). */
  readonly metaTtlMs?: number;
  /** Bounds on new meta-issuer discoveries (see DiscoveryLimiter). */
  readonly discoveryLimits?: Partial<DiscoveryLimits>;
  /** Milliseconds clock for the caches and the limiter (tests). */
  readonly nowMs?: () => number;
}

export const DEFAULTS = { failureTtlMs: 5_000, failureCacheSize: 1_000, metaCacheSize: 100, metaTtlMs: 3_600_000 } as const;

export async function discoverProvider(cfg: OidcIssuerConfig, opts: ProviderOptions = {}): Promise<OidcProvider> {
  const get = opts.get ?? httpGet;
  const request = { timeoutMs: opts.timeoutMs ?? 10_000, ca: cfg.caCert };
  const url = `${cfg.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const doc = (await getJson(get, url, request, 'the discovery request')) as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new IdpFetchError('discovery document is not a JSON object');
  if (doc.issuer !== cfg.issuerUrl) {
    throw new IdpFetchError(`issuer did not match the issuer returned by provider, expected ${quoteClaim(JSON.stringify(cfg.issuerUrl))} got ${quoteClaim(JSON.stringify(doc.issuer) ?? 'nothing')}`);
  }
  const jwksUri = doc.jwks_uri;
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri) || !URL.canParse(jwksUri)) throw new IdpFetchError('discovery document has no http(s) jwks_uri');
  const listed = Array.isArray(doc.id_token_signing_alg_values_supported) ? doc.id_token_signing_alg_values_supported : [];
  const algorithms = listed.filter((a): a is string => typeof a === 'string' && SUPPORTED_ALGORITHMS.includes(a));
  const keys = createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: request.timeoutMs,
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
    cacheMaxAge: opts.jwksMaxAgeMs ?? 600_000,
    [customFetch]: async (url: string, init: { signal: AbortSignal }) => {
      const res = await get(url, { ...request, signal: init.signal });
      return new Response(new Uint8Array(res.body), { status: res.status, headers: { 'content-type': res.contentType } });
    },
  });
  return { issuer: cfg.issuerUrl, jwksUri, algorithms: algorithms.length > 0 ? algorithms : ['RS256'], keys };
}

/** Providers by issuer URL, with in-flight de-duplication, bounded caches and a limit on new discoveries. */
export class ProviderCache {
  private readonly fixed = new Map<string, Promise<OidcProvider>>();
  private readonly meta: LRUCache<string, Promise<OidcProvider>>;
  private readonly failures: LRUCache<string, SealhouseError> | undefined;
  readonly limiter: DiscoveryLimiter;

  constructor(private readonly opts: ProviderOptions = {}) {
    const now = opts.nowMs ?? (() => performance.now()); // monotonic: a wall-clock step neither expires nor keeps entries
    const perf = { now };
    // ttlResolution 0: ask the clock on every lookup (lru-cache otherwise reuses one reading for 1 ms).
    const timing = { perf, ttlResolution: 0 };
    this.meta = new LRUCache({ max: opts.metaCacheSize ?? DEFAULTS.metaCacheSize, ttl: opts.metaTtlMs ?? DEFAULTS.metaTtlMs, ...timing });
    const failureTtl = opts.failureTtlMs ?? DEFAULTS.failureTtlMs;
    this.failures = failureTtl > 0 ? new LRUCache({ max: opts.failureCacheSize ?? DEFAULTS.failureCacheSize, ttl: failureTtl, ...timing }) : undefined;
    this.limiter = new DiscoveryLimiter(opts.discoveryLimits, now);
  }

  /** How many entries each cache holds now (for tests and metrics). */
  sizes(): { fixed: number; meta: number; failures: number } {
    return { fixed: this.fixed.size, meta: this.meta.size, failures: this.failures?.size ?? 0 };
  }

  async get(cfg: OidcIssuerConfig, isMeta: boolean): Promise<OidcProvider> {
    const key = `${cfg.issuerUrl}\n${cfg.caCert ?? ''}`;
    const cached = isMeta ? this.meta.get(key) : this.fixed.get(key);
    if (cached) return cached;
    const failed = this.failures?.get(key);
    if (failed) throw failed;
    // Configured issuers are as many as the config says; only wildcard expansions are rationed.
    const release = isMeta ? this.limiter.acquire() : () => {};
    const pending: Promise<OidcProvider> = discoverProvider(cfg, this.opts)
      .finally(release)
      .catch((err: unknown) => {
        // A failure is not kept as a provider (unless a newer attempt has replaced it by now)…
        const held = isMeta ? this.meta.peek(key) : this.fixed.get(key);
        if (held === pending) void (isMeta ? this.meta.delete(key) : this.fixed.delete(key));
        // …but remembered briefly as a failure, in words safe to show the client.
        const reason = err instanceof IdpFetchError ? err.message : 'the discovery document could not be used';
        const error = new AuthenticationError('issuer', `OIDC discovery for ${quoteClaim(cfg.issuerUrl)} failed: ${reason}`, { cause: err });
        this.failures?.set(key, error);
        throw error;
      });
    if (isMeta) this.meta.set(key, pending);
    else this.fixed.set(key, pending);
    return pending;
  }
}
