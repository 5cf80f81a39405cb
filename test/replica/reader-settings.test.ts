/**
 * A reader's settings (config.ts) and its answer to writes (http/reader-writes.ts), without a
 * database: these run on both stores; the replica itself is reader.test.ts's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { toHttpError } from '../../src/http/error-map.js';
import { retryAfterSeconds } from '../../src/http/retry-after.js';
import { createReaderWritesRouter } from '../../src/http/reader-writes.js';

describe('reader settings', () => {
  it('SEALHOUSE_READ_DATABASE_URL (or its _FILE) makes a reader; unset, a writer', () => {
    assert.equal(loadConfig({}).readDatabaseUrl, undefined);
    const c = loadConfig({ SEALHOUSE_READ_DATABASE_URL: 'postgres://r@replica:5432/sealhouse', SEALHOUSE_WRITE_URL: 'https://rekor.example', SEALHOUSE_READ_MAX_LAG_SECONDS: '30' });
    assert.equal(c.readDatabaseUrl, 'postgres://r@replica:5432/sealhouse');
    assert.equal(c.writeUrl?.href, 'https://rekor.example/');
    assert.equal(c.readMaxLagSeconds, 30);
    assert.equal(loadConfig({}).readMaxLagSeconds, 0);
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-reader-settings-'));
    try {
      writeFileSync(join(dir, 'url'), 'postgres://r:secret@replica/sealhouse\n');
      assert.equal(loadConfig({ SEALHOUSE_READ_DATABASE_URL_FILE: join(dir, 'url') }).readDatabaseUrl, 'postgres://r:secret@replica/sealhouse');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a reader that is also a writer, and bad values, naming the variable and never echoing a password', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://p@primary/db', SEALHOUSE_READ_DATABASE_URL: 'postgres://r@replica/db' }), /DATABASE_URL .* or SEALHOUSE_READ_DATABASE_URL .*not both/);
    assert.throws(
      () => loadConfig({ SEALHOUSE_READ_DATABASE_URL: 'mysql://u:hunter2@x/db' }),
      (err: Error) => /^SEALHOUSE_READ_DATABASE_URL must be a postgres:\/\/ URL/.test(err.message) && !err.message.includes('hunter2'),
    );
    assert.throws(() => loadConfig({ SEALHOUSE_WRITE_URL: 'ftp://x' }), /SEALHOUSE_WRITE_URL must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ SEALHOUSE_READ_MAX_LAG_SECONDS: '-1' }), /SEALHOUSE_READ_MAX_LAG_SECONDS must be an integer/);
  });
});

describe("a reader's answer to writes", () => {
  const servers: Server[] = [];
  const bases: string[] = [];
  before(async () => {
    for (const writeUrl of [undefined, new URL('https://rekor.example/prefix/')]) {
      const app = express();
      app.use(createReaderWritesRouter(writeUrl));
      app.use((_req, res) => void res.status(200).send('read'));
      const server = app.listen(0);
      await new Promise((r) => server.once('listening', r));
      servers.push(server);
      bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  after(() => servers.forEach((s) => s.close()));

  it('serves reads, Rekor searches sent by POST included', async () => {
    const [refusing] = bases as [string];
    for (const [method, path] of [['GET', '/api/v1/log'], ['HEAD', '/tlog/v1/checkpoint'], ['POST', '/api/v1/log/entries/retrieve'], ['POST', '/api/v1/index/retrieve/']]) {
      assert.equal((await fetch(`${refusing}${path}`, { method })).status, 200, `${method} ${path}`);
    }
  });

  it('refuses writes with 503, Retry-After and where to send them; or redirects them, same method, to the writer', async () => {
    const [refusing, redirecting] = bases as [string, string];
    for (const [method, path] of [['POST', '/api/v1/log/entries'], ['POST', '/api/v2/signingCert'], ['PUT', '/x'], ['DELETE', '/api/v1/log']]) {
      const res = await fetch(`${refusing}${path}`, { method });
      assert.equal(res.status, 503, `${method} ${path}`);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.match(((await res.json()) as { message: string }).message, /only reads .*send this request to a writer/);
      const moved = await fetch(`${redirecting}${path}?a=b`, { method, redirect: 'manual' });
      assert.equal(moved.status, 307);
      assert.equal(moved.headers.get('location'), `https://rekor.example/prefix${path}?a=b`);
    }
  });
});

describe('a read the replica cancelled', () => {
  it('is a 503 to retry shortly, not a 500', () => {
    const conflict = Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' });
    const http = toHttpError(conflict);
    assert.equal(http.status, 503);
    assert.match(http.message, /read replica cancelled this read/);
    assert.equal(retryAfterSeconds(conflict), 1);
    // Another serialization failure stays what it was.
    assert.equal(toHttpError(Object.assign(new Error('could not serialize access'), { code: '40001' })).status, 500);
  });
});
