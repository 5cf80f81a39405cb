/**
 * Rotating the CT log's key (`sealhouse rotate ct`, storage/log-shards.ts): the shard in use is
 * frozen and a new one with a new key takes every entry. On both stores: a CtLog under a steady
 * stream of submissions while the rotation is recorded answers every one — the batch that meets
 * the frozen tree follows to the new shard and commits there — SCTs from before verify with the
 * old key and from after with the new; the frozen shard keeps serving its head and entries; a
 * key that is not the new shard's is refused and the log stays where it was. On Postgres: a
 * server issuing certificates while another process runs `rotate ct` fails no request, serves
 * both shards at their paths, and keyless bundles from before and after verify through
 * sigstore-js with a trusted root listing both shards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { bundleFromJSON, type SerializedBundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { CtLog } from '../../src/ct/ct-log.js';
import { precertEntry } from '../../src/ct/ct-submission.js';
import { verifyTreeHead } from '../../src/ct/ct-wire.js';
import { type CtEntry, type Sct, verifySct } from '../../src/ct/sct.js';
import { logShards, rotateShard } from '../../src/storage/log-shards.js';
import { PgSql } from '../../src/storage/pg-sql.js';
import { EMAIL_EXTENSIONS, keyPair, makeCa } from '../ca/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { openTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db.js';
import { eventually, requestCertificate, rotateInAnotherProcess, steadyLoad, withCtShards } from '../helpers/live-rotation.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nextSecond } from '../helpers/next-second.js';

const SIGN_KEYLESS = fileURLToPath(new URL('../../../scripts/sign-keyless.js', import.meta.url));
const runAsync = promisify(execFile);
const ca = makeCa();
const chain = ca.material.chain as Buffer[];
const spkiOf = (k: KeyObject): Buffer => createPublicKey(k).export({ type: 'spki', format: 'der' });
const newKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

function precert(): Buffer {
  return new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'ct-rotation@example.com' }, extensions: EMAIL_EXTENSIONS }).precertificate();
}

describe('rotating the CT log key: the CT log', () => {
  let db: TestDatabase;
  let log: CtLog;
  const first = newKey();
  const second = newKey();
  /** What the operator's key files hold (ct-key-files.ts in the server). */
  let keyFiles: KeyObject[] = [first];

  before(async () => {
    db = await openTestDatabase();
    log = await CtLog.open(db.sql, {
      key: first,
      keys: { find: (spki) => keyFiles.find((k) => spkiOf(k).equals(spki)), where: 'the test key files' },
      roots: [chain[1] as Buffer],
      maxBatch: 16,
      maxDelayMs: 2,
      maxQueue: 10_000,
    });
  });
  after(async () => {
    await log.close();
    await db.close();
  });

  it('answers every submission across the rotation: before under the old key, after under the new, each shard serving its own tree', async () => {
    const logged: { sct: Sct; entry: CtEntry }[] = [];
    const load = steadyLoad(6, async () => {
      const pre = precert();
      logged.push({ sct: await log.addPreChain([pre, ...chain]), entry: precertEntry(pre, chain[0] as Buffer) });
    });
    await eventually("some entries were logged", () => load.ok >= 30);
    await nextSecond();
    keyFiles = [first, second]; // `rotate ct` writes the new key before it records the shard
    await rotateShard(db.sql, 'ct', spkiOf(second), new Date());
    const newLogId = (await logShards(db.sql, 'ct'))[1]?.publicKey;
    assert.ok(newLogId);
    await eventually('entries land in the new shard', () => logged.some((l) => verifySct(l.sct, l.entry, createPublicKey(second))));
    const switchedAt = logged.length;
    await eventually('more entries after the rotation', () => logged.length >= switchedAt + 30);
    const { failures } = await load.stop();

    assert.deepEqual(failures, [], 'no submission failed across the rotation');
    const byOld = logged.filter((l) => verifySct(l.sct, l.entry, createPublicKey(first)));
    const byNew = logged.filter((l) => verifySct(l.sct, l.entry, createPublicKey(second)));
    assert.equal(byOld.length + byNew.length, logged.length, 'every SCT verifies under one of the two keys');
    assert.ok(byOld.length >= 30 && byNew.length >= 30);
    assert.ok(logged.slice(-10).every((l) => byNew.includes(l)), 'the last ones under the new key');
    assert.ok(log.signer.spki.equals(spkiOf(second)));

    const [frozen, current] = await logShards(db.sql, 'ct');
    assert.equal(frozen?.frozenSize, byOld.length, 'the frozen shard holds exactly what the old key signed');
    // sigstore-js accepts an SCT only inside its log's validFor: every SCT falls in its shard's window.
    assert.ok(byOld.every((l) => l.sct.timestamp <= (frozen?.frozenAt as Date).getTime()), 'old SCTs before the frozen shard ends');
    assert.ok(byNew.every((l) => l.sct.timestamp >= (current?.activeFrom as Date).getTime()), 'new SCTs after the new shard starts');
    const shard1 = await log.shard(1);
    const shard2 = await log.shard(2);
    assert.ok(shard1 && shard2);
    const sth1 = await shard1.sth();
    assert.equal(sth1.treeSize, byOld.length);
    assert.ok(verifyTreeHead(sth1, createPublicKey(first)), 'the frozen shard serves its last head, by the old key');
    const sth2 = await shard2.sth();
    assert.equal(sth2.treeSize, byNew.length);
    assert.ok(verifyTreeHead(sth2, createPublicKey(second)));
    assert.equal(shard2.treeId, current?.treeId);
    assert.equal((await shard1.entries(0, 4)).length, 5, 'the frozen shard still serves its entries');
    assert.equal(await log.shard(3), undefined);
  });

  it('refuses to follow to a shard whose key the key files do not hold, and stays on the shard it was on', async () => {
    const third = newKey();
    await nextSecond();
    await rotateShard(db.sql, 'ct', spkiOf(third), new Date());
    keyFiles = [first, second, newKey()]; // the operator has not put the new key in place yet
    const onShard2 = log.treeId;
    await assert.rejects(log.follow(), /the CT log rotated to shard 3 \(tree \d+\), whose key is in none of the test key files yet; still on shard 2/);
    assert.equal(log.treeId, onShard2);
    assert.ok(log.signer.spki.equals(spkiOf(second)), 'no key other than the shard’s is ever used');
    keyFiles = [third];
    await log.follow();
    await log.follow(); // idempotent
    assert.ok(log.signer.spki.equals(spkiOf(third)));
    const pre = precert();
    assert.ok(verifySct(await log.addPreChain([pre, ...chain]), precertEntry(pre, chain[0] as Buffer), createPublicKey(third)));
  });
});

