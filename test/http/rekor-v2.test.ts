/**
 * POST /api/v2/log/entries end to end on a live server (src/http/rekor-v2-api.ts): the 201
 * TransparencyLogEntry with every field rekor-tiles emits, checked by src/core against the
 * trusted root the server serves (verifyTlogEntry, and the body matched to the signature, digest
 * and key as a client matches it), so the proof reaches the signed Ed25519 checkpoint; 409 + x-log-index; grpc-gateway's
 * 400s; its own 4 MiB body limit; concurrent appends; /checkpoint and tiles at the root and
 * /tlog/v2; the trust documents; the tree kept across a restart, and writes (only) refused
 * when a stored tile no longer matches.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseTlogEntry } from '../../src/core/bundle/bundle-json.js';
import { verifyTlogEntry } from '../../src/core/bundle/tlog.js';
import { parseTrustedRoot } from '../../src/core/bundle/trusted-root.js';
import { checkBody } from '../../src/core/bundle/body-match.js';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { loadConfig } from '../../src/config.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSql } from '../../src/storage/open-sql.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { v2Request } from '../rekor-v2/requests.js';
import { pino } from 'pino';
import { editLeafHash } from '../helpers/tamper.js';

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  const res = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

const TLE_FIELDS = ['logIndex', 'logId', 'kindVersion', 'integratedTime', 'inclusionPromise', 'inclusionProof', 'canonicalizedBody'];

describe('POST /api/v2/log/entries', () => {
  let server: TestServer;
  let restarted: RunningServer | undefined;
  let trustedRoot: { tlogs: { baseUrl: string; logId: { keyId: string } }[] };
  before(async () => {
    server = await startTestServer();
    trustedRoot = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as typeof trustedRoot;
  });
  after(async () => {
    await restarted?.close();
    await server?.close();
  });

  it('answers 201 with the TransparencyLogEntry rekor-tiles emits, which core verifies against the served trusted root', async () => {
    const message = randomBytes(64);
    const { request, digest, signature, signer } = v2Request('PKIX_ECDSA_P256_SHA_256', message);
    const res = await post(server.url, request);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(res.json), TLE_FIELDS);
    assert.equal(res.json.integratedTime, '0');
    assert.equal(res.json.inclusionPromise, null);
    assert.deepEqual(res.json.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    assert.equal(typeof res.json.logIndex, 'string');
    const proof = res.json.inclusionProof as Record<string, unknown>;
    assert.deepEqual(Object.keys(proof), ['logIndex', 'rootHash', 'treeSize', 'hashes', 'checkpoint']);
    assert.equal(proof.logIndex, res.json.logIndex);

    const v2 = trustedRoot.tlogs.find((l) => l.logId.keyId === (res.json.logId as { keyId: string }).keyId);
    assert.ok(v2, 'the entry names the v2 log of the trusted root');
    assert.equal(v2.baseUrl, 'http://127.0.0.1');
    const root = parseTrustedRoot(trustedRoot);
    const result = verifyTlogEntry(nodeCrypto, parseTlogEntry(res.json, 'tlogEntry', '0.3'), root);
    assert.ok(result.checks.some((c) => /is included in 127\.0\.0\.1's tree/.test(c)), result.checks.join('\n'));

    // What a client checks of the body: it records this digest, signature and key (core's body match).
    const entry = parseTlogEntry(res.json, 'tlogEntry', '0.3');
    const recorded = checkBody(nodeCrypto, entry, { kind: 'message', digest: { algorithm: 'sha256', value: digest }, signature }, { spki: signer.spki }, 'sha256', { algorithm: 'sha256', value: digest });
    assert.match(recorded, /hashedrekord\/0\.0\.2/);
    assert.ok(nodeCrypto.verify({ spki: signer.spki, hash: 'sha256', signature, data: message }));
  });

  it('answers 409 with x-log-index for an equivalent entry', async () => {
    const { request } = v2Request();
    const first = await post(server.url, request);
    assert.equal(first.status, 201);
    const again = await post(server.url, request);
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-log-index'), first.json.logIndex);
    assert.equal(again.json.code, 6);
    assert.match(String(again.json.message), new RegExp(`already exists in the transparency log at index ${String(first.json.logIndex)}`));
  });

  it('answers 400 in grpc-gateway\'s shape', async () => {
    const dsse = await post(server.url, { dsseRequestV002: { envelope: {}, verifiers: [] } });
    assert.equal(dsse.status, 400);
    assert.deepEqual(dsse.json, { code: 3, message: 'invalid type, must be hashedrekord', details: [] });
    const unknown = await post(server.url, { ...v2Request().request, extra: true });
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.json.message), /unknown field "extra"/);
    const notJson = await post(server.url, '{"hashedRekordRequestV002":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.code, 3);
    const empty = await post(server.url, '');
    assert.equal(empty.status, 400);
    const wrongType = await post(server.url, '[1]');
    assert.equal(wrongType.status, 400);
  });

  it('reads bodies up to 4 MiB (over the v1 API\'s 1 MiB) and refuses larger ones with 413', async () => {
    const big = { hashedRekordRequestV002: { digest: 'AAAA', signature: { content: randomBytes(2 * 1024 * 1024).toString('base64'), verifier: {} } } };
    const twoMiB = await post(server.url, big);
    assert.equal(twoMiB.status, 400, 'parsed, then refused for what it says');
    const tooBig = await post(server.url, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.json.code, 3);
  });

  it('gives concurrent appends distinct indexes, each proof verifying', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(server.url, v2Request(i % 2 ? 'PKIX_ED25519_PH' : 'PKIX_ECDSA_P384_SHA_384').request)));
    assert.ok(answers.every((a) => a.status === 201), JSON.stringify(answers.find((a) => a.status !== 201)?.json));
    assert.equal(new Set(answers.map((a) => a.json.logIndex)).size, 40);
    const root = parseTrustedRoot(trustedRoot);
    for (const a of answers) verifyTlogEntry(nodeCrypto, parseTlogEntry(a.json, 'tlogEntry', '0.3'), root);
  });

  it('serves its checkpoint and tiles at the base URL and under /tlog/v2, and lists itself in signing_config', async () => {
    const last = await post(server.url, v2Request().request);
    const envelope = ((last.json.inclusionProof as Record<string, unknown>).checkpoint as { envelope: string }).envelope;
    for (const prefix of ['', '/tlog/v2']) {
      const res = await fetch(`${server.url}${prefix}/checkpoint`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), envelope);
      const size = parseCheckpoint(envelope).size;
      const tile = await fetch(`${server.url}${prefix}/tile/0/000.p/${size}`);
      assert.equal(tile.status, 200);
      assert.equal((await tile.arrayBuffer()).byteLength, size * 32);
    }
    const v1 = await (await fetch(`${server.url}/tlog/v1/checkpoint`)).text();
    assert.notEqual(v1, envelope, 'the v1 tree is another tree');
    const signing = (await (await fetch(`${server.url}/signing_config.json`)).json()) as { rekorTlogUrls: { url: string; majorApiVersion: number }[] };
    assert.deepEqual(signing.rekorTlogUrls.map((s) => [s.url, s.majorApiVersion]).sort(), [['http://127.0.0.1', 1], ['http://127.0.0.1', 2]]);
  });

  it('keeps its tree across a restart', async () => {
    const before = parseCheckpoint(await (await fetch(`${server.url}/checkpoint`)).text());
    await server.stop();
    restarted = await startServer(loadConfig(server.env), pino({ level: 'silent' }));
    const after = parseCheckpoint(await (await fetch(`${restarted.address}/checkpoint`)).text());
    assert.equal(after.size, before.size);
    const next = await post(restarted.address, v2Request().request);
    assert.equal(next.status, 201);
    assert.equal(next.json.logIndex, String(before.size));
  });

  it('refuses v2 writes with 503 and is not ready when a v2 tile was edited, while reads and the v1 log go on', async () => {
    assert.ok(restarted);
    await restarted.close();
    const config = loadConfig(server.env);
    const sql = await openSql(config);
    try {
      await editLeafHash(sql, 'rekor-v2', 1, 0xff); // the second leaf hash
    } finally {
      await sql.close();
    }
    const lines: string[] = [];
    restarted = await startServer(config, pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }));
    const refused = await post(restarted.address, v2Request().request);
    assert.equal(refused.status, 503);
    assert.equal(refused.json.code, 14);
    assert.match(String(refused.json.message), /tiles \(level 0, idx 0\) hash 1/);
    assert.equal(refused.headers.get('retry-after'), '300');
    assert.equal((await fetch(`${restarted.address}/readyz`)).status, 503);
    assert.equal((await fetch(`${restarted.address}/checkpoint`)).status, 200, 'reads go on');
    assert.equal((await fetch(`${restarted.address}/api/v1/log`)).status, 200);
    assert.ok(lines.some((l) => l.includes('"tree":"rekor-v2"')), 'the problem is logged under the v2 tree');
  });
});
