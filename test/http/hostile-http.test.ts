/**
 * Hostile HTTP on a running server (issue 8): bodies that are not what Content-Encoding says,
 * a gzip bomb, a header trickle, idle sockets beyond the connection caps, and unexpected
 * internal errors, whose text must stay in the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { SealhouseError } from '../../src/errors.js';
import { capturingLogger, type LogLine } from '../helpers/capturing-logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ERROR_LEVEL = 50;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

/** GET over a fresh connection from a chosen loopback address (127.0.0.0/8 is all loopback). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/log`, { localAddress, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Open `n` TCP connections that never send a byte; resolves once each is connected or closed. */
async function idleSockets(port: number, n: number): Promise<{ sockets: Socket[]; closed: () => number; received: () => string[] }> {
  const sockets: Socket[] = [];
  const data: string[] = [];
  let closed = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        s.on('data', (d: Buffer) => data.push(d.toString('latin1')));
        s.on('connect', () => resolve());
        s.on('error', () => resolve());
        s.on('close', () => {
          closed++;
          resolve();
        });
      }),
    ),
  );
  return { sockets, closed: () => closed, received: () => data };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('bodies that are not what their Content-Encoding says, and gzip bombs', () => {
  let server: TestServer;
  let lines: LogLine[];
  before(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    server = await startTestServer({ SEALHOUSE_MAX_BODY_BYTES: '65536' }, captured.logger);
  });
  after(async () => server.close());

  const post = (path: string, body: Buffer, headers: Record<string, string>): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
  const plain = Buffer.from(JSON.stringify({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: {} }));

  it('Content-Encoding gzip with a plain body: 400 in each API shape, nothing logged at error level', async () => {
    const before = lines.length;
    const { value: rekor, ms } = await timed(() => post('/api/v1/log/entries', plain, { 'content-encoding': 'gzip' }));
    assert.equal(rekor.status, 400);
    assert.ok(ms < 5_000, `${ms} ms`);
    assert.deepEqual(await rekor.json(), { code: 400, message: 'the request body could not be decompressed: it is not valid gzip data, as its Content-Encoding says' });

    const fulcio = await post('/api/v2/signingCert', plain, { 'content-encoding': 'gzip' });
    assert.equal(fulcio.status, 400);
    const fulcioBody = (await fulcio.json()) as { code: number; message: string; details: unknown[] };
    assert.equal(fulcioBody.code, 3);
    assert.match(fulcioBody.message, /could not be decompressed: it is not valid gzip data/);
    assert.deepEqual(fulcioBody.details, []);

    const ct = await post('/ct/v1/add-chain', plain, { 'content-encoding': 'gzip' });
    assert.equal(ct.status, 400);
    assert.match(ct.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await ct.text(), /^Bad Request\nthe request body could not be decompressed/);

    await sleep(50); // request lines are written on 'finish'
    const logged = lines.slice(before);
    assert.equal(logged.filter((l) => l.level >= ERROR_LEVEL).length, 0, JSON.stringify(logged));
    assert.ok(logged.some((l) => l.msg === 'request'), 'the requests themselves are logged (info)');
  });

  it('bad deflate and brotli, a truncated gzip, unknown encodings and charsets, bad JSON: 4xx, never 5xx', async () => {
    const cases: [Buffer, Record<string, string>, number, RegExp][] = [
      [plain, { 'content-encoding': 'deflate' }, 400, /not valid deflate data/],
      [plain, { 'content-encoding': 'br' }, 400, /not valid br data/],
      [gzipSync(plain).subarray(0, 15), { 'content-encoding': 'gzip' }, 400, /could not be decompressed/],
      [plain, { 'content-encoding': 'compress' }, 415, /unsupported content encoding "compress"/],
      [plain, { 'content-encoding': `x${'y'.repeat(5_000)}` }, 415, /^unsupported content encoding "xy{99}…"/],
      [plain, { 'content-type': 'application/json; charset=klingon' }, 415, /unsupported charset "KLINGON" \(send UTF-8\)/],
      [Buffer.from('{"kind":'), {}, 400, /not valid JSON/],
      [gzipSync(Buffer.from('{"kind":')), { 'content-encoding': 'gzip' }, 400, /not valid JSON/],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await post('/api/v1/log/entries', body, headers);
      const json = (await res.json()) as { code: number; message: string };
      assert.equal(res.status, status, `${JSON.stringify(headers).slice(0, 80)}: ${json.message}`);
      assert.match(json.message, message);
    }
    // A well-formed compressed body is still accepted as what it inflates to.
    const ok = await post('/api/v1/log/entries', brotliCompressSync(plain), { 'content-encoding': 'br' });
    assert.equal(ok.status, 422, 'reaches the schema check');
  });

  it('a gzip bomb (200 KB → 200 MB) stops at SEALHOUSE_MAX_BODY_BYTES with 413, quickly', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    assert.ok(bomb.length < 300_000, `${bomb.length} bytes compressed`);
    const rss = process.memoryUsage().rss;
    const { value: rekor, ms } = await timed(() => post('/api/v1/log/entries', bomb, { 'content-encoding': 'gzip' }));
    assert.equal(rekor.status, 413);
    assert.deepEqual(await rekor.json(), { code: 413, message: 'Request Entity Too Large. Limit set to 65536' });
    assert.ok(ms < 5_000, `${ms} ms`);
    const fulcio = await post('/api/v2/signingCert', bomb, { 'content-encoding': 'gzip' });
    assert.equal(fulcio.status, 413);
    assert.equal(((await fulcio.json()) as { code: number }).code, 8);
    const ct = await post('/ct/v1/add-chain', bomb, { 'content-encoding': 'gzip' });
    assert.equal(ct.status, 413);
    await ct.text();
    // The server (same process) did not inflate the 200 MB anywhere.
    assert.ok(process.memoryUsage().rss - rss < 100 * 1024 * 1024, `RSS grew ${(process.memoryUsage().rss - rss) >> 20} MiB`);
    assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200, 'still serving');
  });
});

