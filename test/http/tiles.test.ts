/**
 * The Rekor v1 tree as a C2SP tlog-tiles log under /tlog/v1 (plan: issue 11), over real HTTP:
 * the checkpoint verifies with the log key through src/core/checkpoint; the root is rebuilt from
 * the served tiles two ways (src/merkle's rootAt over the upper tiles, and the naive RFC 6962 root
 * of every leaf hash in the level-0 tiles) and equals the checkpoint's; entry bundles hold the
 * logged bodies, which hash to the level-0 tiles (gzipped when asked); cache headers tell full
 * from partial; HEAD;
 * malformed paths are 400, paths beyond the tree 404, never a 5xx; other methods 405; and an
 * entry too large for the format's uint16 length makes its bundle a 404 that names it.
 * The Rekor v2 log is served by the same router at / and /tlog/v2: its Ed25519 checkpoint
 * verifies with the trusted root's key through the same core check, and its tiles give its root.
 * The negative twin: a level-0 tile edited in the database is served as stored, and the same
 * rebuild that passed on the intact store no longer reproduces the signed root.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { checkpointSignerNames, parseCheckpoint, verifyCheckpointSignature, type Checkpoint } from '../../src/core/checkpoint.js';
import { hexToBytes } from '../../src/core/bytes.js';
import { verifyInclusion } from '../../src/core/merkle.js';
import { leafHash } from '../../src/merkle/hash.js';
import { proveInclusion, rootAt, type TileReader } from '../../src/merkle/prove.js';
import { formatTilePath, TILE_WIDTH, tileWidth, type TileRequest } from '../../src/merkle/tiles.js';
import { nodeCrypto, nodeSha256 } from '../../src/node-crypto.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSql } from '../../src/storage/open-sql.js';
import { mth } from '../helpers/naive-tree.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, hashedrekord, keySigner, trustedLog } from './rekor-client.js';
import { v2Request } from '../rekor-v2/requests.js';
import { editLeafHash } from '../helpers/tamper.js';

const SIZE = 259; // one full level-0 tile and a partial one of 3; a partial level-1 tile of 1
const HASH = 32;
const toHexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let server: TestServer;
let restarted: RunningServer | undefined;
let url: string;
let log: Awaited<ReturnType<typeof trustedLog>>;
/** Leaf hashes (the UUIDs) by log index, as the v1 API returned them. */
const uuids: string[] = [];

