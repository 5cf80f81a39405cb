/**
 * The HTTP server limits (issue 8) come from the environment, with defaults that close a header
 * trickle within ~11 s and cap connections, and a start-up error for inconsistent settings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import { checkingIntervalMs } from '../../src/http/http-server.js';

describe('HTTP server limits', () => {
  it('defaults: headers 10 s, request 30 s, keep-alive 5 s, 2,000 connections, 256 per address; checked every second', () => {
    const { http } = loadConfig({});
    assert.deepEqual({ ...http }, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 2_000, maxConnectionsPerIp: 256 });
    assert.equal(checkingIntervalMs(http), 1_000);
  });

  it('are read from SEALHOUSE_HTTP_*; a small headers timeout is checked more often', () => {
    const { http } = loadConfig({
      SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS: '1000',
      SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS: '0',
      SEALHOUSE_HTTP_KEEPALIVE_TIMEOUT_MS: '250',
      SEALHOUSE_HTTP_MAX_CONNECTIONS: '0',
      SEALHOUSE_HTTP_MAX_CONNECTIONS_PER_IP: '10',
    });
    assert.deepEqual({ ...http }, { headersTimeoutMs: 1_000, requestTimeoutMs: 0, keepAliveTimeoutMs: 250, maxConnections: 0, maxConnectionsPerIp: 10 });
    assert.equal(checkingIntervalMs(http), 250);
  });

  it('refuses a headers timeout longer than the request timeout, and values out of range', () => {
    assert.throws(() => loadConfig({ SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS: '20000', SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS: '10000' }), /must not exceed SEALHOUSE_HTTP_REQUEST_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS: '0' }), /SEALHOUSE_HTTP_HEADERS_TIMEOUT_MS must be an integer between 100 and 600000/);
    assert.throws(() => loadConfig({ SEALHOUSE_HTTP_MAX_CONNECTIONS: '-1' }), /SEALHOUSE_HTTP_MAX_CONNECTIONS must be an integer/);
  });
});
