/**
 * POST /api/v1/log/entries and the two GET-entry endpoints over HTTP (rekor-api.md §1.6–1.8,
 * checklist §5.5): 201 with an unquoted 80-hex ETag and a Location, exactly one key, the body
 * the leaf, SET over the global index, proof and checkpoint of the same tree; 409 with Location;
 * lookups by index, 64-hex UUID and 80-hex entry ID; empty-body 404s. Every LogEntry the
 * server returns is verified with our offline verifier.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyCheckpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, get, hashedrekord, only, post, trustedLog, verifyAll, type ErrorBody } from './rekor-client.js';

let server: TestServer;
let url: string;
let log: Awaited<ReturnType<typeof trustedLog>>;
let treeHex: string;

before(async () => {
  server = await startTestServer();
  url = server.url;
  log = await trustedLog(url);
  const { treeID } = (await get<{ treeID: string }>(url, '/api/v1/log')).json;
  treeHex = BigInt(treeID).toString(16).padStart(16, '0');
});
after(() => server.close());

describe('POST /api/v1/log/entries', () => {
  it('answers 201 with ETag, Location and one entry that verifies offline', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { id, entry, reply } = await create(url, hashedrekord('first artifact'));
    const after = Math.ceil(Date.now() / 1000);
    const body = Buffer.from(entry.body, 'base64');
    const uuid = leafHash(body).toString('hex');
    assert.equal(id, treeHex + uuid, 'entry ID = 16-hex tree ID + leaf hash of the body');
    assert.equal(reply.headers.get('etag'), id, 'ETag is the raw entry ID, unquoted');
    assert.equal(reply.headers.get('location'), `/api/v1/log/entries/${id}`);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(body.toString()).kind, 'hashedrekord');
    assert.equal(entry.logID, log.logId);
    assert.ok(entry.integratedTime >= before && entry.integratedTime <= after, 'integratedTime is the commit time in seconds');
    const proof = entry.verification?.inclusionProof;
    assert.ok(proof?.checkpoint !== undefined);
    assert.equal(proof.logIndex, entry.logIndex, 'one shard: local index = global index');
    const cp = verifyCheckpoint(proof.checkpoint, [ecdsaNoteVerifier('127.0.0.1', log.publicKey)]);
    assert.equal(cp.size, proof.treeSize, 'proof treeSize = checkpoint size');
    assert.equal(cp.rootHash.toString('hex'), proof.rootHash, 'proof rootHash = checkpoint root');
    verifyAll(id, entry, log);
  });

  it('accepts application/json with parameters, and no content type at all', async () => {
    const typed = await post(url, '/api/v1/log/entries', hashedrekord('typed'), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(typed.status, 201, typed.text);
    // fetch sends a Uint8Array body without any Content-Type.
    const untyped = await fetch(`${url}/api/v1/log/entries`, { method: 'POST', body: Buffer.from(JSON.stringify(hashedrekord('untyped'))) });
    assert.equal(untyped.status, 201, await untyped.text());
  });

  it('answers a duplicate 409 with the Location of the original, which resolves to it', async () => {
    const proposed = hashedrekord('duplicated artifact');
    const first = await create(url, proposed);
    const dup = await post<ErrorBody>(url, '/api/v1/log/entries', proposed);
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('location'), `/api/v1/log/entries/${first.id}`);
    assert.deepEqual(dup.json, { code: 409, message: `an equivalent entry already exists in the transparency log with UUID ${first.id}` });
    // sigstore-js fetchOnConflict: GET the last path segment of Location.
    const fetched = await get(url, dup.headers.get('location') ?? '');
    const [id, entry] = only(fetched.json);
    assert.equal(id, first.id);
    assert.equal(entry.logIndex, first.entry.logIndex);
    verifyAll(id, entry, log);
  });

  it('assigns dense indexes to concurrent submissions, each with a valid proof', async () => {
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => create(url, hashedrekord(`concurrent ${i}`))));
    const indexes = created.map((c) => c.entry.logIndex).sort((a, b) => a - b);
    const first = indexes[0] ?? 0;
    assert.deepEqual(indexes, Array.from({ length: 30 }, (_, i) => first + i));
    for (const c of created) verifyAll(c.id, c.entry, log);
  });
});

describe('GET /api/v1/log/entries?logIndex= and /api/v1/log/entries/{entryUUID}', () => {
  let id: string;
  let index: number;
  before(async () => {
    const c = await create(url, hashedrekord('looked-up artifact'));
    id = c.id;
    index = c.entry.logIndex;
    await create(url, hashedrekord('a later artifact')); // so the lookup's proof is against a newer tree
  });

  it('finds an entry by index, 64-hex UUID, 80-hex entry ID and upper-case hex, keyed by the 80-hex ID', async () => {
    const { treeSize } = (await get<{ treeSize: number }>(url, '/api/v1/log')).json;
    for (const path of [`?logIndex=${index}`, `/${id.slice(16)}`, `/${id}`, `/${id.toUpperCase()}`]) {
      const reply = await get(url, `/api/v1/log/entries${path}`);
      assert.equal(reply.status, 200, path);
      const [key, entry] = only(reply.json);
      assert.equal(key, id, path);
      assert.equal(entry.logIndex, index);
      assert.equal(entry.verification?.inclusionProof?.treeSize, treeSize, 'proved against the latest checkpoint');
      verifyAll(key, entry, log);
    }
  });

  it('answers 404 with an empty body and no content type for misses, another tree included', async () => {
    const otherTree = `${'1'.repeat(16)}${id.slice(16)}`;
    for (const path of ['?logIndex=100000', '?logIndex=9007199254740993', `/${'ab'.repeat(32)}`, `/${treeHex}${'ab'.repeat(32)}`, `/${otherTree}`]) {
      const reply = await get(url, `/api/v1/log/entries${path}`);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.text, '', path);
      assert.equal(reply.headers.get('content-type'), null, path);
    }
  });

  it('rejects tree ID 0 (400) and malformed IDs or indexes (422)', async () => {
    const zero = await get<ErrorBody>(url, `/api/v1/log/entries/${'0'.repeat(16)}${id.slice(16)}`);
    assert.equal(zero.status, 400);
    assert.match(zero.json.message, /^validation error: tree ID 0 in entry ID [0-9a-f]{80} is not a valid tree$/);
    const cases: [string, RegExp][] = [
      [`/${id.slice(1)}`, /entryUUID must match pattern/],
      ['/not-hex', /entryUUID must match pattern/],
      ['?logIndex=-1', /logIndex must be >= 0/],
      ['?logIndex=1.5', /logIndex must be integer/],
      ['?logIndex=x', /logIndex must be integer/],
      ['', /required property 'logIndex'/],
      ['?logIndex=99999999999999999999', /logIndex must be at most 9223372036854775807/],
    ];
    for (const [path, message] of cases) {
      const reply = await get<ErrorBody>(url, `/api/v1/log/entries${path}`);
      assert.equal(reply.status, 422, path);
      assert.equal(reply.json.code, 422);
      assert.match(reply.json.message, message, path);
    }
  });
});
