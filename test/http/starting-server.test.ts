/**
 * While a server's services are still opening, the bound port answers every request — a GET
 * or a POST with a body — with 503 and Retry-After (never a 5xx without it, never a refused
 * connection); once the app is handed over, requests reach it (src/http/starting-server.ts).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startingServer } from '../../src/http/starting-server.js';

const LIMITS = { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxConnections: 0, maxConnectionsPerIp: 0 };

describe('the server while starting', () => {
  it('answers 503 with Retry-After until the app is ready, then serves the app', async () => {
    const http = startingServer(LIMITS);
    await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    try {
      for (const init of [{}, { method: 'POST', body: JSON.stringify({ kind: 'hashedrekord' }), headers: { 'content-type': 'application/json' } }]) {
        const res = await fetch(`${url}/api/v1/log/entries`, init);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '1');
        assert.match(((await res.json()) as { message: string }).message, /starting/);
      }
      http.serve((_req, res) => res.end('ready'));
      const res = await fetch(`${url}/api/v1/log`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ready');
    } finally {
      http.server.closeAllConnections();
      await new Promise((resolve) => http.server.close(resolve));
    }
  });
});
