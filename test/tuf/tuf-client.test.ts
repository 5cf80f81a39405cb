/**
 * The repository `sealhouse tuf init|update` writes, read by the real TUF client (tuf-js):
 * it accepts the genuine repository and refuses each tampered twin.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Updater } from 'tuf-js';
import { runCli } from '../helpers/cli.js';
import { loadRoleKeys } from '../../src/tuf/role-keys.js';
import { writeTimestamp } from '../../src/tuf/repository.js';

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

async function makeRepo(name: string, trustedRoot: string): Promise<{ keys: string; repo: string }> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tr.json'), trustedRoot);
  writeFileSync(join(dir, 'sc.json'), '{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}\n');
  const result = await runCli(['tuf', 'init', '--keys', join(dir, 'keys'), '--repo', join(dir, 'repo'), '--trusted-root', join(dir, 'tr.json'), '--signing-config', join(dir, 'sc.json')]);
  assert.equal(result.status, 0, result.stderr);
  return { keys: join(dir, 'keys'), repo: join(dir, 'repo') };
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

test('`tuf init` refuses to overwrite existing keys', async () => {
  const { keys, repo } = await makeRepo('twice', '{}\n');
  const again = await runCli(['tuf', 'init', '--keys', keys, '--repo', `${repo}-2`, '--trusted-root', join(work, 'twice', 'tr.json'), '--signing-config', join(work, 'twice', 'sc.json')]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /refusing to overwrite/);
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

test('tuf-js refuses an expired timestamp', async () => {
  const { keys, repo } = await makeRepo('expired', '{}\n');
  const { timestamp } = loadRoleKeys(keys, ['timestamp']);
  writeTimestamp(repo, timestamp as NonNullable<typeof timestamp>, 2, 1, { now: new Date(Date.now() - 3 * 86_400_000) });
  served = repo;
  await assert.rejects(fetchTrustedRoot(join(repo, '1.root.json')), /expired/i);
});

test('tuf-js refuses a repository whose root is signed by a key the client does not trust', async () => {
  const trusted = await makeRepo('trusted', '{}\n');
  const other = await makeRepo('other', '{}\n');
  served = other.repo;
  await assert.rejects(fetchTrustedRoot(join(trusted.repo, '1.root.json')), /signed by 0\/1 keys/);
});

test('after `tuf update` with new documents a refreshing client gets the new trusted_root.json', async () => {
  const { keys, repo } = await makeRepo('update', '{"v":1}\n');
  served = repo;
  const client = mkdtempSync(join(work, 'client-'));
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"v":1}\n');
  writeFileSync(join(work, 'update', 'tr.json'), '{"v":2}\n');
  const result = await runCli(['tuf', 'update', '--keys', keys, '--repo', repo, '--trusted-root', join(work, 'update', 'tr.json'), '--signing-config', join(work, 'update', 'sc.json')]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /documents changed/);
  assert.equal(await fetchTrustedRoot(join(repo, '1.root.json'), client), '{"v":2}\n');
});