describe('a running server follows `sealhouse rotate ct` under load', { timeout: 240_000, skip: usingPostgres() ? false : 'needs `sealhouse rotate` in another process on the same database; the embedded PGlite store is single-process' }, () => {
  let server: TestServer;
  let sql: PgSql;
  let dir: string;
  const IDENTITY = 'ct-live-rotation@example.test';
  const artifact = (): string => join(dir, 'artifact.txt');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealhouse-ct-live-'));
    writeFileSync(artifact(), 'signed before and after a CT key rotation\n');
    server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1', SEALHOUSE_ROTATION_POLL_MS: '200' });
    sql = new PgSql({ connectionString: server.env.DATABASE_URL as string, schema: server.env.SEALHOUSE_DB_SCHEMA as string });
  });
  after(async () => {
    await sql?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (): Promise<string> => (server.running.ca.keys.devIssuer as NonNullable<typeof server.running.ca.keys.devIssuer>).mint({ email: IDENTITY, ttlSeconds: 3600 });
  async function signedBundle(): Promise<SerializedBundle> {
    const signed = await runAsync(process.execPath, [SIGN_KEYLESS, artifact(), '--url', server.url, '--token', await token()], { encoding: 'utf8' });
    return JSON.parse(signed.stdout) as SerializedBundle;
  }
  function sigstoreJsVerify(root: unknown, bundle: SerializedBundle): void {
    new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle), readFileSync(artifact())));
  }
  const sth = async (path: string): Promise<{ tree_size: number }> => {
    const res = await fetch(`${server.url}${path}/ct/v1/get-sth`);
    assert.equal(res.status, 200, `${path}/ct/v1/get-sth`);
    return (await res.json()) as { tree_size: number };
  };

  it('answers every certificate request across the rotation, then logs under the new key; both shards are served', async () => {
    const before1 = await signedBundle();
    const oldKey = readFileSync(join(server.dataDir, 'ct-key.pem'), 'utf8');
    const jwt = await token();
    const load = steadyLoad(4, async () => void (await requestCertificate(server.url, jwt, IDENTITY)));
    await eventually('some certificates were issued', () => load.ok >= 20);
    await nextSecond();

    const out = await rotateInAnotherProcess(['ct'], server.env);
    assert.match(out, /the CT log: shard 2 \(tree \d+\) takes entries at http:\/\/127\.0\.0\.1\/shards\/2\/ct\/v1 from .*; shard 1 \(tree \d+\) is frozen at \d+ entries[^]*Running servers switch/);
    assert.equal(readFileSync(join(server.dataDir, 'ct-key.retired-1.pem'), 'utf8'), oldKey, 'the old key is kept');
    assert.ok(!existsSync(join(server.dataDir, 'ct-key.next.pem')));
    const newKeyPem = readFileSync(join(server.dataDir, 'ct-key.pem'), 'utf8');
    await eventually('the server logs to the new shard', async () => (await sth('/shards/2')).tree_size >= 20);
    const { failures } = await load.stop();
    assert.deepEqual(failures, [], 'no certificate request failed across the rotation');

    const [frozen, current] = await logShards(sql, 'ct');
    assert.equal((await sth('')).tree_size, frozen?.frozenSize, 'the frozen shard keeps serving its final head at its old path');
    assert.ok(current?.publicKey?.equals(spkiOf(createPrivateKey(newKeyPem))));
    assert.ok(server.running.ca.ct.signer.spki.equals(current?.publicKey as Buffer));

    const after1 = await signedBundle();
    // The trusted root once the trust documents list every shard (the coordinator's rewrite):
    // built here from log_shards over the document the server serves.
    const served = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as Parameters<typeof withCtShards>[1];
    const root = await withCtShards(sql, served, served.ctlogs[0]?.baseUrl ?? '');
    assert.equal(root.ctlogs.length, 2);
    sigstoreJsVerify(root, before1);
    sigstoreJsVerify(root, after1);
    // The later SCT is the new key's: with only the new shard trusted, only the later bundle verifies.
    const onlyNew = { ...root, ctlogs: root.ctlogs.slice(1) };
    sigstoreJsVerify(onlyNew, after1);
    assert.throws(() => sigstoreJsVerify(onlyNew, before1));
  });
});

