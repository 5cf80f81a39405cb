/**
 * The bounds on OIDC discovery (issue 8): the new-discovery limiter, the provider cache's bounded
 * and expiring LRUs, in-flight sharing, the token limits checked before any fetch, and error
 * messages that quote at most 100 characters of what the token said and no socket error text.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseFulcioConfig } from '../../src/oidc/config.js';
import type { OidcIssuerConfig } from '../../src/oidc/config.js';
import { DiscoveryLimiter, RetryLaterError } from '../../src/oidc/discovery-limiter.js';
import type { HttpGet } from '../../src/oidc/http-get.js';
import { ProviderCache } from '../../src/oidc/provider.js';
import { quoteClaim } from '../../src/oidc/quote.js';
import { checkClaimsShape, MAX_ISSUER_BYTES } from '../../src/oidc/token-limits.js';
import { FulcioOidcVerifier } from '../../src/oidc/verifier.js';
import { isSealhouseError } from '../../src/errors.js';
import { unsignedToken } from './loopback-idp.js';

/** A settable clock in milliseconds. */
const clock = (): { now: () => number; advance: (ms: number) => void } => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
};

/** A fake transport: every issuer under https://idp.test/ok/ discovers, anything else is 404; calls are counted. */
function fakeIdp(): { get: HttpGet; calls: string[]; hold: (on: boolean) => void } {
  const calls: string[] = [];
  let held: (() => void)[] | undefined;
  const get: HttpGet = async (url) => {
    calls.push(url);
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    const iss = url.replace(/\/\.well-known\/openid-configuration$/, '');
    if (!iss.startsWith('https://idp.test/ok/')) return { status: 404, contentType: 'application/json', body: Buffer.from('{}') };
    return { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify({ issuer: iss, jwks_uri: `${iss}/jwks` })) };
  };
  const hold = (on: boolean): void => {
    if (on) held = [];
    else {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    }
  };
  return { get, calls, hold };
}

const meta = (issuerUrl: string): OidcIssuerConfig => ({ issuerUrl, clientId: 'sigstore', type: 'kubernetes', skipEmailVerification: false });

describe('DiscoveryLimiter', () => {
  it('allows a burst, then refuses with a Retry-After until the bucket refills', () => {
    const c = clock();
    const limiter = new DiscoveryLimiter({ maxConcurrent: 100, perMinute: 6, burst: 3 }, c.now);
    for (let i = 0; i < 3; i++) limiter.acquire()();
    assert.throws(
      () => limiter.acquire(),
      (err: unknown) => err instanceof RetryLaterError && err.code === 'unavailable' && err.retryAfterSeconds === 10 && /6 a minute/.test(err.message),
    );
    c.advance(9_999);
    assert.throws(() => limiter.acquire(), RetryLaterError);
    c.advance(1);
    limiter.acquire()(); // one token refilled after 10 s at 6/min
    assert.throws(() => limiter.acquire(), RetryLaterError);
    c.advance(3_600_000); // refills only up to the burst
    for (let i = 0; i < 3; i++) limiter.acquire()();
    assert.throws(() => limiter.acquire(), RetryLaterError);
  });

  it('caps discoveries in flight; a release frees a slot once, however often it is called', () => {
    const limiter = new DiscoveryLimiter({ maxConcurrent: 2, perMinute: 1000, burst: 1000 });
    const a = limiter.acquire();
    const b = limiter.acquire();
    assert.throws(() => limiter.acquire(), (err: unknown) => err instanceof RetryLaterError && err.retryAfterSeconds === 1 && /at once/.test(err.message));
    a();
    a();
    assert.equal(limiter.inFlight, 1);
    const c = limiter.acquire();
    assert.throws(() => limiter.acquire(), RetryLaterError);
    b();
    c();
    assert.equal(limiter.inFlight, 0);
  });
});

