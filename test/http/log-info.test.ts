/**
 * GET /api/v1/log, /api/v1/log/publicKey and /api/v1/log/proof over HTTP (rekor-api.md §1.3–1.5),
 * and the wire conventions of §1.0: no-cache on GETs, permissive CORS with preflight, HEAD.
 * Consistency proofs are verified with src/merkle/verify.ts between checkpoints whose
 * signatures were checked first, as rekor-monitor does (§5.4).
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EMPTY_ROOT } from '../../src/merkle/hash.js';
import { verifyConsistency } from '../../src/core/merkle.js';
import { verifyCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, create, get, hashedrekord, only, trustedLog, type ErrorBody } from './rekor-client.js';

interface LogInfo {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
  inactiveShards: unknown;
}

let server: TestServer;
let url: string;
let log: Awaited<ReturnType<typeof trustedLog>>;
let emptyInfo: LogInfo;
/** Signed checkpoints seen after each round of appends, smallest first. */
const seen: Checkpoint[] = [];

function checkSignedTreeHead(info: LogInfo): Checkpoint {
  const cp = verifyCheckpoint(info.signedTreeHead, [ecdsaNoteVerifier('127.0.0.1', log.publicKey)]);
  assert.equal(cp.origin, `127.0.0.1 - ${info.treeID}`);
  assert.equal(cp.size, info.treeSize);
  assert.equal(cp.rootHash.toString('hex'), info.rootHash);
  const { signatures } = parseSignedNote(info.signedTreeHead);
  assert.equal(signatures.length, 1, 'exactly one signature line (Rekor Go rejects others)');
  assert.equal(signatures[0]?.name, '127.0.0.1');
  assert.equal(signatures[0]?.keyHint.toString('hex'), log.logId.slice(0, 8), 'key hint = logID[0:4]');
  return cp;
}

before(async () => {
  server = await startTestServer();
  url = server.url;
  log = await trustedLog(url);
  emptyInfo = (await get<LogInfo>(url, '/api/v1/log')).json;
  // Rounds of appends: sizes 1, 4, 11 and 270 (past the first 256-leaf tile).
  let n = 0;
  for (const round of [1, 3, 7, 259]) {
    for (let i = 0; i < round; i += 40) {
      await Promise.all(Array.from({ length: Math.min(40, round - i) }, () => create(url, hashedrekord(`log-info ${n++}`))));
    }
    seen.push(checkSignedTreeHead((await get<LogInfo>(url, '/api/v1/log')).json));
  }
});
after(() => server.close());

describe('GET /api/v1/log (LogInfo)', () => {
  it('describes the empty tree with the SHA-256 of nothing, signed', () => {
    assert.equal(emptyInfo.treeSize, 0);
    assert.equal(emptyInfo.rootHash, EMPTY_ROOT.toString('hex'));
    checkSignedTreeHead(emptyInfo);
  });

  it('has all four fields, a decimal treeID, inactiveShards null, and a signed checkpoint of the tree', async () => {
    const reply = await get<LogInfo>(url, '/api/v1/log');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(reply.json).sort(), ['inactiveShards', 'rootHash', 'signedTreeHead', 'treeID', 'treeSize']);
    assert.equal(reply.json.inactiveShards, null);
    assert.match(reply.json.treeID, /^[1-9][0-9]*$/);
    assert.equal(reply.json.treeSize, 270);
    assert.match(reply.json.rootHash, /^[0-9a-f]{64}$/);
    checkSignedTreeHead(reply.json);
  });
});

describe('GET /api/v1/log/publicKey', () => {
  it('is the PEM SPKI of the key whose SHA-256 is the logID, as application/x-pem-file', async () => {
    const reply = await get(url, '/api/v1/log/publicKey');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/x-pem-file/);
    assert.match(reply.text, /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/);
    const [, entry] = only((await get(url, '/api/v1/log/entries?logIndex=0')).json);
    assert.equal(entry.logID, createHash('sha256').update(log.spki).digest('hex'));
    assert.equal(log.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'ECDSA P-256 (clients reject other SET keys)');
  });

  it('answers for our tree ID (also with leading zeros) and 400 for any other', async () => {
    const { treeID } = emptyInfo;
    assert.equal((await get(url, `/api/v1/log/publicKey?treeID=${treeID}`)).status, 200);
    assert.equal((await get(url, `/api/v1/log/publicKey?treeID=00${treeID}`)).status, 200);
    const other = await get<ErrorBody>(url, '/api/v1/log/publicKey?treeID=1193050959916656506');
    assert.equal(other.status, 400);
    assert.deepEqual(other.json, { code: 400, message: `unknown tree ID 1193050959916656506; this log's shards are ${treeID}` });
    const bad = await get<ErrorBody>(url, '/api/v1/log/publicKey?treeID=abc');
    assert.equal(bad.status, 422);
    assert.match(bad.json.message, /treeID must match pattern/);
  });
});

