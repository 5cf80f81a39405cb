/**
 * OIDC discovery and key sets per issuer, as go-oidc's NewProvider does for Fulcio
 * (OpenID Connect Discovery 1.0 §4.3, https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation):
 * GET `<iss>/.well-known/openid-configuration`, require its `issuer` to equal `iss` exactly, take
 * `jwks_uri` and the signing algorithms (RS256 only when the list is absent or empty).
 *
 * Keys come from jose's createRemoteJWKSet: cached, refetched when a token names an unknown
 * `kid`, but at most once per cooldown so bad tokens cannot hammer the IdP. Providers are cached
 * (configured issuers for the life of the process, meta-issuers in an LRU of 100, like Fulcio);
 * a failed discovery is remembered briefly so retries do not stampede.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { SealhouseError } from '../../errors.js';
import type { OidcIssuerConfig } from './config.js';
import { getJson, type HttpGet, httpGet } from './http-get.js';

/** What go-oidc accepts at all; a discovery list is intersected with this. */
const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

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
  /** How long a failed discovery is remembered (default 5 s). */
  readonly failureTtlMs?: number;
}

const META_CACHE_SIZE = 100;

export async function discoverProvider(cfg: OidcIssuerConfig, opts: ProviderOptions = {}): Promise<OidcProvider> {
  const get = opts.get ?? httpGet;
  const request = { timeoutMs: opts.timeoutMs ?? 10_000, ca: cfg.caCert };
  const doc = (await getJson(get, `${cfg.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`, request)) as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null) throw new Error('discovery document is not a JSON object');
  if (doc.issuer !== cfg.issuerUrl) {
    throw new Error(`issuer did not match the issuer returned by provider, expected ${JSON.stringify(cfg.issuerUrl)} got ${JSON.stringify(doc.issuer)}`);
  }
  const jwksUri = doc.jwks_uri;
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) throw new Error('discovery document has no http(s) jwks_uri');
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

/** Providers by issuer URL, with in-flight de-duplication and a short negative cache. */
export class ProviderCache {
  private readonly fixed = new Map<string, Promise<OidcProvider>>();
  private readonly meta = new Map<string, Promise<OidcProvider>>();
  private readonly failures = new Map<string, { at: number; error: SealhouseError }>();

  constructor(private readonly opts: ProviderOptions = {}) {}

  async get(cfg: OidcIssuerConfig, isMeta: boolean): Promise<OidcProvider> {
    const cache = isMeta ? this.meta : this.fixed;
    const key = `${cfg.issuerUrl}\n${cfg.caCert ?? ''}`;
    const cached = cache.get(key);
    if (cached) {
      if (isMeta) {
        cache.delete(key); // LRU: re-insert as most recent
        cache.set(key, cached);
      }
      return cached;
    }
    const failed = this.failures.get(key);
    if (failed && Date.now() - failed.at < (this.opts.failureTtlMs ?? 5_000)) throw failed.error;
    const pending = discoverProvider(cfg, this.opts).catch((err: unknown) => {
      cache.delete(key);
      const error = new SealhouseError('unauthenticated', `OIDC discovery for ${cfg.issuerUrl} failed: ${(err as Error).message}`);
      this.failures.set(key, { at: Date.now(), error });
      throw error;
    });
    cache.set(key, pending);
    if (isMeta && cache.size > META_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return pending;
  }
}