describe('`sealhouse rotate ct` with the server stopped (any store), then a start on the new shard', { timeout: 120_000 }, () => {
  it('keeps the old key as ct-key.retired-1.pem, starts on shard 2 with the new key, serves shard 1 at its path, and refuses a configured key already used', async () => {
    const server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1' });
    try {
      const devIssuer = server.running.ca.keys.devIssuer as NonNullable<typeof server.running.ca.keys.devIssuer>;
      await requestCertificate(server.url, await devIssuer.mint({ email: 'stopped@example.test' }), 'stopped@example.test');
      const oldKey = readFileSync(join(server.dataDir, 'ct-key.pem'), 'utf8');
      const oldSpki = spkiOf(createPrivateKey(oldKey));
      await server.stop();
      await nextSecond();
      const env = { ...process.env, ...server.env };
      const rotated = await runCli(['rotate', 'ct'], { env });
      assert.equal(rotated.status, 0, rotated.stderr);
      assert.match(rotated.stdout, usingPostgres() ? /Running servers switch/ : /Start the server again now/);
      assert.equal(readFileSync(join(server.dataDir, 'ct-key.retired-1.pem'), 'utf8'), oldKey);
      const newSpki = spkiOf(createPrivateKey(readFileSync(join(server.dataDir, 'ct-key.pem'), 'utf8')));
      assert.ok(!newSpki.equals(oldSpki));

      // The old key configured again: the database refuses to put a key into use a second time.
      writeFileSync(join(server.dataDir, 'old-ct-key.pem'), oldKey, { mode: 0o600 });
      const reused = await runCli(['rotate', 'ct'], { env: { ...env, SEALHOUSE_CT_KEY: join(server.dataDir, 'old-ct-key.pem') } });
      assert.notEqual(reused.status, 0);
      assert.match(reused.stderr, /this key already signed shard 1 .* a log key is never used for a second shard/);

      const again = await startTestServer(server.env);
      try {
        assert.ok(again.running.ca.ct.signer.spki.equals(newSpki), 'a start signs with the shard in use');
        const sth1 = await (await fetch(`${again.url}/ct/v1/get-sth`)).json() as { tree_size: number };
        const sth2 = await (await fetch(`${again.url}/shards/2/ct/v1/get-sth`)).json() as { tree_size: number };
        assert.equal(sth1.tree_size, 1, 'the frozen shard serves its final head at its old path');
        assert.equal(sth2.tree_size, 0);
        assert.equal((await fetch(`${again.url}/shards/3/ct/v1/get-sth`)).status, 404);
        assert.equal((await fetch(`${again.url}/shards/1/ct/v1/get-sth`)).status, 404, 'shard 1 lives at the base path only');
      } finally {
        await again.stop();
      }
    } finally {
      await server.close();
    }
  });
});
