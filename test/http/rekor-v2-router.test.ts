/**
 * The Rekor v2 router under pushback and shutdown (src/http/rekor-v2-api.ts on a real log): a
 * full queue answers 503 with Retry-After in grpc-gateway's shape (code 14), as rekor-tiles
 * does at max pushback, and so does a draining server; gzip bodies are read (the 4 MiB limit on
 * the inflated bytes), bodies that are not UTF-8 refused; other methods get 405.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { createRekorV2Router } from '../../src/http/rekor-v2-api.js';
import { RekorV2Log } from '../../src/rekor-v2/rekor-v2-log.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { v2Request } from '../rekor-v2/requests.js';

describe('Rekor v2 API router', () => {
  let db: TestDatabase;
  let log: RekorV2Log;
  let url: string;
  let draining = false;
  let close: () => Promise<void>;
  before(async () => {
    db = await openTestDatabase();
    // Two entries waiting at most, and a batch waits 300 ms to fill: a burst meets a full queue.
    log = await RekorV2Log.open(db.sql, { key: generateKeyPairSync('ed25519').privateKey, origin: 'pushback.test', maxBatch: 10, maxDelayMs: 300, maxQueue: 2 });
    const app = express();
    app.use(createRekorV2Router({ log, draining: () => draining, logger: pino({ level: 'silent' }) }));
    const server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/log/entries`;
    close = () => new Promise((r) => server.close(() => r()));
  });
  after(async () => {
    await close?.();
    await log?.close();
    await db?.close();
  });

  const post = (body: unknown): Promise<Response> => fetch(url, { method: 'POST', body: JSON.stringify(body) });

  it('answers 503 with Retry-After when the queue is full, and commits what it admitted', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(v2Request().request)));
    const refused = answers.filter((a) => a.status === 503);
    const created = answers.filter((a) => a.status === 201);
    assert.ok(refused.length > 0, 'some requests met the full queue');
    assert.equal(refused.length + created.length, 20);
    for (const a of refused) {
      assert.equal(a.headers.get('retry-after'), '1');
      const json = (await a.json()) as Record<string, unknown>;
      assert.equal(json.code, 14);
      assert.deepEqual(json.details, []);
    }
    assert.equal((await log.head()).treeSize, created.length);
  });

  it('answers 503 while draining', async () => {
    draining = true;
    try {
      const res = await post(v2Request().request);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    } finally {
      draining = false;
    }
  });

  it('reads gzip bodies and refuses bodies that are not UTF-8 JSON', async () => {
    const gz = await fetch(url, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(v2Request().request)) });
    assert.equal(gz.status, 201);
    const latin1 = await fetch(url, { method: 'POST', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
    assert.equal(latin1.status, 400);
    assert.match(((await latin1.json()) as { message: string }).message, /not valid UTF-8/);
    const bomb = await fetch(url, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20)) });
    assert.equal(bomb.status, 413, 'the limit applies to the inflated bytes');
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
  });
});
