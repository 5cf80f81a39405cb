/**
 * The repository `sealhouse tuf init|update` writes, read by the real TUF client (tuf-js):
 * it accepts the genuine repository and refuses each tampered twin.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Updater } from 'tuf-js';
import { runCli } from '../helpers/cli.js';
import { loadRoleKeys, ONLINE_ROLES } from '../../src/tuf/role-keys.js';
import { refreshRepository, writeTimestamp } from '../../src/tuf/repository.js';

let work: string;
let server: Server;
let base: string;
let served: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sealhouse-tuf-'));
  // A plain static server over whichever repository copy `served` names (the router is not under test here).
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/tuf\//, ''));
    try { res.end(readFileSync(join(served, name))); } catch { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tuf`;
});
after(() => { server.close(); rmSync(work, { recursive: true, force: true }); });

interface MadeRepo { readonly offline: string; readonly online: string; readonly repo: string; readonly docs: string[] }

async function makeRepo(name: string, trustedRoot: string): Promise<MadeRepo> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tr.json'), trustedRoot);
  writeFileSync(join(dir, 'sc.json'), '{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}\n');
  const made = { offline: join(dir, 'offline'), online: join(dir, 'online'), repo: join(dir, 'repo'), docs: ['--trusted-root', join(dir, 'tr.json'), '--signing-config', join(dir, 'sc.json')] };
  const result = await runCli(['tuf', 'init', '--offline-keys', made.offline, '--online-keys', made.online, '--repo', made.repo, ...made.docs]);
  assert.equal(result.status, 0, result.stderr);
  return made;
}

/** A fresh client trusting only the repository's 1.root.json; resolves to the downloaded trusted_root.json. */
async function fetchTrustedRoot(root: string, clientDir = mkdtempSync(join(work, 'client-'))): Promise<string> {
  mkdirSync(join(clientDir, 'meta'), { recursive: true });
  mkdirSync(join(clientDir, 'targets'), { recursive: true });
  try { readFileSync(join(clientDir, 'meta', 'root.json')); } catch { copyFileSync(root, join(clientDir, 'meta', 'root.json')); }
  const updater = new Updater({ metadataDir: join(clientDir, 'meta'), metadataBaseUrl: base, targetDir: join(clientDir, 'targets'), targetBaseUrl: `${base}/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo('trusted_root.json');
  assert.ok(info, 'trusted_root.json is a target');
  const path = await updater.downloadTarget(info, join(clientDir, 'targets', 'trusted_root.json'));
  return readFileSync(path, 'utf8');
}

test('tuf-js downloads trusted_root.json from a repository made by `sealhouse tuf init`', async () => {
  const { repo } = await makeRepo('good', '{"mediaType":"good"}\n');
  served = repo;
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json')), '{"mediaType":"good"}\n');
});

test('`tuf init` puts root and targets in the offline directory, snapshot and timestamp in the online one, and never overwrites', async () => {
  const { offline, online, repo, docs } = await makeRepo('twice', '{}\n');
  assert.deepEqual(readdirSync(offline).sort(), ['root.pem', 'targets.pem']);
  assert.deepEqual(readdirSync(online).sort(), ['snapshot.pem', 'timestamp.pem']);
  for (const file of [join(offline, 'root.pem'), join(online, 'timestamp.pem')]) assert.equal(statSync(file).mode & 0o777, 0o600);
  const again = await runCli(['tuf', 'init', '--offline-keys', offline, '--online-keys', online, '--repo', `${repo}-2`, ...docs]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /refusing to overwrite/);
});

test('`tuf update` needs the offline targets key; `tuf refresh` needs only the online keys', async () => {
  const { online, repo, docs } = await makeRepo('offline-gone', '{}\n');
  const without = await runCli(['tuf', 'update', '--online-keys', online, '--repo', repo, ...docs]);
  assert.equal(without.status, 2, without.stderr);
  assert.match(without.stderr, /--offline-keys DIR is required/);
  const elsewhere = await runCli(['tuf', 'update', '--offline-keys', join(work, 'offline-gone', 'nowhere'), '--online-keys', online, '--repo', repo, ...docs]);
  assert.notEqual(elsewhere.status, 0);
  assert.match(elsewhere.stderr, /no TUF targets key at/);
  const refresh = await runCli(['tuf', 'refresh', '--online-keys', online, '--repo', repo]);
  assert.equal(refresh.status, 0, refresh.stderr);
  assert.match(refresh.stdout, /nothing was due/);
});

test('a key file others can read is refused', async () => {
  const { online, repo } = await makeRepo('loose-key', '{}\n');
  chmodSync(join(online, 'timestamp.pem'), 0o644);
  const refresh = await runCli(['tuf', 'refresh', '--online-keys', online, '--repo', repo]);
  assert.notEqual(refresh.status, 0);
  assert.match(refresh.stderr, /the TUF timestamp key file .* is readable by other users/);
});

test('tuf-js refuses a target whose bytes were edited', async () => {
  const { repo } = await makeRepo('tampered-target', '{"mediaType":"x"}\n');
  const file = readdirSync(join(repo, 'targets')).find((f) => f.endsWith('.trusted_root.json')) as string;
  writeFileSync(join(repo, 'targets', file), '{"mediaType":"y"}\n');
  served = repo;
  await assert.rejects(fetchTrustedRoot(join(repo, '1.root.json')));
});

test('tuf-js refuses metadata whose signed part was edited without re-signing', async () => {
  const { repo } = await makeRepo('tampered-meta', '{}\n');
  const path = join(repo, 'timestamp.json');
  const envelope = JSON.parse(readFileSync(path, 'utf8')) as { signed: { expires: string } };
  envelope.signed.expires = '2099-01-01T00:00:00Z';
  writeFileSync(path, JSON.stringify(envelope));
  served = repo;
  await assert.rejects(fetchTrustedRoot(join(repo, '1.root.json')), /signed by 0\/1 keys/);
});

test('tuf-js refuses an expired timestamp, and accepts the repository again once it is refreshed', async () => {
  const { online, repo } = await makeRepo('expired', '{}\n');
  const { timestamp } = loadRoleKeys(online, ['timestamp']);
  writeTimestamp(repo, timestamp, 2, 1, { now: new Date(Date.now() - 3 * 86_400_000) });
  served = repo;
  await assert.rejects(fetchTrustedRoot(join(repo, '1.root.json')), /expired/i);
  const refresh = await runCli(['tuf', 'refresh', '--online-keys', online, '--repo', repo]);
  assert.equal(refresh.status, 0, refresh.stderr);
  assert.match(refresh.stdout, /re-signed the timestamp/);
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json')), '{}\n');
});

test('refresh re-signs the snapshot past its half-life, then the timestamp past its own, and a client follows both', async () => {
  const { online, repo } = await makeRepo('half-life', '{"h":1}\n');
  served = repo;
  const client = mkdtempSync(join(work, 'client-'));
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"h":1}\n');
  const keys = loadRoleKeys(online, ONLINE_ROLES);
  const day = 86_400_000;
  assert.equal(refreshRepository(repo, keys, { now: new Date(Date.now() + 0.4 * day) }), 'nothing');
  assert.equal(refreshRepository(repo, keys, { now: new Date(Date.now() + 0.6 * day) }), 'timestamp');
  // From 0.6 days on, the new timestamp runs to 1.6 days: at 4 days the snapshot (7 days) is past half.
  assert.equal(refreshRepository(repo, keys, { now: new Date(Date.now() + 4 * day) }), 'snapshot and timestamp');
  assert.ok(readdirSync(repo).includes('2.snapshot.json'));
  // The snapshot moved on, the targets did not: a refreshing client still gets the same document.
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"h":1}\n');
});

test('tuf-js refuses a repository whose root is signed by a key the client does not trust', async () => {
  const trusted = await makeRepo('trusted', '{}\n');
  const other = await makeRepo('other', '{}\n');
  served = other.repo;
  await assert.rejects(fetchTrustedRoot(join(trusted.repo, '1.root.json')), /signed by 0\/1 keys/);
});

test('after `tuf update` with new documents a refreshing client gets the new trusted_root.json', async () => {
  const { offline, online, repo } = await makeRepo('update', '{"v":1}\n');
  served = repo;
  const client = mkdtempSync(join(work, 'client-'));
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"v":1}\n');
  writeFileSync(join(work, 'update', 'tr.json'), '{"v":2}\n');
  const result = await runCli(['tuf', 'update', '--offline-keys', offline, '--online-keys', online, '--repo', repo, '--trusted-root', join(work, 'update', 'tr.json'), '--signing-config', join(work, 'update', 'sc.json')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /signed new targets/);
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"v":2}\n');
});
