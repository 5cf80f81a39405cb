/**
 * POST /api/v1/log/entries/retrieve (rekor-api.md §1.9): entries by 64- and 80-hex IDs, log
 * indexes and proposed entries, at most 10 in all. Order as Rekor's handler builds it: 80-hex
 * entry IDs, then 64-hex UUIDs, then proposed entries, then log indexes, each in request order;
 * misses skipped, repeats repeated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, get, hashedrekord, keySigner, post, trustedLog, verifyAll, type ErrorBody, type HashedRekord, type LogEntry } from './rekor-client.js';

interface Logged {
  id: string;
  index: number;
  proposed: HashedRekord;
}

let server: TestServer;
let url: string;
let log: Awaited<ReturnType<typeof trustedLog>>;
let a: Logged;
let b: Logged;
let c: Logged;

async function logged(artifact: string): Promise<Logged> {
  const proposed = hashedrekord(artifact);
  const { id, entry } = await create(url, proposed);
  return { id, index: entry.logIndex, proposed };
}

/** The IDs of the results, after checking every result verifies. */
async function retrieve(query: unknown): Promise<string[]> {
  const reply = await post<LogEntry[]>(url, '/api/v1/log/entries/retrieve', query);
  assert.equal(reply.status, 200, reply.text);
  assert.ok(Array.isArray(reply.json));
  return reply.json.map((one) => {
    const pairs = Object.entries(one);
    assert.equal(pairs.length, 1, 'each result is a one-key LogEntry');
    const [id, entry] = pairs[0] as [string, LogEntry[string]];
    verifyAll(id, entry, log);
    return id;
  });
}

before(async () => {
  server = await startTestServer();
  url = server.url;
  log = await trustedLog(url);
  a = await logged('retrieve a');
  b = await logged('retrieve b');
  c = await logged('retrieve c');
});
after(() => server.close());

describe('POST /api/v1/log/entries/retrieve', () => {
  it('puts 80-hex IDs first, then 64-hex UUIDs, each in request order', async () => {
    assert.deepEqual(await retrieve({ entryUUIDs: [c.id.slice(16), b.id, a.id] }), [b.id, a.id, c.id]);
    assert.deepEqual(await retrieve({ entryUUIDs: [a.id.slice(16), c.id.slice(16), a.id.slice(16)] }), [a.id, c.id, a.id]);
  });

  it('keeps request order for log indexes, repeats included', async () => {
    assert.deepEqual(await retrieve({ logIndexes: [c.index, a.index, c.index] }), [c.id, a.id, c.id]);
  });

  it('finds proposed entries by their canonical form, whatever PEM wrapping the client used', async () => {
    const crlf = structuredClone(b.proposed);
    const pem = Buffer.from(crlf.spec.signature.publicKey.content, 'base64').toString().replace(/\n/g, '\r\n');
    crlf.spec.signature.publicKey.content = Buffer.from(pem).toString('base64');
    assert.deepEqual(await retrieve({ entries: [crlf, a.proposed] }), [b.id, a.id]);
  });

  it('orders a mixed query: IDs, then proposed entries, then indexes', async () => {
    assert.deepEqual(await retrieve({ logIndexes: [a.index], entries: [c.proposed], entryUUIDs: [b.id.slice(16)] }), [b.id, c.id, a.id]);
  });

  it('skips what is not logged, another tree included; nothing found is []', async () => {
    const query = {
      entryUUIDs: ['ab'.repeat(32), `${'1'.repeat(16)}${a.id.slice(16)}`],
      logIndexes: [9999, 2 ** 60],
      entries: [hashedrekord('never logged', keySigner())],
    };
    assert.deepEqual(await retrieve(query), []);
    assert.deepEqual(await retrieve({}), []);
  });

  it('allows 10 items in all and refuses 11 with Rekor’s message', async () => {
    const ten = { entryUUIDs: [a.id, b.id, c.id, a.id], logIndexes: [a.index, b.index, c.index], entries: [a.proposed, b.proposed, c.proposed] };
    assert.equal((await retrieve(ten)).length, 10);
    const eleven = await post<ErrorBody>(url, '/api/v1/log/entries/retrieve', { ...ten, logIndexes: [...ten.logIndexes, 0] });
    assert.equal(eleven.status, 422);
    assert.deepEqual(eleven.json, { code: 422, message: 'more than max allowed 10 entries in request' });
    const inOneArray = await post<ErrorBody>(url, '/api/v1/log/entries/retrieve', { logIndexes: Array.from({ length: 11 }, (_, i) => i) });
    assert.equal(inOneArray.status, 422);
    assert.match(inOneArray.json.message, /logIndexes must NOT have more than 10 items/);
  });

  it('rejects tree ID 0, a bad proposed entry and malformed items with an explanation', async () => {
    const zero = await post<ErrorBody>(url, '/api/v1/log/entries/retrieve', { entryUUIDs: [`${'0'.repeat(16)}${a.id.slice(16)}`] });
    assert.equal(zero.status, 400);
    assert.match(zero.json.message, /tree ID 0/);
    const forged = structuredClone(a.proposed);
    forged.spec.signature.content = b.proposed.spec.signature.content;
    const bad = await post<ErrorBody>(url, '/api/v1/log/entries/retrieve', { entries: [forged] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /^error processing entry: verifying signature/);
    const cases: [unknown, RegExp][] = [
      [{ entryUUIDs: ['xyz'] }, /entryUUIDs.0 must match pattern/],
      [{ logIndexes: [-1] }, /logIndexes.0 must be >= 0/],
      [{ logIndexes: ['one'] }, /logIndexes.0 must be integer/],
      [{ entryUUIDs: [] }, /entryUUIDs must NOT have fewer than 1 items/],
      [{ entries: [{ kind: 'hashedrekord' }] }, /apiVersion in body is required/],
    ];
    for (const [query, message] of cases) {
      const reply = await post<ErrorBody>(url, '/api/v1/log/entries/retrieve', query);
      assert.equal(reply.status, 422, JSON.stringify(query));
      assert.match(reply.json.message, message, JSON.stringify(query));
    }
  });

  it('returns entries proved against the current tree', async () => {
    const { treeSize } = (await get<{ treeSize: number }>(url, '/api/v1/log')).json;
    const reply = await post<LogEntry[]>(url, '/api/v1/log/entries/retrieve', { logIndexes: [0] });
    assert.equal(Object.values(reply.json[0] ?? {})[0]?.verification?.inclusionProof?.treeSize, treeSize);
  });
});
