/**
 * The one HTTP client the OIDC code uses, for discovery documents and JWKS (OpenID Connect
 * Discovery 1.0 §4, https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig).
 * Built on node:http(s) rather than global fetch so it can trust an issuer-specific CA
 * (Fulcio's `CACert`), cap the body size, time out, and refuse redirects that leave the origin.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

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
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    // The socket timeout catches a silent peer; the signal bounds the whole exchange (slow drips too).
    const signal = opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? 10_000);
    const req = send(url, { method: 'GET', headers: { accept: 'application/json' }, timeout: opts.timeoutMs ?? 10_000, signal, ...(isHttps && opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error(`response from ${url.origin} exceeds ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url.origin} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET following at most `maxRedirects` redirects, and only within the same origin. */
export const httpGet: HttpGet = async (target, opts = {}) => {
  let url = new URL(target);
  for (let hops = 0; ; hops++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`unsupported URL scheme ${url.protocol}`);
    const { res, body } = await once(url, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== url.origin) throw new Error(`refusing redirect from ${url.origin} to ${next.origin}`);
      if (hops >= (opts.maxRedirects ?? 3)) throw new Error('too many redirects');
      url = next;
      continue;
    }
    return { status, contentType: res.headers['content-type'] ?? '', body };
  }
};

export async function getJson(get: HttpGet, url: string, opts?: HttpGetOptions): Promise<unknown> {
  const res = await get(url, opts);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new Error(`GET ${url} did not return JSON`);
  }
}
