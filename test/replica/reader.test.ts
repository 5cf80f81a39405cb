/**
 * Readers on a real Postgres streaming replica (src/reader-server.ts): a writer on the primary
 * (DATABASE_URL), a replica this test makes with pg_basebackup and a second postgres, and
 * readers serving from it. Entries written through the writer appear on the readers with
 * proofs and checkpoints that verify with the writer's key; with replay paused the readers
 * keep serving their older, consistent checkpoint and report the lag; writes sent to a reader
 * are redirected (307) or refused (503); a schema older than the code is refused at start; a
 * rotation recorded on the primary reaches the readers; rekor-cli reads through one.
 * Needs DATABASE_URL (the PGlite run skips it: there is no replication without a server).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { verifyConsistency } from '../../src/core/merkle.js';
import { nodeSha256 } from '../../src/node-crypto.js';
import { verifyCheckpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { startReader, type RunningReader } from '../../src/reader-server.js';
import { loadMigrations } from '../../src/storage/migrate.js';
import { requireCurrentSchema } from '../../src/storage/replica-status.js';
import { PgSql } from '../../src/storage/pg-sql.js';
import { run } from '../helpers/go-clients.js';
import { rotateInAnotherProcess } from '../helpers/live-rotation.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, create, get, hashedrekord, only, post, trustedLog, verifyAll, type TrustedLog } from '../http/rekor-client.js';
import { postgresBinDir, startReplica, type Replica } from './replica-cluster.js';

const databaseUrl = process.env.DATABASE_URL;
const binDir = postgresBinDir();
const skip = !databaseUrl
  ? 'SKIPPED: readers need a Postgres streaming replica; set DATABASE_URL (the embedded PGlite store has no replication)'
  : !binDir
    ? 'SKIPPED: no Postgres server binaries (pg_basebackup, postgres) under /usr/lib/postgresql/*/bin'
    : false;
if (skip) console.error(`# ${skip}`);

