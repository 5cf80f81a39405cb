/**
 * `sealhouse rotate log` against a live server, with the real clients. The CLI runs in its own
 * process while the server takes a steady stream of entries: no request fails, every
 * acknowledged entry is there afterwards, and the server moves to the new shard by itself — on
 * Postgres through the rotation watch, on the embedded database (which only the server may
 * open) because the CLI hands the rotation to the server through its control socket. Then:
 * GET /api/v1/log lists the frozen shard in inactiveShards, indexes go on across shards,
 * rekor-cli reads and verifies entries of both shards, and cosign verifies a bundle logged
 * before the rotation and one logged after with the served trusted root, which now lists both
 * log keys.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { hashedrekord } from '../helpers/hostile-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const go = locateGoBin(['cosign', 'rekor-cli']);

interface LogInfoJson {
  treeID: string;
  treeSize: number;
  inactiveShards: { treeID: string; treeSize: number; rootHash: string; signedTreeHead: string }[] | null;
}
interface TlogJson { publicKey: { validFor: { start: string; end?: string } }; logId: { keyId: string } }

describe('rotating the Rekor v1 log key', { skip: go.skip, timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sealhouse-log-rotation-'));
  const file = (name: string): string => join(tmp, name);
  const env = { HOME: join(tmp, 'home'), TUF_ROOT: join(tmp, 'tuf'), COSIGN_PASSWORD: '' };
  let first: TestServer;
  let server: TestServer;
  const tool = (name: string) => (args: string[]): Promise<RunResult> => run(join(go.dir, name), args, env, 90_000);
  const cosign = tool('cosign');
  const rekorCli = (args: string[]): Promise<RunResult> => tool('rekor-cli')([...args, '--rekor_server', server.url]);
  const ok = (r: RunResult, what: string): string => {
    assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
  const monitorOnce = (root: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    runCli(['monitor', '--url', server.url, '--trusted-root', root, '--state', file('monitor-state.json'), '--once', '--retries', '2'], { timeoutMs: 60_000 });
  const logInfo = async (): Promise<LogInfoJson> => (await (await fetch(`${server.url}/api/v1/log`)).json()) as LogInfoJson;

  /** cosign signs a blob with its key and logs it to Rekor v1; the bundle goes to <name>.bundle.json. */
  async function signBlob(name: string): Promise<void> {
    writeFileSync(file(`${name}.txt`), `${name}: logged around a log key rotation\n`);
    ok(
      await cosign(['sign-blob', '--yes', '--key', file('cosign.key'), '--use-signing-config=false', '--rekor-url', server.url, '--bundle', file(`${name}.bundle.json`), file(`${name}.txt`)]),
      `cosign sign-blob ${name}`,
    );
  }
  const verifyBlob = (name: string, root: string): Promise<RunResult> =>
    cosign(['verify-blob', '--key', file('cosign.pub'), '--bundle', file(`${name}.bundle.json`), '--trusted-root', root, file(`${name}.txt`)]);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  let loadCount = 0;
  /** One fresh hashedrekord entry over HTTP: its status and, when created, its log index and entry ID. */
  async function submitOne(): Promise<{ status: number; index?: number; id?: string; text?: string }> {
    const artifact = `load entry ${loadCount++} ${process.hrtime.bigint()}`;
    const res = await fetch(`${server.url}/api/v1/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hashedrekord(keyPem, sign('sha256', Buffer.from(artifact), privateKey), artifact)),
    });
    if (res.status !== 201) return { status: res.status, text: await res.text() };
    const [[id, entry]] = Object.entries((await res.json()) as Record<string, { logIndex: number }>) as [[string, { logIndex: number }]];
    return { status: 201, index: entry.logIndex, id };
  }

  before(async () => {
    first = await startTestServer({ SEALHOUSE_ROTATION_POLL_MS: '200' });
    server = first;
    const keys = await cosign(['generate-key-pair', '--output-key-prefix', file('cosign')]);
    assert.equal(keys.code, 0, keys.stderr);
  });
  after(async () => {
    if (server !== first) await server?.close();
    await first?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  let oldTreeId: string;
  const acknowledged: { index: number; id: string }[] = [];

  it(`rotates from another process while the server takes entries${usingPostgres() ? '' : ' (handed over through the control socket)'}; no request fails`, async () => {
    await signBlob('before');
    oldTreeId = (await logInfo()).treeID;
    // An auditor's monitor has followed the log so far, with the trusted root of before the rotation.
    writeFileSync(file('root-before.json'), await (await fetch(`${server.url}/trusted_root.json`)).text());
    const followed = await monitorOnce(file('root-before.json'));
    assert.equal(followed.status, 0, followed.stdout + followed.stderr);
    const rotate = (): Promise<{ status: number | null; stdout: string; stderr: string }> => runCli(['rotate', 'log'], { env: { ...process.env, ...first.env } });
    let rotating = true;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (rotating) {
        const r = await submitOne();
        if (r.status === 201) acknowledged.push({ index: r.index as number, id: r.id as string });
        else failures.push(`${r.status} ${r.text ?? ''}`);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rotated = await rotate();
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /shard 2 \(tree \d+\) takes entries/);
    if (!usingPostgres()) assert.match(rotated.stdout, /The running server has switched already/);
    // Keep the load on until the server has moved to the new shard by itself.
    const deadline = Date.now() + 20_000;
    while ((await logInfo()).treeID === oldTreeId && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    rotating = false;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} entries went through`);
    assert.ok(existsSync(join(first.dataDir, 'log-key.retired-1.pem')), 'the old key is kept beside the new one');
  });

  it('GET /api/v1/log: a new active shard, the old one in inactiveShards; indexes are global and nothing acknowledged is lost', async () => {
    const info = await logInfo();
    assert.notEqual(info.treeID, oldTreeId);
    assert.equal(info.inactiveShards?.length, 1);
    const frozen = info.inactiveShards?.[0];
    assert.equal(frozen?.treeID, oldTreeId);
    assert.match(frozen?.signedTreeHead ?? '', new RegExp(` - ${oldTreeId}\\n${frozen?.treeSize}\\n`));
    const total = info.treeSize + (frozen?.treeSize ?? 0);
    const indexes = acknowledged.map((a) => a.index);
    assert.equal(new Set(indexes).size, indexes.length, 'no index given twice');
    assert.ok(Math.max(...indexes) < total);
    // Every acknowledged entry is there, under the entry ID it was acknowledged with.
    for (const a of acknowledged) {
      const res = await fetch(`${server.url}/api/v1/log/entries?logIndex=${a.index}`);
      assert.equal(res.status, 200, `entry ${a.index}`);
      assert.deepEqual(Object.keys((await res.json()) as object), [a.id]);
    }
    const shardsSeen = new Set(acknowledged.map((a) => a.id.slice(0, 16)));
    assert.equal(shardsSeen.size, 2, 'acknowledged entries on both sides of the rotation');
    const key = await fetch(`${server.url}/api/v1/log/publicKey?treeID=${oldTreeId}`);
    assert.equal(key.status, 200);
    assert.notEqual(await key.text(), await (await fetch(`${server.url}/api/v1/log/publicKey`)).text());
  });

  it('the trusted root lists both log keys, the old one with its window closed', async () => {
    const root = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as { tlogs: TlogJson[] };
    // Rekor v1's shards come first, oldest first; the Rekor v2 log after them.
    const v1 = root.tlogs.slice(0, 2);
    assert.equal(root.tlogs.length, 3);
    assert.ok(v1[0]?.publicKey.validFor.end, 'the frozen shard key has an end');
    assert.equal(v1[1]?.publicKey.validFor.end, undefined);
    writeFileSync(file('trusted_root.json'), JSON.stringify(root));
  });

  it('cosign verifies a bundle logged before the rotation and one logged after, with the refreshed trusted root', async () => {
    await signBlob('after');
    for (const name of ['before', 'after']) assert.match(ok(await verifyBlob(name, file('trusted_root.json')), `cosign verify-blob ${name}`), /Verified OK/);
    // With only the new key trusted, the old bundle is refused.
    const root = JSON.parse(await (await fetch(`${server.url}/trusted_root.json`)).text()) as { tlogs: TlogJson[] };
    root.tlogs = root.tlogs.slice(1);
    writeFileSync(file('new_key_only.json'), JSON.stringify(root));
    assert.notEqual((await verifyBlob('before', file('new_key_only.json'))).code, 0);
  });

  it('rekor-cli reads and verifies entries of both shards by global index, and loginfo works across the rotation', async () => {
    const oldest = acknowledged[0] as { index: number; id: string };
    const newest = acknowledged[acknowledged.length - 1] as { index: number; id: string };
    for (const a of [oldest, newest]) {
      const out = ok(await rekorCli(['get', '--log-index', String(a.index), '--format', 'json']), `rekor-cli get --log-index ${a.index}`);
      const got = JSON.parse(out.slice(out.indexOf('{'))) as { LogIndex: number; UUID: string };
      assert.equal(got.LogIndex, a.index);
      assert.equal(got.UUID, a.id);
      ok(await rekorCli(['get', '--uuid', a.id, '--format', 'json']), `rekor-cli get --uuid ${a.id}`);
    }
    ok(await rekorCli(['loginfo']), 'rekor-cli loginfo');
  });

  it('sealhouse monitor follows the rotation: the saved tree grew to its frozen final size, then the new shard is followed', async () => {
    // With the old trusted root the new shard's checkpoint is signed by an unknown key: refused.
    const stale = await monitorOnce(file('root-before.json'));
    assert.notEqual(stale.status, 0, stale.stdout + stale.stderr);
    // With the refreshed root (both keys) the rotation is proven and followed.
    const rotated = await monitorOnce(file('trusted_root.json'));
    assert.equal(rotated.status, 0, rotated.stdout + rotated.stderr);
    assert.match(rotated.stdout + rotated.stderr, /the log rotated its key: the saved tree grew consistently to its final size \d+/);
    await submitOne();
    const next = await monitorOnce(file('trusted_root.json'));
    assert.equal(next.status, 0, next.stdout + next.stderr);
    assert.match(next.stdout + next.stderr, /consistent: size \d+ → \d+/);
  });

  it('sealhouse fsck checks both shards, each with its own key (SETs over the global index)', async () => {
    await server.stop();
    const r = await runCli(['fsck', '--tree', 'rekor'], { env: { ...process.env, ...first.env } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`rekor tree ${oldTreeId}: \\d+ entries`));
    assert.match(r.stdout, /rekor shard 2 tree \d+: \d+ entries, .* (\d+) SETs/);
  });
});