describe('GET /api/v1/log/proof (consistency)', () => {
  it('proves every pair of signed checkpoints consistent, with rootHash = the root at lastSize', async () => {
    for (const [i, older] of seen.entries()) {
      for (const newer of seen.slice(i)) {
        const reply = await get<{ rootHash: string; hashes: string[] }>(url, `/api/v1/log/proof?firstSize=${older.size}&lastSize=${newer.size}&treeID=${emptyInfo.treeID}`);
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(Object.keys(reply.json).sort(), ['hashes', 'rootHash']);
        assert.equal(reply.json.rootHash, newer.rootHash.toString('hex'));
        if (older.size === newer.size) assert.deepEqual(reply.json.hashes, [], 'equal sizes: [] (never null)');
        verifyConsistency(nodeSha256, older.size, newer.size, older.rootHash, newer.rootHash, reply.json.hashes.map((h) => Buffer.from(h, 'hex')));
      }
    }
  });

  it('defaults firstSize to 1', async () => {
    const withDefault = await get(url, '/api/v1/log/proof?lastSize=11');
    assert.deepEqual(withDefault.json, (await get(url, '/api/v1/log/proof?firstSize=1&lastSize=11')).json);
  });

  it('refuses sizes the way Rekor words it (§1.5)', async () => {
    const cases: [string, number, RegExp][] = [
      ['firstSize=5&lastSize=4', 400, /^firstSize\(5\) must be less than lastSize\(4\)$/],
      ['firstSize=1&lastSize=271', 400, /^the tree size requested\(271\) was greater than what is currently observable\(270\)$/],
      ['firstSize=1&lastSize=4&treeID=42', 400, /^unknown tree ID 42/],
      ['firstSize=0&lastSize=4', 422, /firstSize must be >= 1/],
      ['firstSize=1', 422, /required property 'lastSize'/],
      ['firstSize=1&lastSize=four', 422, /lastSize must be integer/],
    ];
    for (const [query, status, message] of cases) {
      const reply = await get<ErrorBody>(url, `/api/v1/log/proof?${query}`);
      assert.equal(reply.status, status, query);
      assert.equal(reply.json.code, status);
      assert.match(reply.json.message, message, query);
    }
  });
});

describe('wire conventions (§1.0)', () => {
  it('sends no-cache headers on every GET endpoint, 404s included', async () => {
    const missing = `/api/v1/log/entries/${'ab'.repeat(32)}`;
    for (const path of ['/api/v1/log', '/api/v1/log/publicKey', '/api/v1/log/proof?lastSize=4', '/api/v1/log/entries?logIndex=0', '/api/v1/log/entries?logIndex=9999', missing]) {
      const reply = await get(url, path);
      assert.match(reply.headers.get('cache-control') ?? '', /no-cache/, path);
      assert.match(reply.headers.get('cache-control') ?? '', /no-store/, path);
    }
  });

  it('allows any origin on answers and errors, and answers the CORS preflight', async () => {
    for (const reply of [await get(url, '/api/v1/log'), await get(url, '/api/v1/log/proof'), await call(url, 'POST', '/api/v1/log/entries', hashedrekord('cors'), { origin: 'https://search.example' })]) {
      assert.equal(reply.headers.get('access-control-allow-origin'), '*');
    }
    const preflight = await call(url, 'OPTIONS', '/api/v1/index/retrieve', undefined, {
      origin: 'https://search.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    for (const method of ['GET', 'POST', 'HEAD']) assert.match(preflight.headers.get('access-control-allow-methods') ?? '', new RegExp(method));
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  });

  it('answers HEAD like GET without a body; other methods get 405 naming the path', async () => {
    const head = await call(url, 'HEAD', '/api/v1/log');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const del = await call<ErrorBody>(url, 'DELETE', '/api/v1/log');
    assert.equal(del.status, 405);
    assert.deepEqual(del.json, { code: 405, message: 'method DELETE is not allowed on /api/v1/log' });
    const unknown = await get<ErrorBody>(url, '/api/v1/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 404);
  });
});
