/**
 * GET /tuf/* on a running server: tuf-js, trusting only 1.root.json, downloads the instance's
 * own trusted_root.json; unknown and traversing names are 404; a missing repository says how to make one.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Updater } from 'tuf-js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let work: string;
let server: TestServer;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sealhouse-tuf-router-'));
  server = await startTestServer({ SEALHOUSE_TUF_DIR: join(work, 'repo') });
});
after(async () => { await server.close(); rmSync(work, { recursive: true, force: true }); });

test('before `tuf init` the routes answer 404 saying to run it', async () => {
  const res = await fetch(`${server.url}/tuf/timestamp.json`);
  assert.equal(res.status, 404);
  assert.match(await res.text(), /sealhouse tuf init/);
});

test('tuf-js fetches the served trusted_root.json through /tuf, with the caching the names call for', async () => {
  const trustedRoot = await (await fetch(`${server.url}/trusted_root.json`)).text();
  const signingConfig = await (await fetch(`${server.url}/signing_config.v0.2.json`)).text();
  writeFileSync(join(work, 'tr.json'), trustedRoot);
  writeFileSync(join(work, 'sc.json'), signingConfig);
  const init = await runCli(['tuf', 'init', '--offline-keys', join(work, 'offline'), '--online-keys', join(work, 'online'), '--repo', join(work, 'repo'), '--trusted-root', join(work, 'tr.json'), '--signing-config', join(work, 'sc.json')]);
  assert.equal(init.status, 0, init.stderr);

  const client = join(work, 'client');
  mkdirSync(join(client, 'meta'), { recursive: true });
  mkdirSync(join(client, 'targets'), { recursive: true });
  copyFileSync(join(work, 'repo', '1.root.json'), join(client, 'meta', 'root.json'));
  const updater = new Updater({ metadataDir: join(client, 'meta'), metadataBaseUrl: `${server.url}/tuf`, targetDir: join(client, 'targets'), targetBaseUrl: `${server.url}/tuf/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo('trusted_root.json');
  assert.ok(info);
  assert.equal(readFileSync(await updater.downloadTarget(info, join(client, 'targets', 'trusted_root.json')), 'utf8'), trustedRoot);

  const timestamp = await fetch(`${server.url}/tuf/timestamp.json`);
  assert.equal(timestamp.headers.get('cache-control'), 'no-cache');
  assert.match(timestamp.headers.get('content-type') ?? '', /application\/json/);
  assert.match((await fetch(`${server.url}/tuf/1.root.json`)).headers.get('cache-control') ?? '', /immutable/);
});

test('names outside the repository layout are 404, traversal included', async () => {
  writeFileSync(join(work, 'secret.json'), '{}');
  for (const path of ['/tuf/..%2Fsecret.json', '/tuf/targets/..%2F..%2Fsecret.json', '/tuf/%2E%2E/secret.json', '/tuf/2.root.json', '/tuf/keys', '/tuf/targets/trusted_root.json']) {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 404, path);
  }
});