describe('slow and idle connections', () => {
  it('a header trickle (1 byte per 300 ms) is answered 408 and closed at the headers timeout', async () => {
    const server = await startTestServer({ SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS: '1000', SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS: '2000' });
    try {
      const port = Number(new URL(server.url).port);
      const { value: outcome, ms } = await timed(
        () =>
          new Promise<string>((resolve) => {
            const s = connect(port, '127.0.0.1');
            const text = `POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`;
            let i = 0;
            let got = '';
            s.write(text[i++] ?? '');
            const drip = setInterval(() => s.writable && s.write(text[i++] ?? 'a'), 300);
            s.on('data', (d: Buffer) => (got += d.toString('latin1')));
            s.on('error', () => undefined);
            s.on('close', () => {
              clearInterval(drip);
              resolve(got.split('\r\n')[0] ?? '');
            });
            setTimeout(() => s.destroy(), 15_000);
          }),
      );
      assert.equal(outcome, 'HTTP/1.1 408 Request Timeout');
      // Node checks every min(1 s, headersTimeout / 4): closed between 1.0 and ~1.25 s, plus load slack.
      assert.ok(ms >= 900 && ms < 4_000, `closed after ${ms} ms`);
      assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200, 'still serving');
    } finally {
      await server.close();
    }
  });

  it('idle sockets beyond the per-address cap get 503 and are closed; another client is served', async () => {
    const server = await startTestServer({ SEALHOUSE_HTTP_MAX_CONNECTIONS_PER_IP: '20', SEALHOUSE_HTTP_MAX_CONNECTIONS: '1000' });
    try {
      const port = Number(new URL(server.url).port);
      const idle = await idleSockets(port, 60);
      const { value: status, ms } = await timed(() => getFrom(server.url, '127.0.0.2'));
      assert.equal(status, 200);
      assert.ok(ms < 5_000, `${ms} ms`);
      await sleep(300);
      assert.equal(idle.closed(), 40, 'all beyond 20 closed');
      const refusals = idle.received().filter((d) => d.startsWith('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n'));
      assert.equal(refusals.length, 40);
      for (const s of idle.sockets) s.destroy();
      await sleep(100);
      assert.equal(await getFrom(server.url, '127.0.0.1'), 200, 'the address is served again once its sockets are gone');
    } finally {
      await server.close();
    }
  });

  it('idle sockets beyond the connection cap are closed at once, the rest at the headers timeout; then requests are served', async () => {
    const server = await startTestServer({
      SEALHOUSE_HTTP_MAX_CONNECTIONS: '30',
      SEALHOUSE_HTTP_MAX_CONNECTIONS_PER_IP: '0',
      SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
    try {
      const port = Number(new URL(server.url).port);
      const started = Date.now();
      const idle = await idleSockets(port, 100);
      await sleep(300);
      assert.ok(idle.closed() >= 70, `${idle.closed()} of 100 closed at once`);
      const connections = await new Promise<number>((resolve) => server.running.server.getConnections((_e, n) => resolve(n)));
      assert.ok(connections <= 30, `${connections} held`);
      while (idle.closed() < 100 && Date.now() - started < 5_000) await sleep(50);
      assert.equal(idle.closed(), 100, 'the idle ones were closed by the headers timeout');
      assert.ok(Date.now() - started < 5_000);
      assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('unexpected errors: a generic message and a request id for the client, the details in the log', () => {
  let server: TestServer;
  let lines: LogLine[];
  before(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    server = await startTestServer({}, captured.logger);
  });
  after(async () => server.close());

  it('Rekor: a failing database (ECONNREFUSED) is a 500 that names no address', async () => {
    const log = server.running.log as unknown as { info: () => Promise<unknown> };
    const original = log.info;
    log.info = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      const res = await fetch(`${server.url}/api/v1/log`);
      assert.equal(res.status, 500);
      const requestId = res.headers.get('x-request-id') ?? '';
      assert.match(requestId, /^[0-9a-f]{16}$/);
      const body = (await res.json()) as { code: number; message: string };
      assert.deepEqual(body, { code: 500, message: `internal error (request id ${requestId}); see the server log` });
      const line = lines.find((l) => l.level >= ERROR_LEVEL && l.requestId === requestId);
      assert.equal(line?.err?.message, 'connect ECONNREFUSED 127.0.0.1:5432', 'the details are logged under the same id');
    } finally {
      log.info = original;
    }
    assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200, 'still serving');
  });

  it('Fulcio: an OpenSSL failure is a 500 without its text; one inside our own 400 message is reworded', async () => {
    const ca = server.running.ca.service as unknown as { issue: (req: unknown) => Promise<unknown> };
    const original = ca.issue;
    const body = JSON.stringify({ credentials: { oidcIdentityToken: 'x.y.z' }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: 'AAAA' }, proofOfPossession: 'AAAA' } });
    const post = (): Promise<Response> => fetch(`${server.url}/api/v2/signingCert`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    try {
      ca.issue = () => Promise.reject(new Error('error:08000068:elliptic curve routines::invalid form'));
      const bug = await post();
      assert.equal(bug.status, 500);
      const requestId = bug.headers.get('x-request-id') ?? '';
      const bugBody = (await bug.json()) as { code: number; message: string };
      assert.deepEqual(bugBody, { code: 13, message: `internal error (request id ${requestId}); see the server log`, details: [] });

      ca.issue = () => Promise.reject(new SealhouseError('malformed_key', 'PUBLIC KEY could not be parsed: error:08000068:elliptic curve routines::invalid form'));
      const bad = await post();
      assert.equal(bad.status, 400);
      const badText = JSON.stringify(await bad.json());
      assert.match(badText, /PUBLIC KEY could not be parsed: rejected by the crypto library/);
      assert.doesNotMatch(badText, /error:08000068|elliptic curve routines/);

      ca.issue = () => Promise.reject(new SealhouseError('unauthenticated', 'OIDC discovery for https://idp.example failed: connect ECONNREFUSED 10.1.2.3:443'));
      const down = await post();
      assert.equal(down.status, 400);
      const downText = JSON.stringify(await down.json());
      assert.match(downText, /OIDC discovery for https:\/\/idp.example failed: connection refused/);
      assert.doesNotMatch(downText, /ECONNREFUSED|10\.1\.2\.3/);
    } finally {
      ca.issue = original;
    }
  });

  it('CT: an unexpected error is plain text with the request id', async () => {
    // get-sth reads the shard the path names (shard 1 here).
    const ct = (await server.running.ca.ct.shard(1)) as unknown as { sth: () => Promise<unknown> };
    const original = ct.sth;
    ct.sth = () => Promise.reject(new Error('read ECONNRESET'));
    try {
      const res = await fetch(`${server.url}/ct/v1/get-sth`);
      assert.equal(res.status, 500);
      const text = await res.text();
      assert.equal(text, `Internal Server Error\ninternal error (request id ${res.headers.get('x-request-id') ?? ''}); see the server log\n`);
    } finally {
      ct.sth = original;
    }
  });
});

describe('OpenSSL and socket text in our own 4xx messages, on real request paths', () => {
  let server: TestServer;
  let issuer: string;
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-leak-'));
  before(async () => {
    // An OIDC issuer on a port nobody listens on: discovery fails with ECONNREFUSED.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    issuer = `http://127.0.0.1:${port}/idp`;
    const config = join(dir, 'oidc.json');
    writeFileSync(config, JSON.stringify({ OIDCIssuers: { [issuer]: { IssuerURL: issuer, ClientID: 'sigstore', Type: 'email' } } }));
    server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: config });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('index/retrieve with an EC key whose point form byte is invalid: 400 naming the fault, no OpenSSL text', async () => {
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    der[der.length - 65] = 0x05; // 04 = uncompressed; 05 is no point form at all
    const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    const res = await fetch(`${server.url}/api/v1/index/retrieve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: { format: 'x509', content: Buffer.from(pem).toString('base64') } }),
    });
    assert.equal(res.status, 400);
    const text = await res.text();
    // spki-check reads the point before OpenSSL sees it, so the reason is ours, not OpenSSL's.
    assert.match(text, /PUBLIC KEY could not be parsed: the EC point is not a P-256 uncompressed point/);
    assert.doesNotMatch(text, /error:[0-9A-F]{8}|routines/);
  });

  it('a token whose issuer cannot be reached: 400 saying "connection refused", without the errno text', async () => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'ES256', kid: 'k' })}.${b64({ iss: issuer, aud: 'sigstore', sub: 'a', email: 'a@example.com', email_verified: true, iat: now, exp: now + 300 })}.AAAA`;
    const { value: res, ms } = await timed(() =>
      fetch(`${server.url}/api/v2/signingCert`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: 'AAAA' }, proofOfPossession: 'AAAA' } }),
      }),
    );
    assert.equal(res.status, 400);
    assert.ok(ms < 5_000, `${ms} ms`);
    const body = (await res.json()) as { code: number; message: string };
    assert.equal(body.code, 3);
    assert.match(body.message, /OIDC discovery for .* failed: .*connection refused/);
    assert.doesNotMatch(body.message, /ECONNREFUSED|connect E/);
  });
});
