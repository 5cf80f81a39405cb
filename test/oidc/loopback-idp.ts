/**
 * A real OIDC identity provider on loopback for the verifier tests: any path prefix is an issuer
 * with its own discovery document and JWKS, and request counts are recorded per URL path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type SigningKey = { kid: string; alg: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK };

export interface IssuerState {
  /** `id_token_signing_alg_values_supported`; undefined leaves the field out. */
  algorithms?: string[];
  /** Overrides the discovery `issuer` value (to test the equality check). */
  issuerValue?: string;
  /** Answer discovery with a redirect to this absolute URL instead. */
  redirectTo?: string;
  keys: SigningKey[];
}

export class TestIdp {
  readonly hits = new Map<string, number>();
  private readonly issuers = new Map<string, IssuerState>();

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<TestIdp> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const idp = new TestIdp(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', idp.base).pathname;
      idp.hits.set(path, (idp.hits.get(path) ?? 0) + 1);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const [prefix, tail] = path.endsWith('/.well-known/openid-configuration')
        ? [path.slice(0, -'/.well-known/openid-configuration'.length), 'discovery']
        : path.endsWith('/jwks')
          ? [path.slice(0, -'/jwks'.length), 'jwks']
          : [path, ''];
      const state = idp.issuers.get(prefix);
      if (!state || !tail) return send(404, { error: 'not found' });
      if (tail === 'jwks') return send(200, { keys: state.keys.map((k) => k.jwk) });
      if (state.redirectTo) return void res.writeHead(302, { location: state.redirectTo }).end();
      return send(200, {
        issuer: state.issuerValue ?? idp.base + prefix,
        jwks_uri: `${idp.base}${prefix}/jwks`,
        ...(state.algorithms ? { id_token_signing_alg_values_supported: state.algorithms } : {}),
      });
    });
    return idp;
  }

  /** Register an issuer at `path` (e.g. `/email`) with one ES256 key; returns its issuer URL. */
  async issuer(path: string, state: Partial<IssuerState> = {}): Promise<string> {
    const full: IssuerState = { algorithms: ['ES256', 'RS256'], keys: [], ...state };
    this.issuers.set(path, full);
    if (full.keys.length === 0) await this.addKey(path, 'ES256');
    return this.base + path;
  }

  state(path: string): IssuerState {
    const s = this.issuers.get(path);
    if (!s) throw new Error(`no issuer ${path}`);
    return s;
  }

  async addKey(path: string, alg: string, kid = `${alg}-${Math.random().toString(36).slice(2, 8)}`, publish = true): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const key = { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    if (publish) this.state(path).keys.push(key);
    return key;
  }

  /** A signed token from the issuer at `path`; `iat`/`exp` default around `now`. */
  async token(path: string, claims: Record<string, unknown>, opts: { now?: Date; key?: SigningKey } = {}): Promise<string> {
    const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
    const key = opts.key ?? this.state(path).keys[0];
    if (!key) throw new Error('issuer has no key');
    return new SignJWT({ iss: this.base + path, aud: 'sigstore', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  hitsFor(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An unsigned (`alg: none`) compact JWT with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}