async function fetchTile(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${base}/tlog/v1/${path}`, { method });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Reads tiles from the HTTP API only, at the widths a tree of `size` has. */
function httpReader(base: string, size: number): TileReader {
  return {
    readTiles: (requests: readonly TileRequest[]) =>
      Promise.all(
        requests.map(async (r) => {
          const { status, bytes } = await fetchTile(base, formatTilePath({ ...r, width: tileWidth(r, size) }));
          assert.equal(status, 200);
          return Array.from({ length: bytes.length / HASH }, (_, i) => bytes.subarray(i * HASH, (i + 1) * HASH));
        }),
      ),
  };
}

async function servedCheckpoint(base: string): Promise<Checkpoint> {
  const res = await fetch(`${base}/tlog/v1/checkpoint`);
  assert.equal(res.status, 200);
  const cp = parseCheckpoint(await res.text());
  verifyCheckpointSignature(nodeCrypto, cp, { logId: hexToBytes(log.logId), spki: log.spki, names: checkpointSignerNames(server.url) ?? [] });
  return cp;
}

/** Every leaf hash of a tree of `size`, from the level-0 tiles. */
async function leavesFromTiles(base: string, size: number): Promise<Buffer[]> {
  const leaves: Buffer[] = [];
  for (let n = 0; n * TILE_WIDTH < size; n++) {
    const { bytes } = await fetchTile(base, formatTilePath({ level: 0, index: n, width: tileWidth({ level: 0, index: n }, size) }));
    for (let i = 0; i < bytes.length; i += HASH) leaves.push(bytes.subarray(i, i + HASH));
  }
  return leaves;
}

/** uint16 big-endian length-prefixed entries. */
function parseBundle(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = bytes.readUInt16BE(at);
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}

before(async () => {
  server = await startTestServer();
  url = server.url;
  log = await trustedLog(url);
  const signer = keySigner();
  for (let i = 0; i < SIZE; i += 40) {
    const made = await Promise.all(Array.from({ length: Math.min(40, SIZE - i) }, (_, j) => create(url, hashedrekord(`tiles ${i + j}`, signer))));
    for (const m of made) uuids[m.entry.logIndex] = m.id.slice(-64);
  }
});
after(async () => {
  await restarted?.close();
  await server.close();
});

describe('the v1 tree as tlog-tiles under /tlog/v1', () => {
  it('serves the signed checkpoint of the v1 log as text, not cached', async () => {
    const res = await fetch(`${url}/tlog/v1/checkpoint`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const note = await res.text();
    const cp = parseCheckpoint(note);
    assert.equal(cp.size, SIZE);
    const name = verifyCheckpointSignature(nodeCrypto, cp, { logId: hexToBytes(log.logId), spki: log.spki, names: ['127.0.0.1'] });
    assert.equal(name, '127.0.0.1');
    const info = (await (await fetch(`${url}/api/v1/log`)).json()) as { signedTreeHead: string; treeID: string };
    assert.equal(cp.origin, `127.0.0.1 - ${info.treeID}`, 'the v1 origin, as stored');
    assert.equal(note, info.signedTreeHead, 'the same stored note the v1 API serves');
    const otherSpki = createPublicKey(keySigner().privateKey).export({ format: 'der', type: 'spki' });
    assert.throws(() => verifyCheckpointSignature(nodeCrypto, cp, { logId: hexToBytes(log.logId), spki: otherSpki }), /does not verify/, 'negative twin: another key');
  });

  it('rebuilds the signed root from the tiles, and the bundles hold the logged bodies', async () => {
    const cp = await servedCheckpoint(url);
    const root = await rootAt(cp.size, httpReader(url, cp.size));
    assert.ok(root.equals(cp.rootHash), 'src/merkle rootAt over the served tiles = the signed root');
    const leaves = await leavesFromTiles(url, cp.size);
    assert.deepEqual(leaves.map((l) => l.toString('hex')), uuids, 'level-0 tiles hold the leaf hashes (UUIDs) in log order');
    assert.ok(mth(leaves).equals(cp.rootHash), 'the naive root of all leaves = the signed root');
    const level1 = (await fetchTile(url, 'tile/1/000.p/1')).bytes;
    assert.ok(level1.equals(mth(leaves.slice(0, TILE_WIDTH))), 'the level-1 hash is the root of the full level-0 tile');
    for (const index of [0, 200, 257]) {
      const proof = await proveInclusion(index, cp.size, httpReader(url, cp.size));
      verifyInclusion(nodeSha256, index, cp.size, leaves[index] as Buffer, proof, cp.rootHash);
    }
    const bodies = [...parseBundle((await fetchTile(url, 'tile/entries/000')).bytes), ...parseBundle((await fetchTile(url, 'tile/entries/001.p/3')).bytes)];
    assert.equal(bodies.length, SIZE);
    assert.deepEqual(bodies.map((b) => leafHash(b).toString('hex')), uuids, 'each bundled body hashes to its leaf');
    const viaApi = (await (await fetch(`${url}/api/v1/log/entries?logIndex=258`)).json()) as Record<string, { body: string }>;
    assert.equal(Object.values(viaApi)[0]?.body, bodies[258]?.toString('base64'), 'the bundle holds the canonical body the v1 API serves');
  });

  it('marks full tiles and bundles immutable and partial ones no-cache, as octet streams; HEAD has the headers and no body', async () => {
    for (const [path, cache, length] of [
      ['tile/0/000', 'public, max-age=31536000, immutable', TILE_WIDTH * HASH],
      ['tile/0/001.p/3', 'no-cache', 3 * HASH],
      ['tile/0/000.p/7', 'no-cache', 7 * HASH],
      ['tile/1/000.p/1', 'no-cache', HASH],
      ['tile/entries/000', 'public, max-age=31536000, immutable', undefined],
      ['tile/entries/001.p/2', 'no-cache', undefined],
    ] as const) {
      const got = await fetchTile(url, path);
      assert.equal(got.status, 200, path);
      assert.equal(got.headers.get('content-type'), 'application/octet-stream', path);
      assert.equal(got.headers.get('cache-control'), cache, path);
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff', path);
      if (length !== undefined) assert.equal(got.bytes.length, length, path);
      const head = await fetchTile(url, path, 'HEAD');
      assert.equal(head.status, 200, `HEAD ${path}`);
      assert.equal(head.bytes.length, 0, `HEAD ${path} has no body`);
      assert.equal(head.headers.get('content-length'), got.headers.get('content-length'), `HEAD ${path}`);
      assert.equal(head.headers.get('cache-control'), cache, `HEAD ${path}`);
    }
    assert.ok((await fetchTile(url, 'tile/0/000.p/7')).bytes.equals((await fetchTile(url, 'tile/0/000')).bytes.subarray(0, 7 * HASH)), 'a partial width of a full tile is its prefix');
    assert.equal((await fetchTile(url, 'checkpoint', 'HEAD')).status, 200);
  });

  it('gzips entry bundles for clients that accept it, and only those; hash tiles never', async () => {
    const plain = await fetch(`${url}/tlog/v1/tile/entries/000`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
    const identity = Buffer.from(await plain.arrayBuffer());
    const zipped = await new Promise<{ headers: Record<string, unknown>; bytes: Buffer }>((resolve, reject) => {
      const u = new URL(`${url}/tlog/v1/tile/entries/000`);
      httpGet({ host: u.hostname, port: u.port, path: u.pathname, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) })).on('error', reject);
      }).on('error', reject);
    });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.bytes.length < identity.length / 2, `compressed ${zipped.bytes.length} of ${identity.length} bytes`);
    assert.ok(gunzipSync(zipped.bytes).equals(identity), 'the same bundle once decompressed');
    const bare = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const u = new URL(`${url}/tlog/v1/tile/entries/000`);
      httpGet({ host: u.hostname, port: u.port, path: u.pathname }, (res) => resolve(res.resume().headers)).on('error', reject);
    });
    assert.equal(bare['content-encoding'], undefined, 'no Accept-Encoding: identity bytes');
    const tile = await fetch(`${url}/tlog/v1/tile/0/000`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(tile.headers.get('content-encoding'), null, 'hash tiles are random bytes');
  });

  it('answers 400 for malformed paths and 404 beyond the tree, as plain text that is not stored', async () => {
    const malformed = [
      'tile/0/0', 'tile/0/0000', 'tile/00/000', 'tile/64/000', 'tile/-1/000', 'tile/0/x000/001', 'tile/0/x1/000', 'tile/0/000.p/0',
      'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000.p/', 'tile/0/000/', 'tile/0/%30%30%30', 'tile/0/000.P/3', 'tile/entries/0',
      'tile/entries/000.p/0', 'tile/data/000', 'tile/', 'tile/0/x999/x999/x999/x999/x999/x999/999', `tile/0/${'x001/'.repeat(500)}000`,
    ];
    for (const path of malformed) {
      const got = await fetchTile(url, path);
      assert.equal(got.status, 400, `${path}: ${got.bytes.toString()}`);
      assert.match(got.headers.get('content-type') ?? '', /^text\/plain/, path);
      assert.equal(got.headers.get('cache-control'), 'no-store', path);
    }
    const beyond = ['tile/0/001', 'tile/0/001.p/4', 'tile/0/002.p/1', 'tile/1/000', 'tile/1/000.p/2', 'tile/2/000.p/1', 'tile/entries/001', 'tile/entries/001.p/4', 'tile/0/x009/x007/x199/x254/x740/991', 'tile/63/000.p/1'];
    for (const path of beyond) {
      const got = await fetchTile(url, path);
      assert.equal(got.status, 404, `${path}: ${got.bytes.toString()}`);
      assert.match(got.bytes.toString(), /beyond the tree \(size 259\)/, path);
      assert.equal(got.headers.get('cache-control'), 'no-store', `${path}: a 404 must not outlive the tree's growth`);
    }
  });

  it('is read-only and shadows nothing: other methods 405, near-miss paths fall through to the API 404, the UI and v1 API still answer', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${url}/tlog/v1/tile/0/000`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
    }
    for (const path of ['/tlog/v1/checkpoint/', '/TLOG/V1/checkpoint', '/tlog/v1/Checkpoint', '/tlog/v1', '/tlog/v1/tile', '/tlog/v3/checkpoint']) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /json/, `${path} is the app's 404, not a tile answer`);
    }
    assert.equal((await fetch(`${url}/api/v1/log`)).status, 200);
    assert.notEqual((await fetch(`${url}/`)).status, 404, 'the UI is still served at /');
    assert.equal((await fetch(`${url}/trusted_root.json`)).status, 200);
  });

  it('makes a bundle holding an entry over 65535 bytes a 404 naming the entry; its hash tiles are still served', async () => {
    // The v1 API accepts bodies up to the request limit, which the uint16 length cannot carry.
    const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'synthetic', spec: { pad: 'x'.repeat(70_000) } }));
    const appended = await server.running.log.append({ body, leafHash: leafHash(body), indexKeys: [] });
    assert.equal(appended.index, SIZE);
    const got = await fetchTile(url, 'tile/entries/001.p/4');
    assert.equal(got.status, 404);
    assert.match(got.bytes.toString(), new RegExp(`entry ${SIZE} is ${body.length} bytes, over the 65535`));
    assert.equal((await fetchTile(url, 'tile/entries/001.p/3')).status, 200, 'the narrower bundle before it is unaffected');
    assert.ok((await fetchTile(url, 'tile/0/001.p/4')).bytes.subarray(3 * HASH).equals(leafHash(body)), 'its leaf hash is served');
  });
});