describe('ProviderCache', () => {
  it('shares one discovery among concurrent tokens for the same issuer, and counts it once', async () => {
    const idp = fakeIdp();
    const cache = new ProviderCache({ get: idp.get, discoveryLimits: { maxConcurrent: 1, burst: 1, perMinute: 1 } });
    idp.hold(true);
    const all = Array.from({ length: 50 }, () => cache.get(meta('https://idp.test/ok/a'), true));
    idp.hold(false);
    const providers = await Promise.all(all);
    assert.equal(idp.calls.length, 1);
    assert.ok(providers.every((p) => p === providers[0]));
    assert.equal(cache.limiter.inFlight, 0);
    await cache.get(meta('https://idp.test/ok/a'), true); // cached: no fetch, no token from the bucket
    assert.equal(idp.calls.length, 1);
  });

  it('remembers a failure for its TTL, then tries again', async () => {
    const idp = fakeIdp();
    const c = clock();
    const cache = new ProviderCache({ get: idp.get, nowMs: c.now, failureTtlMs: 5_000 });
    const bad = meta('https://idp.test/missing/a');
    for (let i = 0; i < 3; i++) await assert.rejects(cache.get(bad, true), /answered with HTTP 404/);
    assert.equal(idp.calls.length, 1);
    c.advance(5_001);
    await assert.rejects(cache.get(bad, true), /HTTP 404/);
    assert.equal(idp.calls.length, 2);
    assert.equal(cache.sizes().meta, 0, 'a failed discovery is not kept as a provider');
  });

  it('keeps at most 1,000 failures and 100 meta providers, and expires providers after an hour', async () => {
    const idp = fakeIdp();
    const c = clock();
    const cache = new ProviderCache({ get: idp.get, nowMs: c.now, discoveryLimits: { maxConcurrent: 10_000, burst: 10_000, perMinute: 10_000 } });
    for (let i = 0; i < 2_500; i++) await cache.get(meta(`https://idp.test/missing/${i}`), true).catch(() => undefined);
    for (let i = 0; i < 250; i++) await cache.get(meta(`https://idp.test/ok/${i}`), true);
    assert.deepEqual(cache.sizes(), { fixed: 0, meta: 100, failures: 1_000 });
    const calls = idp.calls.length;
    await cache.get(meta('https://idp.test/ok/249'), true);
    assert.equal(idp.calls.length, calls, 'a recent provider is served from the cache');
    c.advance(3_600_001);
    await cache.get(meta('https://idp.test/ok/249'), true);
    assert.equal(idp.calls.length, calls + 1, 'an hour later it is discovered again');
  });

  it('rations new meta-issuer discoveries but not configured issuers or cached ones', async () => {
    const idp = fakeIdp();
    const cache = new ProviderCache({ get: idp.get, discoveryLimits: { maxConcurrent: 8, burst: 5, perMinute: 1 } });
    for (let i = 0; i < 5; i++) await cache.get(meta(`https://idp.test/ok/${i}`), true);
    await assert.rejects(cache.get(meta('https://idp.test/ok/new'), true), (err: unknown) => err instanceof RetryLaterError && err.code === 'unavailable');
    assert.equal(idp.calls.length, 5, 'a refused discovery makes no fetch');
    await cache.get(meta('https://idp.test/ok/0'), true);
    await cache.get(meta('https://idp.test/ok/fixed'), false);
    assert.equal(idp.calls.length, 6);
  });

  it('says why discovery failed in its own words: the issuer cut to 100 characters, no socket error text', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const iss = `http://127.0.0.1:${port}/${'a'.repeat(900)}`;
    const cache = new ProviderCache({ timeoutMs: 2_000 });
    await assert.rejects(cache.get(meta(iss), true), (err: unknown) => {
      assert.ok(isSealhouseError(err, 'unauthenticated'));
      assert.ok(err.message.length < 400, err.message);
      assert.doesNotMatch(err.message, /ECONNREFUSED|a{101}/);
      assert.match(err.message, /^OIDC discovery for http:\/\/127\.0\.0\.1:\d+\/a+… failed: could not fetch from http:\/\/127\.0\.0\.1:\d+: connection refused$/);
      return true;
    });
  });
});

