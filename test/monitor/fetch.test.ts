/** The monitor's HTTP client: what it retries (network errors, 429, 5xx), what it does not (4xx), and when it gives up. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BadAnswerError, LogFetcher, UnreachableError } from '../../src/monitor/fetch.js';

const hits = new Map<string, number>();
let base = '';
const server = createServer((req, res) => {
  const n = (hits.get(req.url ?? '') ?? 0) + 1;
  hits.set(req.url ?? '', n);
  if (req.url === '/flaky') {
    res.writeHead(n < 3 ? 503 : 200);
    res.end(n < 3 ? '' : '{"ok":true}');
  } else if (req.url === '/busy') {
    res.writeHead(429);
    res.end();
  } else if (req.url === '/bad') {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"code":400,"message":"firstSize(5) must be less than lastSize(3)"}');
  } else if (req.url === '/text') {
    res.writeHead(200);
    res.end('not json');
  } else {
    res.writeHead(404);
    res.end();
  }
});
before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())).then(() => {
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const lines: string[] = [];
const fetcher = new LogFetcher({ attempts: 3, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 2_000 }, (l) => lines.push(l));

describe('monitor fetcher', () => {
  it('retries 5xx with backoff until an answer comes', async () => {
    assert.deepEqual(await fetcher.json(`${base}/flaky`), { ok: true });
    assert.equal(hits.get('/flaky'), 3);
    assert.match(lines.join('\n'), /HTTP 503; retrying in 5 ms \(attempt 2 of 3\)/);
  });

  it('gives up on a log that stays busy or is not there: UnreachableError', async () => {
    await assert.rejects(fetcher.json(`${base}/busy`), (e: unknown) => e instanceof UnreachableError && /HTTP 429 \(gave up after 3 attempts\)/.test(e.message));
    assert.equal(hits.get('/busy'), 3);
    await assert.rejects(fetcher.json('http://127.0.0.1:9/api/v1/log'), (e: unknown) => e instanceof UnreachableError && /127\.0\.0\.1:9/.test(e.message));
  });

  it('does not retry a 4xx, and quotes the log\'s message', async () => {
    await assert.rejects(fetcher.json(`${base}/bad`), (e: unknown) => e instanceof BadAnswerError && e.status === 400 && /firstSize\(5\)/.test(e.message));
    assert.equal(hits.get('/bad'), 1);
  });

  it('a 404 is an answer only when asked for; a body that is not JSON is a bad answer', async () => {
    assert.equal(await fetcher.bytes(`${base}/missing`, { allow404: true }), undefined);
    await assert.rejects(fetcher.bytes(`${base}/missing`), (e: unknown) => e instanceof BadAnswerError && e.status === 404);
    await assert.rejects(fetcher.json(`${base}/text`), (e: unknown) => e instanceof BadAnswerError && /did not answer JSON/.test(e.message));
  });
});
