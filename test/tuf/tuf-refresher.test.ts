/**
 * The server keeps its TUF repository valid with the online keys alone: a repository whose
 * timestamp has expired (the server was down for days) is re-signed when the server starts, so
 * tuf-js accepts it again without the offline keys; and the server says when the repository no
 * longer publishes the documents it serves, until `tuf update --from-server` signs them.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Updater } from 'tuf-js';
import { capturingLogger } from '../helpers/capturing-logger.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeTimestamp } from '../../src/tuf/repository.js';
import { TufRefresher } from '../../src/tuf/refresher.js';
import { loadRoleKeys } from '../../src/tuf/role-keys.js';

let work: string;
let server: TestServer;
const captured = capturingLogger();
const offline = (): string => join(work, 'offline');
const online = (): string => join(work, 'online');
const repo = (): string => join(work, 'repo');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sealhouse-tuf-refresher-'));
  // A repository of other documents whose timestamp expired two days ago.
  writeFileSync(join(work, 'tr.json'), '{"old":true}\n');
  writeFileSync(join(work, 'sc.json'), '{"old":true}\n');
  const init = await runCli(['tuf', 'init', '--offline-keys', offline(), '--online-keys', online(), '--repo', repo(), '--trusted-root', join(work, 'tr.json'), '--signing-config', join(work, 'sc.json')]);
  assert.equal(init.status, 0, init.stderr);
  writeTimestamp(repo(), loadRoleKeys(online(), ['timestamp']).timestamp, 2, 1, { now: new Date(Date.now() - 3 * 86_400_000) });
  server = await startTestServer({ SEALHOUSE_TUF_DIR: repo(), SEALHOUSE_TUF_KEYS_DIR: online() }, captured.logger);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

async function clientTrustedRoot(): Promise<string> {
  const client = mkdtempSync(join(work, 'client-'));
  mkdirSync(join(client, 'meta'));
  mkdirSync(join(client, 'targets'));
  copyFileSync(join(repo(), '1.root.json'), join(client, 'meta', 'root.json'));
  const updater = new Updater({ metadataDir: join(client, 'meta'), metadataBaseUrl: `${server.url}/tuf`, targetDir: join(client, 'targets'), targetBaseUrl: `${server.url}/tuf/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo('trusted_root.json');
  assert.ok(info);
  return readFileSync(await updater.downloadTarget(info, join(client, 'targets', 'trusted_root.json')), 'utf8');
}

test('a server started on an expired timestamp re-signs it with the online key, and tuf-js accepts the repository', async () => {
  const timestamp = (await (await fetch(`${server.url}/tuf/timestamp.json`)).json()) as { signed: { version: number; expires: string } };
  assert.equal(timestamp.signed.version, 3);
  assert.ok(Date.parse(timestamp.signed.expires) > Date.now() + 20 * 3_600_000, timestamp.signed.expires);
  assert.ok(captured.lines.some((l) => /re-signed the TUF timestamp with the online keys/.test(l.msg)));
  assert.equal(await clientTrustedRoot(), '{"old":true}\n');
});

test('the server warns that the repository does not publish its documents; `tuf update --from-server` signs them', async () => {
  assert.ok(captured.lines.some((l) => l.level === 40 && /does not publish the trust documents this server serves/.test(l.msg)));
  const update = await runCli(['tuf', 'update', '--offline-keys', offline(), '--online-keys', online(), '--repo', repo(), '--from-server', server.url]);
  assert.equal(update.status, 0, update.stderr);
  assert.match(update.stdout, /signed new targets/);
  assert.equal(await clientTrustedRoot(), await (await fetch(`${server.url}/trusted_root.json`)).text());
});

test('the refresher reports a stale repository once per change, not at every look', () => {
  const stale: number[] = [];
  const docs = { trustedRoot: Buffer.from('{"other":1}\n'), signingConfig: Buffer.from('{}\n') };
  const refresher = new TufRefresher(repo(), online(), docs, { onRefreshed: () => {}, onStale: () => stale.push(1), onError: (err) => assert.fail(String(err)) });
  refresher.refreshNow();
  refresher.refreshNow();
  assert.equal(stale.length, 1);
  const missing = new TufRefresher(join(work, 'no-repo'), online(), docs, { onRefreshed: () => assert.fail(), onStale: () => assert.fail(), onError: (err) => assert.fail(String(err)) });
  assert.equal(missing.active, false);
  assert.equal(missing.refreshNow(), 'nothing');
});

test('`tuf update --from-server` names a server that is not there', async () => {
  const result = await runCli(['tuf', 'update', '--offline-keys', offline(), '--online-keys', online(), '--repo', repo(), '--from-server', 'http://127.0.0.1:65533/']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^sealhouse: cannot fetch http:\/\/127\.0\.0\.1:65533\/trusted_root\.json \(.*refused.*\) — is --from-server the base URL of a running Sealhouse\?\n$/);
});
