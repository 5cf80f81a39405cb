/**
 * The one HTTP client the OIDC code uses, for discovery documents and JWKS (OpenID Connect
 * Discovery 1.0 §4, https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig).
 * Built on node:http(s) rather than global fetch so it can trust an issuer-specific CA
 * (Fulcio's `CACert`), cap the body size, time out, and refuse redirects that leave the origin.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { socketErrorMeaning } from '../socket-errors.js';
import { quoteClaim } from './quote.js';

/**
 * A failure talking to an IdP, in words a client may read: no socket error text, internal
 * addresses or URLs beyond the (quoted, cut) origin the token itself named. The raw error is the cause.
 */
export class IdpFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdpFetchError';
  }
}

/** OpenSSL's verdicts on a peer certificate (err.code of a failed TLS handshake). */
const TLS_TRUST_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Any error from a request, as an IdpFetchError (ours pass through unchanged). */
function asFetchError(err: unknown, url: URL, timeoutMs: number): IdpFetchError {
  if (err instanceof IdpFetchError) return err;
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  const origin = quoteClaim(url.origin);
  if (name === 'AbortError' || name === 'TimeoutError') return new IdpFetchError(`request to ${origin} timed out after ${timeoutMs} ms`, { cause: err });
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || TLS_TRUST_CODES.has(code))) {
    return new IdpFetchError(`the TLS certificate of ${origin} is not trusted`, { cause: err });
  }
  const meaning = socketErrorMeaning(code);
  return new IdpFetchError(`could not fetch from ${origin}: ${meaning ?? 'network error'}`, { cause: err });
}

export interface HttpGetOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Extra PEM CA certificates to trust for https (added to Node's defaults). */
  readonly ca?: string;
  readonly signal?: AbortSignal;
  readonly maxRedirects?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A pluggable GET, so tests or a proxying deployment can replace the transport. */
export type HttpGet = (url: string, opts?: HttpGetOptions) => Promise<HttpResponse>;

function once(url: URL, opts: HttpGetOptions): Promise<{ res: IncomingMessage; body: Buffer }> {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise<{ res: IncomingMessage; body: Buffer }>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    // The socket timeout catches a silent peer; the signal bounds the whole exchange (slow drips too).
    const signal = opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? 10_000);
    const req = send(url, { method: 'GET', headers: { accept: 'application/json' }, timeout: opts.timeoutMs ?? 10_000, signal, ...(isHttps && opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new IdpFetchError(`response from ${quoteClaim(url.origin)} exceeds ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new IdpFetchError(`request to ${quoteClaim(url.origin)} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  }).catch((err: unknown) => {
    throw asFetchError(err, url, timeoutMs);
  });
}

/** GET following at most `maxRedirects` redirects, and only within the same origin. */
export const httpGet: HttpGet = async (target, opts = {}) => {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new IdpFetchError(`invalid URL ${quoteClaim(target)}`);
  }
  for (let hops = 0; ; hops++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new IdpFetchError(`unsupported URL scheme ${quoteClaim(url.protocol)}`);
    const { res, body } = await once(url, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new IdpFetchError(`${quoteClaim(url.origin)} answered a redirect to an invalid URL`);
      }
      if (next.origin !== url.origin) throw new IdpFetchError(`refusing redirect from ${quoteClaim(url.origin)} to ${quoteClaim(next.origin)}`);
      if (hops >= (opts.maxRedirects ?? 3)) throw new IdpFetchError('too many redirects');
      url = next;
      continue;
    }
    return { status, contentType: res.headers['content-type'] ?? '', body };
  }
};

/** GET `url` as JSON; `what` names it in messages (the URL itself may be long and is the client's). */
export async function getJson(get: HttpGet, url: string, opts?: HttpGetOptions, what = 'the request'): Promise<unknown> {
  const res = await get(url, opts);
  if (res.status !== 200) throw new IdpFetchError(`${what} was answered with HTTP ${res.status}`);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new IdpFetchError(`${what} did not return JSON`);
  }
}