describe('the Rekor v2 log through the same router, at / and /tlog/v2', () => {
  it('serves one Ed25519-signed log under both prefixes: empty at first, then a root rebuilt from its tiles', async () => {
    const root = (await (await fetch(`${url}/trusted_root.json`)).json()) as { tlogs: { publicKey: { rawBytes: string; keyDetails: string }; logId: { keyId: string } }[] };
    const v2 = root.tlogs.find((t) => t.publicKey.keyDetails === 'PKIX_ED25519');
    assert.ok(v2, 'the trusted root lists the v2 log');
    const key = { logId: Buffer.from(v2.logId.keyId, 'base64'), spki: Buffer.from(v2.publicKey.rawBytes, 'base64'), names: ['127.0.0.1'] };
    const read = async (path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> => {
      const res = await fetch(`${url}${path}`);
      return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const signed = async (prefix: string): Promise<Checkpoint> => {
      const got = await read(`${prefix}/checkpoint`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'text/plain; charset=utf-8');
      const cp = parseCheckpoint(got.bytes.toString());
      assert.equal(verifyCheckpointSignature(nodeCrypto, cp, key), '127.0.0.1');
      assert.equal(cp.origin, '127.0.0.1', 'origin = the bare host of the base URL');
      return cp;
    };
    const empty = await signed('');
    assert.equal(empty.size, 0, 'nothing was appended to v2 yet');
    assert.equal((await read('/tile/0/000.p/1')).status, 404, 'an empty tree has no tiles');
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2Request().request) });
      const body = (await res.json()) as { canonicalizedBody: string };
      assert.equal(res.status, 201, JSON.stringify(body));
      made.push(body.canonicalizedBody);
    }
    const cp = await signed('');
    assert.deepEqual(await signed('/tlog/v2'), cp, 'the same checkpoint under /tlog/v2');
    const width = cp.size % TILE_WIDTH;
    const tile = await read(`/tile/0/000.p/${width}`);
    assert.equal(tile.status, 200);
    assert.equal(tile.headers.get('cache-control'), 'no-cache');
    assert.ok(tile.bytes.equals((await read(`/tlog/v2/tile/0/000.p/${width}`)).bytes), 'the same tile under /tlog/v2');
    const leaves = Array.from({ length: width }, (_, i) => tile.bytes.subarray(i * HASH, (i + 1) * HASH));
    assert.ok(mth(leaves).equals(cp.rootHash), 'the root of the served leaves is the signed v2 root');
    const bodies = parseBundle((await read(`/tile/entries/000.p/${width}`)).bytes);
    assert.deepEqual(bodies.slice(-3).map((b) => b.toString('base64')), made, 'the bundle ends with the canonicalized bodies the appends returned');
    assert.deepEqual(bodies.map((b) => leafHash(b).toString('hex')), leaves.map((l) => l.toString('hex')));
    assert.notEqual(toHexOf(cp.rootHash), toHexOf((await servedCheckpoint(url)).rootHash), 'a tree of its own, not the v1 tree');
  });
});

