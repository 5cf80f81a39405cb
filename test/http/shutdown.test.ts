/**
 * Graceful shutdown under load: stopping the server while hundreds of entries are in flight
 * commits and answers (201) everything already queued and refuses the rest (503 or a closed
 * connection); after a restart the log holds exactly the acknowledged entries — nothing
 * acknowledged is lost, nothing unanswered was committed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { leafHash } from '../../src/merkle/hash.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hashedrekord, keySigner } from './rekor-client.js';

describe('graceful shutdown with entries in flight', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  it('answers every queued entry, refuses the rest, and loses nothing', async (t) => {
    const signer = keySigner();
    const proposals = Array.from({ length: 400 }, (_, i) => hashedrekord(`shutdown artifact ${i}`, signer));
    let answered = 0;
    let stopping: Promise<void> | undefined;
    const outcomes = await Promise.all(
      proposals.map(async (proposed) => {
        try {
          const res = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(proposed) });
          const body = (await res.json()) as Record<string, { body: string }>;
          // Stop once a quarter of the entries are acknowledged: the rest are in flight or queued.
          if (++answered === 100) stopping = server.stop();
          return { status: res.status, body };
        } catch (err) {
          return { status: 0, error: String(err) }; // connection closed before the request was taken
        }
      }),
    );
    await stopping;

    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    t.diagnostic(`outcomes by status (0 = connection closed): ${JSON.stringify(Object.fromEntries(statuses))}`);
    for (const status of statuses.keys()) assert.ok([201, 503, 0].includes(status), `only 201, 503 or a refused connection, got ${status}`);
    assert.ok((statuses.get(201) ?? 0) >= 100, 'everything before the stop was acknowledged');

    const acknowledged = outcomes
      .filter((o): o is { status: number; body: Record<string, { body: string }> } => o.status === 201)
      .map((o) => leafHash(Buffer.from(Object.values(o.body)[0]?.body ?? '', 'base64')).toString('hex'));

    const restarted = await startServer(loadConfig(server.env), pino({ level: 'silent' }));
    try {
      const head = await restarted.log.head();
      assert.equal(head.treeSize, acknowledged.length, 'the log holds exactly the acknowledged entries');
      const stored = await restarted.log.entriesRange(0, head.treeSize);
      assert.deepEqual(stored.map((e) => e.leafHash.toString('hex')).sort(), [...acknowledged].sort());
    } finally {
      await restarted.close();
    }
  });
});
