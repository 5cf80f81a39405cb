/**
 * The refusal to sign over an unvouched tree, as a client and an operator see it: a server
 * restarted on a store whose rightmost tile row was edited answers every new entry with 503 and
 * a message naming the row, keeps serving reads, reports not ready on /readyz, and logs one
 * error line saying which tile does not match. The control request before the edit shows the
 * same server and client succeed on an intact store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSql } from '../../src/storage/open-sql.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hashedrekord, keySigner } from '../http/rekor-client.js';
import { editLeafHash } from '../helpers/tamper.js';

describe('a server on an edited store refuses writes and says why', () => {
  let server: TestServer;
  let restarted: RunningServer | undefined;
  const lines: Record<string, unknown>[] = [];
  const signer = keySigner();

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await restarted?.close();
    await server.close();
  });

  const post = (url: string, artifact: string): Promise<Response> =>
    fetch(`${url}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(hashedrekord(artifact, signer)) });

  it('writes are refused with 503 naming the tile, reads go on, /readyz is not ready, the row is logged', async () => {
    for (const a of ['intact 1', 'intact 2', 'intact 3']) assert.equal((await post(server.url, a)).status, 201, 'control: an intact store accepts entries');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    await server.stop();

    const config = loadConfig(server.env);
    const sql = await openSql(config);
    try {
      await editLeafHash(sql, 'rekor', 1, 0xff); // the second leaf hash
    } finally {
      await sql.close();
    }

    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    restarted = await startServer(config, pino({ level: 'error' }, sink));
    const url = restarted.address;

    const refused = await post(url, 'after the edit');
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { message: string };
    assert.match(body.message, /accepts no new entries/);
    assert.match(body.message, /tiles \(level 0, idx 0\) hash 1/);
    assert.equal(refused.headers.get('retry-after'), '300', 'only an operator can fix it: retry in minutes, not at once');

    assert.equal((await fetch(`${url}/api/v1/log`)).status, 200, 'log info is still served');
    const entry = await fetch(`${url}/api/v1/log/entries?logIndex=0`);
    assert.equal(entry.status, 200, 'entries are still served');
    assert.equal((await fetch(`${url}/readyz`)).status, 503, 'not ready');

    // One line at start names the row (each refused request is also logged, as every 5xx is).
    const errors = lines.filter((l) => l.level === 50 && typeof l.row === 'string');
    assert.equal(errors.length, 1, `one error line naming the row, got ${JSON.stringify(lines)}`);
    assert.equal(errors[0]?.tree, 'rekor');
    assert.equal(errors[0]?.row, 'tiles (level 0, idx 0) hash 1');
  });
});