describe('token limits', () => {
  it('quoteClaim cuts to 100 characters and replaces control and non-ASCII characters', () => {
    assert.equal(quoteClaim('short'), 'short');
    assert.equal(quoteClaim('x'.repeat(40_000)), `${'x'.repeat(100)}…`);
    assert.equal(quoteClaim('a\nb\u00e9'), 'a?b?');
    assert.equal(quoteClaim({ a: 1 }), '{"a":1}');
  });

  it('iss at most 1 KiB, claims nested at most 16 deep', () => {
    assert.equal(checkClaimsShape({ iss: 'x'.repeat(MAX_ISSUER_BYTES) }), 'x'.repeat(MAX_ISSUER_BYTES));
    assert.throws(() => checkClaimsShape({ iss: 'x'.repeat(MAX_ISSUER_BYTES + 1) }), /iss claim is longer than 1024 bytes/);
    assert.throws(() => checkClaimsShape({ iss: '\u00e9'.repeat(600) }), /longer than 1024 bytes/);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 15; i++) deep = { d: deep };
    checkClaimsShape({ iss: 'https://x', deep });
    assert.throws(() => checkClaimsShape({ iss: 'https://x', deep: [deep] }), /nested more than 16 levels/);
    assert.throws(() => checkClaimsShape({ iss: 42 }), /no iss claim/);
  });

  it('a config issuer URL or meta pattern over 1 KiB is refused at load', async () => {
    const long = `https://idp.example/${'p'.repeat(MAX_ISSUER_BYTES)}`;
    await assert.rejects(parseFulcioConfig(JSON.stringify({ OIDCIssuers: { [long]: { IssuerURL: long, Type: 'email' } } })), /longer than 1024 bytes/);
    await assert.rejects(parseFulcioConfig(JSON.stringify({ MetaIssuers: { [`${long}/*`]: { Type: 'kubernetes' } } })), (err: unknown) => {
      assert.ok(isSealhouseError(err, 'invalid_input'));
      assert.ok(err.message.length < 300, 'the pattern is quoted, cut');
      return true;
    });
  });

  it('the verifier refuses oversized, expired, misaddressed or unknown-alg tokens for a meta issuer without a fetch', async () => {
    const idp = fakeIdp();
    const config = await parseFulcioConfig(JSON.stringify({ MetaIssuers: { 'https://idp.test/ok/*': { ClientID: 'sigstore', Type: 'kubernetes' } } }));
    const verifier = new FulcioOidcVerifier({ config, get: idp.get });
    const now = Math.floor(Date.now() / 1000);
    const signedLike = (claims: Record<string, unknown>, alg = 'ES256'): string => {
      const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg })}.${b64({ aud: 'sigstore', exp: now + 300, ...claims })}.AAAA`;
    };
    const refused = async (token: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(verifier.verify(token), (err: unknown) => {
        assert.ok(isSealhouseError(err, 'unauthenticated'), String(err));
        assert.match(err.message, pattern);
        assert.ok(err.message.length < 300, `short message: ${err.message.length}`);
        return true;
      });
    };
    // The issue's token (a 40,000-character iss) is over the 32 KiB token limit; a shorter long iss meets the iss limit.
    await refused(signedLike({ iss: `https://idp.test/ok/${'a'.repeat(40_000)}` }), /identity token is too large/);
    await refused(signedLike({ iss: `https://idp.test/ok/${'a'.repeat(20_000)}` }), /iss claim is longer than 1024 bytes/);
    await refused(unsignedToken({ iss: 'https://idp.test/ok/a', aud: 'sigstore', exp: now + 300 }), /alg "none"/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a' }, 'HS256'), /HS256 is not supported/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a' }, 'x'.repeat(5_000)), /x{100}… is not supported/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a', exp: now - 10 }), /expired/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a', exp: undefined }), /exp/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a', nbf: now + 600 }), /not valid yet/);
    await refused(signedLike({ iss: 'https://idp.test/ok/a', aud: 'other' }), /audience/);
    await refused(signedLike({ iss: `https://idp.test/other/${'b'.repeat(1000)}` }), /^unsupported issuer: https:\/\/idp\.test\/other\/b+…$/);
    await refused('x'.repeat(40_000), /too large/);
    assert.equal(idp.calls.length, 0, 'no discovery fetch for any of them');
    // The same token with every rule met does reach discovery (and fails its signature after it).
    await refused(signedLike({ iss: 'https://idp.test/ok/a' }), /ES256 is not among the issuer's/);
    assert.equal(idp.calls[0], 'https://idp.test/ok/a/.well-known/openid-configuration');
  });
});
