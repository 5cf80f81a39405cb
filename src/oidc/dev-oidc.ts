/**
 * A development OIDC issuer, so keyless signing can be tried without an identity provider:
 * OpenID Connect Discovery 1.0 (https://openid.net/specs/openid-connect-discovery-1_0.html)
 * served by Sealhouse itself under /dev-oidc, and ES256 ID tokens minted by `sealhouse dev-token`.
 * Anyone who can run that command can become anyone, so it is off unless SEALHOUSE_DEV_OIDC=1.
 *
 * The signing key lives in the data directory (dev-oidc-key.pem, 0600), so the CLI and the
 * server agree on it. The CA reads this issuer's discovery document and JWKS in-process (see
 * `localGet`), never over HTTP to its own public URL, which may not be reachable from inside.
 *
 *   token claims: {"iss": "<SEALHOUSE_URL>/dev-oidc", "sub": "alice@example.com", "aud": "sigstore",
 *                  "email": "alice@example.com", "email_verified": true, "iat": …, "exp": …}
 */
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { SealhouseError } from '../errors.js';
import { type Clock, systemClock } from '../clock.js';
import { loadOrCreateEcKey, type EcKey } from '../key-file.js';
import { isEmail } from './claims.js';
import type { OidcIssuerConfig } from './config.js';
import type { HttpGet } from './http-get.js';

export const DEV_OIDC_PATH = '/dev-oidc';
export const DEV_OIDC_KEY_FILE = 'dev-oidc-key.pem';

export interface MintOptions {
  readonly email: string;
  readonly audience?: string;
  readonly ttlSeconds?: number;
}

export class DevOidcIssuer {
  private constructor(
    private readonly key: EcKey,
    readonly issuerUrl: string,
    private readonly jwk: JWK,
    private readonly clock: Clock,
  ) {}

  /** `publicUrl` is SEALHOUSE_URL: the issuer is `<publicUrl>/dev-oidc`. */
  static async load(dataDir: string, publicUrl: URL, clock: Clock = systemClock): Promise<DevOidcIssuer> {
    const key = loadOrCreateEcKey({ dataDir, fileName: DEV_OIDC_KEY_FILE, what: 'the development OIDC key' });
    const jwk = await exportJWK(key.publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const issuerUrl = `${publicUrl.href.replace(/\/+$/, '')}${DEV_OIDC_PATH}`;
    return new DevOidcIssuer(key, issuerUrl, { ...jwk, kid, alg: 'ES256', use: 'sig' }, clock);
  }

  get jwksUri(): string {
    return `${this.issuerUrl}/jwks`;
  }

  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuerUrl,
      jwks_uri: this.jwksUri,
      id_token_signing_alg_values_supported: ['ES256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'email', 'email_verified'],
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.jwk] };
  }

  /** The config entry the CA trusts this issuer with: an email issuer, audience `sigstore`. */
  issuerConfig(): OidcIssuerConfig {
    return { issuerUrl: this.issuerUrl, clientId: 'sigstore', type: 'email', skipEmailVerification: false };
  }

  /** `sub` equals the email, so even clients that sign `sub` (sigstore-js 3.x) pass proof of possession. */
  async mint(opts: MintOptions): Promise<string> {
    if (!isEmail(opts.email)) throw new SealhouseError('invalid_input', `--email must be an e-mail address, got "${opts.email}"`);
    const ttl = opts.ttlSeconds ?? 600;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new SealhouseError('invalid_input', '--ttl must be between 1 and 86400 seconds');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ email: opts.email, email_verified: true })
      .setProtectedHeader({ alg: 'ES256', kid: this.jwk.kid as string, typ: 'JWT' })
      .setIssuer(this.issuerUrl)
      .setSubject(opts.email)
      .setAudience(opts.audience ?? 'sigstore')
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
  }

  /** An HttpGet that answers this issuer's two documents itself and passes anything else on. */
  localGet(fallback: HttpGet): HttpGet {
    const documents = new Map<string, unknown>([
      [`${this.issuerUrl}/.well-known/openid-configuration`, this.discovery()],
      [this.jwksUri, this.jwks()],
    ]);
    return async (url, opts) => {
      const doc = documents.get(url);
      if (doc === undefined) return fallback(url, opts);
      return { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify(doc)) };
    };
  }
}