interface LogInfo {
  treeSize: number;
  rootHash: string;
  signedTreeHead: string;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('readers on a Postgres streaming replica', { skip, timeout: 300_000 }, () => {
  let writer: TestServer;
  let replica: Replica;
  let schema: string;
  let log: TrustedLog;
  const readers: RunningReader[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-reader-'));
  let refusing: RunningReader; // no SEALHOUSE_WRITE_URL, max lag 1 s
  let redirecting: RunningReader; // SEALHOUSE_WRITE_URL = the writer

  const readerEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    PORT: '0',
    SEALHOUSE_URL: 'http://127.0.0.1',
    SEALHOUSE_DATA_DIR: dataDir,
    SEALHOUSE_READ_DATABASE_URL: replica.url,
    SEALHOUSE_DB_SCHEMA: schema,
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const reader = async (extra: Record<string, string> = {}): Promise<RunningReader> => {
    const r = await startReader(loadConfig(readerEnv(extra)), pino({ level: process.env.TEST_SERVER_LOG ?? 'silent' }));
    readers.push(r);
    return r;
  };
  const infoOf = async (base: string): Promise<LogInfo> => {
    const reply = await get<LogInfo>(base, '/api/v1/log');
    assert.equal(reply.status, 200, reply.text);
    return reply.json;
  };
  const write = async (n: number, label: string): Promise<void> => {
    for (let i = 0; i < n; i++) await create(writer.url, hashedrekord(`${label} ${i} ${Date.now()}`));
  };
  /** The checkpoint verifies with the writer's key, and is a prefix of the writer's log. */
  const checkAgainstWriter = async (info: LogInfo): Promise<void> => {
    const cp = verifyCheckpoint(info.signedTreeHead, [ecdsaNoteVerifier('127.0.0.1', log.publicKey)]);
    assert.equal(cp.size, info.treeSize);
    assert.equal(Buffer.from(cp.rootHash).toString('hex'), info.rootHash);
    const head = await infoOf(writer.url);
    if (head.treeSize === info.treeSize) return assert.equal(head.rootHash, info.rootHash);
    const proof = await get<{ hashes: string[]; rootHash: string }>(writer.url, `/api/v1/log/proof?firstSize=${info.treeSize}&lastSize=${head.treeSize}`);
    assert.equal(proof.status, 200, proof.text);
    verifyConsistency(nodeSha256, info.treeSize, head.treeSize, Buffer.from(info.rootHash, 'hex'), Buffer.from(proof.json.rootHash, 'hex'), proof.json.hashes.map((h) => Buffer.from(h, 'hex')));
  };

  before(async () => {
    writer = await startTestServer({ SEALHOUSE_REKOR_V2: '0' });
    schema = writer.env.SEALHOUSE_DB_SCHEMA as string;
    log = await trustedLog(writer.url);
    await write(3, 'before the base backup');
    replica = await startReplica(databaseUrl as string, binDir as string);
    await replica.waitReplayed();
    refusing = await reader({ SEALHOUSE_READ_MAX_LAG_SECONDS: '1' });
    redirecting = await reader({ SEALHOUSE_WRITE_URL: writer.url });
  });
  after(async () => {
    await Promise.all(readers.map((r) => r.close().catch(() => undefined)));
    await writer?.close();
    await replica?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('entries written through the writer appear on the reader, with proofs and checkpoints that verify', async () => {
    await write(5, 'streamed');
    const target = (await infoOf(writer.url)).treeSize;
    await eventually('the reader to see the writer’s tree', async () => (await infoOf(refusing.address)).treeSize >= target);
    const info = await infoOf(refusing.address);
    await checkAgainstWriter(info);
    for (let i = 0; i < info.treeSize; i++) {
      const reply = await get(refusing.address, `/api/v1/log/entries?logIndex=${i}`);
      assert.equal(reply.status, 200, reply.text);
      const [id, entry] = only(reply.json);
      verifyAll(id, entry, log);
      // By UUID too, and the same bytes the writer serves.
      const byId = await get(refusing.address, `/api/v1/log/entries/${id}`);
      assert.equal(byId.status, 200, byId.text);
      assert.deepEqual(only(byId.json)[1].body, entry.body);
    }
    // Consistency proofs from the reader verify.
    const proof = await get<{ hashes: string[]; rootHash: string }>(refusing.address, `/api/v1/log/proof?firstSize=1&lastSize=${info.treeSize}`);
    assert.equal(proof.status, 200, proof.text);
    const first = only((await get(writer.url, '/api/v1/log/entries?logIndex=0')).json)[1];
    assert.ok(first.verification?.inclusionProof);
  });

  it('search, tiles, the public key and the UI come from the reader', async () => {
    const artifact = `searched ${Date.now()}`;
    const made = await create(writer.url, hashedrekord(artifact));
    await replica.waitReplayed();
    const hash = (made.entry as unknown as { body: string }).body;
    const byUuid = await post<string[]>(refusing.address, '/api/v1/log/entries/retrieve', { entryUUIDs: [made.id] });
    assert.equal(byUuid.status, 200, byUuid.text);
    assert.equal(Object.keys((byUuid.json as unknown as Record<string, unknown>[])[0] ?? {})[0], made.id);
    const sha = JSON.parse(Buffer.from(hash, 'base64').toString()).spec.data.hash.value as string;
    const index = await post<string[]>(refusing.address, '/api/v1/index/retrieve', { hash: `sha256:${sha}` });
    assert.equal(index.status, 200, index.text);
    assert.ok(index.json.some((u) => made.id.endsWith(u) || u.endsWith(made.id.slice(-64))), index.text);
    assert.equal((await get(refusing.address, '/api/v1/log/publicKey')).text, (await get(writer.url, '/api/v1/log/publicKey')).text);
    const checkpoint = await (await fetch(`${refusing.address}/tlog/v1/checkpoint`)).text();
    verifyCheckpoint(checkpoint, [ecdsaNoteVerifier('127.0.0.1', log.publicKey)]);
    const size = Number(checkpoint.split('\n')[1]);
    const tilePath = `/tlog/v1/tile/0/000${size < 256 ? `.p/${size}` : ''}`;
    const [fromReader, fromWriter] = await Promise.all([refusing.address, writer.url].map(async (b) => Buffer.from(await (await fetch(`${b}${tilePath}`)).arrayBuffer())));
    assert.equal(fromReader?.length, Math.min(size, 256) * 32);
    assert.deepEqual(fromReader, fromWriter);
    const ui = await fetch(`${refusing.address}/`);
    assert.equal(ui.status, 200);
  });

  it('with replay paused the reader serves its older, consistent checkpoint and reports the lag', async () => {
    await replica.waitReplayed();
    const before = await infoOf(refusing.address);
    const ready = await call<{ status: string; replicaLagSeconds: number | null }>(refusing.address, 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.text);
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      await write(4, 'while paused');
      await replica.waitReceived(); // the WAL is on the replica, only not replayed
      const behind = await infoOf(refusing.address);
      assert.equal(behind.treeSize, before.treeSize, 'a paused replica serves the tree it has');
      assert.equal(behind.signedTreeHead, before.signedTreeHead);
      await checkAgainstWriter(behind); // older, and a prefix of the writer's
      const last = await get(refusing.address, `/api/v1/log/entries?logIndex=${behind.treeSize - 1}`);
      const [id, entry] = only(last.json);
      verifyAll(id, entry, log);
      assert.equal(entry.verification?.inclusionProof?.treeSize, behind.treeSize);
      assert.equal((await get(refusing.address, `/api/v1/log/entries?logIndex=${behind.treeSize}`)).status, 404);
      const tooFar = await get(refusing.address, `/api/v1/log/proof?firstSize=1&lastSize=${behind.treeSize + 1}`);
      assert.equal(tooFar.status, 400, tooFar.text);
      // Past the 1 s limit the reader is not ready; /readyz and /metrics say why.
      await eventually('the lag to pass 1 s', async () => (await call(refusing.address, 'GET', '/readyz')).status === 503);
      const lagging = await call<{ status: string; replicaLagSeconds: number; replayPaused: boolean; maxLagSeconds: number }>(refusing.address, 'GET', '/readyz');
      assert.equal(lagging.json.status, 'not ready');
      assert.equal(lagging.json.replayPaused, true);
      assert.ok(lagging.json.replicaLagSeconds > 1, lagging.text);
      assert.equal(lagging.json.maxLagSeconds, 1);
      const metrics = await (await fetch(`${refusing.address}/metrics`)).text();
      const lagLine = /^sealhouse_replica_lag_seconds (\S+)$/m.exec(metrics);
      assert.ok(lagLine && Number(lagLine[1]) > 1, 'the lag gauge is exported');
      // Without a limit a lagging reader stays ready (the lag is still reported).
      assert.equal((await call(redirecting.address, 'GET', '/readyz')).status, 200);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await replica.waitReplayed();
    const caughtUp = await infoOf(refusing.address);
    assert.equal(caughtUp.treeSize, before.treeSize + 4);
    await checkAgainstWriter(caughtUp);
    await eventually('the reader to be ready again', async () => (await call(refusing.address, 'GET', '/readyz')).status === 200);
  });

  it('a write sent to a reader is redirected to SEALHOUSE_WRITE_URL (307), or refused with 503 and what to do', async () => {
    const proposed = hashedrekord(`sent to a reader ${Date.now()}`);
    const refused = await post<{ message: string }>(refusing.address, '/api/v1/log/entries', proposed);
    assert.equal(refused.status, 503, refused.text);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.json.message, /only reads .* SEALHOUSE_WRITE_URL/);
    const moved = await fetch(`${redirecting.address}/api/v1/log/entries?x=1`, { method: 'POST', body: JSON.stringify(proposed), headers: { 'content-type': 'application/json' }, redirect: 'manual' });
    assert.equal(moved.status, 307);
    assert.equal(moved.headers.get('location'), `${writer.url}/api/v1/log/entries?x=1`);
    // A path that looks like another host stays on the writer's.
    const sneaky = await fetch(`${redirecting.address}//evil.example/x`, { method: 'POST', redirect: 'manual' });
    assert.equal(new URL(sneaky.headers.get('location') as string).host, new URL(writer.url).host);
    // A client that follows redirects gets its entry logged by the writer, then readable on the reader.
    const followed = await post(redirecting.address, '/api/v1/log/entries', proposed);
    assert.equal(followed.status, 201, followed.text);
    const [id] = only(followed.json);
    await replica.waitReplayed();
    assert.equal((await get(redirecting.address, `/api/v1/log/entries/${id}`)).status, 200);
    // Other services' writes too (no CA, TSA or CT on a reader).
    assert.equal((await post(refusing.address, '/api/v2/signingCert', {})).status, 503);
  });

  it('a reader refuses a schema older than its code, and never migrates', async () => {
    const sql = new PgSql({ connectionString: replica.url, schema });
    try {
      const future = [...loadMigrations(), { version: loadMigrations().length + 1, name: 'future', sql: '' }];
      await assert.rejects(requireCurrentSchema(sql, future), /schema is at migration \d+, and this Sealhouse reads schema \d+: a reader never migrates/);
    } finally {
      await sql.close();
    }
    const empty = `${schema}_empty`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${empty}`);
      await replica.waitReplayed();
      await assert.rejects(startReader(loadConfig(readerEnv({ SEALHOUSE_DB_SCHEMA: empty })), pino({ level: 'silent' })), /schema is at migration 0/);
      const tables = await replica.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1", [empty]);
      assert.equal(tables[0]?.n, 0);
    } finally {
      await admin.query(`DROP SCHEMA ${empty} CASCADE`);
      await admin.end();
    }
  });

  it('rekor-cli reads and verifies through a reader', async (t) => {
    const dir = process.env.SEALHOUSE_GO_BIN ?? join(process.env.HOME ?? '/root', 'go', 'bin');
    const bin = join(dir, 'rekor-cli');
    if (!existsSync(bin)) return t.skip(`SKIPPED: no rekor-cli at ${bin} (scripts/install-go-clients.sh builds it; CI does)`);
    const home = mkdtempSync(join(tmpdir(), 'sealhouse-reader-cli-'));
    try {
      const env = { HOME: join(home, 'home'), TUF_ROOT: join(home, 'tuf') };
      const cli = (args: string[]) => run(bin, [...args, '--rekor_server', redirecting.address], env, 60_000);
      const loginfo = await cli(['loginfo']);
      assert.equal(loginfo.code, 0, loginfo.stderr);
      assert.match(loginfo.stdout, /Verification Successful!/);
      const entry = await cli(['get', '--log-index', '0', '--format', 'json']);
      assert.equal(entry.code, 0, entry.stderr);
      assert.equal((JSON.parse(entry.stdout) as { LogIndex: number }).LogIndex, 0);
      await write(2, 'between loginfos');
      await replica.waitReplayed();
      const again = await cli(['loginfo']);
      assert.equal(again.code, 0, again.stderr); // consistent with the checkpoint it stored the first time
      // An upload sent to the reader follows its 307 to the writer.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const body = Buffer.from(`uploaded through a reader ${Date.now()}\n`);
      const [file, sig, pub] = ['artifact.txt', 'artifact.sig', 'key.pub'].map((n) => join(home, n)) as [string, string, string];
      writeFileSync(file, body);
      writeFileSync(sig, sign('sha256', body, privateKey));
      writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
      const upload = await cli(['upload', '--artifact', file, '--signature', sig, '--public-key', pub, '--pki-format', 'x509']);
      assert.equal(upload.code, 0, `${upload.stdout}\n${upload.stderr}`);
      assert.match(upload.stdout, /Created entry at index \d+/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('follows a rotation of the log recorded on the primary: the new shard in use, the old one frozen', async () => {
    const treeOf = async (base: string): Promise<string> => ((await get<{ treeID: string }>(base, '/api/v1/log')).json).treeID;
    // The shard in use before the rotation, from the writer. Read from the refusing reader just
    // after it, this raced: a rotation after a second of quiet reaches the replica as WAL not yet
    // replayed, and until it is (milliseconds) the reader counts a second of lag and answers 503.
    const before = await treeOf(writer.url);
    await rotateInAnotherProcess(['log'], writer.env);
    await eventually('the writer to move to the new shard', async () => (await treeOf(writer.url)) !== before);
    await write(2, 'after the rotation');
    await replica.waitReplayed();
    const now = await treeOf(writer.url);
    await eventually('the reader to follow', async () => (await treeOf(refusing.address)) === now);
    const info = await get<{ inactiveShards?: { treeID: string }[] }>(refusing.address, '/api/v1/log');
    assert.deepEqual(info.json.inactiveShards?.map((s) => s.treeID), [before]);
    const [fromReader, fromWriter] = await Promise.all([refusing.address, writer.url].map(async (b) => (await fetch(`${b}/tlog/v1/shards/2/checkpoint`)).text()));
    assert.equal(fromReader, fromWriter);
    assert.equal((await get(refusing.address, '/api/v1/log/publicKey')).text, (await get(writer.url, '/api/v1/log/publicKey')).text);
  });
});
