/**
 * Fair queueing (issue 8): one client with many concurrent entries used to fill a small queue
 * for everyone. Each client address now has a share of SEALHOUSE_MAX_QUEUE
 * (SEALHOUSE_MAX_QUEUE_PER_CLIENT); beyond it that client gets 503 + Retry-After while others
 * are still admitted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { SealhouseError } from '../../src/errors.js';
import { GroupCommit } from '../../src/storage/group-commit.js';
import { startTestServer } from '../helpers/server.js';
import { hashedrekord, keySigner } from '../http/rekor-client.js';

describe('GroupCommit fair share', () => {
  it('holds each client to its share, admits others, exempts callers without a key, and frees the share on commit or failure', async () => {
    let open!: () => void;
    let fail = false;
    const gate = new Promise<void>((r) => (open = r));
    const group = new GroupCommit<number, number>({ maxBatch: 1, maxDelayMs: 0, maxQueue: 8, maxQueuePerClient: 2 }, async (items) => {
      await gate;
      if (fail) throw new SealhouseError('unavailable', 'database gone');
      return items.map((i) => i * 10);
    });
    const flood = [1, 2, 3, 4, 5].map((i) => group.submit(i, 'a').then((v) => ({ v }), (err: unknown) => ({ err })));
    const other = group.submit(6, 'b');
    const exempt = [7, 8, 9].map((i) => group.submit(i));
    const refused = (await Promise.all(flood.slice(2))) as { err: SealhouseError & { retryAfterSeconds?: number } }[];
    for (const r of refused) {
      assert.equal(r.err.code, 'unavailable');
      assert.match(r.err.message, /your share of the queue/);
      assert.equal(r.err.retryAfterSeconds, 1);
    }
    open();
    assert.deepEqual(await Promise.all(flood.slice(0, 2)), [{ v: 10 }, { v: 20 }]);
    assert.equal(await other, 60);
    assert.deepEqual(await Promise.all(exempt), [70, 80, 90]);
    // The share is free again once answered — also when the commit failed.
    fail = true;
    await assert.rejects(group.submit(11, 'a'), /database gone/);
    await assert.rejects(group.submit(12, 'a'), /database gone/);
    fail = false;
    assert.deepEqual(await Promise.all([group.submit(13, 'a'), group.submit(14, 'a')]), [130, 140]);
    await group.close();
  });
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  message: string;
}

/** POST an entry from a chosen loopback source address (fetch cannot pick one). */
function postFrom(base: string, localAddress: string, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL('/api/v1/log/entries', base);
    const payload = JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port: url.port, path: url.pathname, method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retry) ? retry[0] : retry, message: String((JSON.parse(text) as { message?: string }).message ?? '') });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('fair queueing over HTTP', () => {
  it("one client's flood gets 503 + Retry-After over its share while a second client is admitted", { timeout: 60_000 }, async (t) => {
    // Batches wait 400 ms for company, so the flood's entries are all waiting at once.
    const server = await startTestServer({ SEALHOUSE_MAX_QUEUE: '4', SEALHOUSE_MAX_QUEUE_PER_CLIENT: '1', SEALHOUSE_BATCH_MS: '400' });
    try {
      const signer = keySigner();
      let firstRefusal!: () => void;
      const refusedOnce = new Promise<void>((r) => (firstRefusal = r));
      const started = performance.now();
      const flood = Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const a = await postFrom(server.url, '127.0.0.1', hashedrekord(`flood ${i}`, signer));
          if (a.status === 503) firstRefusal();
          return a;
        }),
      );
      await Promise.race([refusedOnce, flood]);
      // The flood is being refused: the queue is at that client's share. Another client comes in now.
      const second = await postFrom(server.url, '127.0.0.2', hashedrekord('the second client', signer));
      const secondMs = performance.now() - started;
      const answers = await flood;
      const refused = answers.filter((a) => a.status === 503);
      t.diagnostic(`flood: ${answers.length - refused.length} × 201, ${refused.length} × 503; second client ${second.status} after ${Math.round(secondMs)} ms`);
      for (const a of answers) assert.ok(a.status === 201 || a.status === 503, `201 or 503, got ${a.status}`);
      assert.ok(refused.length > 0, 'the flood went over its share');
      for (const a of refused) {
        assert.ok(Number(a.retryAfter) >= 1, 'a 503 carries Retry-After');
        assert.match(a.message, /your share of the queue/);
      }
      assert.equal(second.status, 201, `the second client is admitted (${second.message})`);
      assert.ok(secondMs < 10_000, 'promptly');
      // Still serving, and the flooding client may submit again once answered.
      assert.equal((await postFrom(server.url, '127.0.0.1', hashedrekord('flood, later', signer))).status, 201);
    } finally {
      await server.close();
    }
  });
});