describe('a tile edited in the database (negative twin)', () => {
  it('is served as stored, and the rebuild from tiles no longer reproduces the signed root', async () => {
    const before = await servedCheckpoint(url);
    assert.ok(mth(await leavesFromTiles(url, before.size)).equals(before.rootHash), 'control: intact tiles reproduce the root');
    await server.stop();
    const config = loadConfig(server.env);
    const sql = await openSql(config);
    try {
      await editLeafHash(sql, 'rekor', 200, 0x01); // leaf 200, inside the full tile the start-up check does not rehash
    } finally {
      await sql.close();
    }
    restarted = await startServer(config, pino({ level: 'silent' }));
    const base = restarted.address;
    const cp = await servedCheckpoint(base);
    assert.equal(cp.size, before.size, 'the same signed checkpoint');
    const leaves = await leavesFromTiles(base, cp.size);
    assert.equal(leaves[200]?.toString('hex') === uuids[200], false, 'the edited hash is what is served');
    assert.equal(mth(leaves).equals(cp.rootHash), false, 'the naive root over the served leaves is not the signed root');
    const level1 = (await fetchTile(base, 'tile/1/000.p/1')).bytes;
    assert.equal(level1.equals(mth(leaves.slice(0, TILE_WIDTH))), false, 'the full tile no longer hashes to its level-1 entry');
    const proof = await proveInclusion(201, cp.size, httpReader(base, cp.size));
    assert.throws(() => verifyInclusion(nodeSha256, 201, cp.size, leaves[201] as Buffer, proof, cp.rootHash), 'the sibling of the edited leaf no longer proves into the signed root');
  });
});
