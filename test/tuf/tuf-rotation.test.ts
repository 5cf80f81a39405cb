/**
 * `sealhouse tuf rotate-root` read by the real TUF client (tuf-js): a client that trusts
 * 1.root.json and has refreshed once follows to 2.root.json on its next refresh — for new root
 * and targets keys, and for new online keys — and a fresh client does too; a new root missing the
 * old root key's signature, or with that signature broken, is refused; the old offline directory
 * and stale online keys can no longer sign anything; the new keys are 0600.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Updater } from 'tuf-js';
import { runCli } from '../helpers/cli.js';
import { loadRoleKeys } from '../../src/tuf/role-keys.js';
import { signEnvelope, type RootSigned, type Envelope } from '../../src/tuf/metadata.js';
import { TufRefresher } from '../../src/tuf/refresher.js';

let work: string;
let server: Server;
let base: string;
let served: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sealhouse-tuf-rotation-'));
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/tuf\//, ''));
    try { res.end(readFileSync(join(served, name))); } catch { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tuf`;
});
after(() => { server.close(); rmSync(work, { recursive: true, force: true }); });

interface MadeRepo { readonly dir: string; readonly offline: string; readonly online: string; readonly repo: string; readonly docs: string[] }

async function makeRepo(name: string, trustedRoot: string): Promise<MadeRepo> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tr.json'), trustedRoot);
  writeFileSync(join(dir, 'sc.json'), '{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}\n');
  const made = { dir, offline: join(dir, 'offline'), online: join(dir, 'online'), repo: join(dir, 'repo'), docs: ['--trusted-root', join(dir, 'tr.json'), '--signing-config', join(dir, 'sc.json')] };
  const result = await runCli(['tuf', 'init', '--offline-keys', made.offline, '--online-keys', made.online, '--repo', made.repo, ...made.docs]);
  assert.equal(result.status, 0, result.stderr);
  served = made.repo;
  return made;
}

const tuf = (args: string[]) => runCli(['tuf', ...args]);

/** A client trusting only 1.root.json (on its first call); resolves to trusted_root.json and the root version it now trusts. */
async function refreshClient(root: string, clientDir = mkdtempSync(join(work, 'client-'))): Promise<{ text: string; rootVersion: number }> {
  mkdirSync(join(clientDir, 'meta'), { recursive: true });
  mkdirSync(join(clientDir, 'targets'), { recursive: true });
  if (!existsSync(join(clientDir, 'meta', 'root.json'))) copyFileSync(root, join(clientDir, 'meta', 'root.json'));
  const updater = new Updater({ metadataDir: join(clientDir, 'meta'), metadataBaseUrl: base, targetDir: join(clientDir, 'targets'), targetBaseUrl: `${base}/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo('trusted_root.json');
  assert.ok(info, 'trusted_root.json is a target');
  const path = await updater.downloadTarget(info, join(clientDir, 'targets', `trusted_root-${Date.now()}.json`));
  const trusted = JSON.parse(readFileSync(join(clientDir, 'meta', 'root.json'), 'utf8')) as Envelope<RootSigned>;
  return { text: readFileSync(path, 'utf8'), rootVersion: trusted.signed.version };
}

const readRoot = (path: string): Envelope<RootSigned> => JSON.parse(readFileSync(path, 'utf8')) as Envelope<RootSigned>;

test('rotate-root (root and targets): a refreshing client follows to 2.root.json and the re-signed targets; the old offline keys are done', async () => {
  const r = await makeRepo('offline', '{"o":1}\n');
  const client = mkdtempSync(join(work, 'client-'));
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json'), client), { text: '{"o":1}\n', rootVersion: 1 });
  const next = join(r.dir, 'offline-2');
  const rotated = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', next, '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /signed 2\.root\.json with the old and the new root key, listing new root, targets keys; re-signed the targets as version 2/);

  // 2.root.json: new root and targets keys, same online keys, signed by the old root key and the new.
  const oldKeys = loadRoleKeys(r.offline, ['root', 'targets']);
  const newKeys = loadRoleKeys(next, ['root', 'targets']);
  const online = loadRoleKeys(r.online, ['snapshot', 'timestamp']);
  const root2 = readRoot(join(r.repo, '2.root.json'));
  assert.equal(root2.signed.version, 2);
  assert.deepEqual(root2.signed.roles.root.keyids, [newKeys.root.keyid]);
  assert.deepEqual(root2.signed.roles.targets.keyids, [newKeys.targets.keyid]);
  assert.deepEqual(root2.signed.roles.timestamp.keyids, [online.timestamp.keyid]);
  assert.deepEqual(root2.signatures.map((s) => s.keyid).sort(), [oldKeys.root.keyid, newKeys.root.keyid].sort());
  assert.notEqual(newKeys.root.keyid, oldKeys.root.keyid);
  assert.deepEqual(readFileSync(join(r.repo, 'root.json')), readFileSync(join(r.repo, '2.root.json')));
  assert.deepEqual(readdirSync(next).sort(), ['root.pem', 'targets.pem']);
  for (const file of readdirSync(next)) assert.equal(statSync(join(next, file)).mode & 0o777, 0o600);
  assert.equal(statSync(next).mode & 0o777, 0o700);

  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json'), client), { text: '{"o":1}\n', rootVersion: 2 }, 'the refreshing client');
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json')), { text: '{"o":1}\n', rootVersion: 2 }, 'a fresh client on 1.root.json');

  // The old offline directory signs nothing any more: update and a second rotation with it are refused before writing.
  writeFileSync(join(r.dir, 'tr.json'), '{"o":2}\n');
  const stale = await tuf(['update', '--offline-keys', r.offline, '--online-keys', r.online, '--repo', r.repo, ...r.docs]);
  assert.equal(stale.status, 1, stale.stderr);
  assert.match(stale.stderr, /the TUF targets key given .* is not the targets key of 2\.root\.json: if the root was rotated/);
  const again = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', join(r.dir, 'offline-x'), '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(again.status, 1, again.stderr);
  assert.match(again.stderr, /is not the root key of 2\.root\.json/);
  assert.ok(!existsSync(join(r.dir, 'offline-x')), 'a refused rotation wrote no keys');
  assert.ok(!existsSync(join(r.repo, '3.root.json')));

  // The new directory does: update with it is followed by the same client.
  const update = await tuf(['update', '--offline-keys', next, '--online-keys', r.online, '--repo', r.repo, ...r.docs]);
  assert.equal(update.status, 0, update.stderr);
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json'), client), { text: '{"o":2}\n', rootVersion: 2 });
});

test('rotate-root --roles root keeps the targets key (copied into the new directory) and the targets version', async () => {
  const r = await makeRepo('root-only', '{"r":1}\n');
  const next = join(r.dir, 'offline-2');
  const rotated = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', next, '--roles', 'root', '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.doesNotMatch(rotated.stdout, /re-signed the targets/);
  assert.deepEqual(readFileSync(join(next, 'targets.pem')), readFileSync(join(r.offline, 'targets.pem')));
  assert.ok(!existsSync(join(r.repo, '2.targets.json')));
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json')), { text: '{"r":1}\n', rootVersion: 2 });
});

test('rotate-root --roles snapshot,timestamp replaces the online keys in place; the client follows and refresh signs with the new keys', async () => {
  const r = await makeRepo('online', '{"n":1}\n');
  const client = mkdtempSync(join(work, 'client-'));
  assert.equal((await refreshClient(join(r.repo, '1.root.json'), client)).rootVersion, 1);
  const previousKeys = loadRoleKeys(r.online, ['snapshot', 'timestamp']);
  const staleOnline = join(r.dir, 'online-copy');
  cpSync(r.online, staleOnline, { recursive: true });
  const withNewDir = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', join(r.dir, 'x'), '--roles', 'snapshot,timestamp', '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(withNewDir.status, 2, 'a new offline directory with no offline role to rotate is a usage error');
  const rotated = await tuf(['rotate-root', '--offline-keys', r.offline, '--roles', 'timestamp,snapshot', '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /listing new snapshot, timestamp keys; new snapshot 2 and timestamp 2\. New online keys in .*retired-1\.pem/);
  assert.deepEqual(readdirSync(r.online).sort(), ['snapshot.pem', 'snapshot.retired-1.pem', 'timestamp.pem', 'timestamp.retired-1.pem']);
  for (const file of readdirSync(r.online)) assert.equal(statSync(join(r.online, file)).mode & 0o777, 0o600);
  const rotatedKeys = loadRoleKeys(r.online, ['snapshot', 'timestamp']);
  assert.notEqual(rotatedKeys.timestamp.keyid, previousKeys.timestamp.keyid);
  const root2 = readRoot(join(r.repo, '2.root.json'));
  assert.deepEqual(root2.signed.roles.timestamp.keyids, [rotatedKeys.timestamp.keyid]);
  assert.deepEqual(root2.signatures.length, 1, 'the root key did not rotate: one signature, by it');
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json'), client), { text: '{"n":1}\n', rootVersion: 2 });

  // A server still holding the old online keys is refused rather than signing what clients refuse.
  const stale = await tuf(['refresh', '--online-keys', staleOnline, '--repo', r.repo]);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /the TUF snapshot key given .* is not the snapshot key of 2\.root\.json/);
  const refresh = await tuf(['refresh', '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(refresh.status, 0, refresh.stderr);

  // The server's refresher reads the keys at every look: with the replaced directory it re-signs with
  // the new keys when due; pointed at a stale copy it fails (reported through onError) instead of
  // publishing a timestamp that clients holding 2.root.json would refuse.
  const docs = { trustedRoot: readFileSync(join(r.dir, 'tr.json')), signingConfig: readFileSync(join(r.dir, 'sc.json')) };
  const events = { onRefreshed: () => {}, onStale: () => assert.fail('stale'), onError: (err: unknown) => assert.fail(String(err)) };
  const later = new Date(Date.now() + 0.6 * 86_400_000);
  assert.throws(() => new TufRefresher(r.repo, staleOnline, docs, events).refreshNow(later), /the TUF snapshot key given .* is not the snapshot key of 2\.root\.json/);
  assert.equal(new TufRefresher(r.repo, r.online, docs, events).refreshNow(later), 'timestamp');
  const timestamp = JSON.parse(readFileSync(join(r.repo, 'timestamp.json'), 'utf8')) as Envelope;
  assert.deepEqual(timestamp.signatures.map((sig) => sig.keyid), [rotatedKeys.timestamp.keyid]);
  assert.deepEqual(await refreshClient(join(r.repo, '1.root.json'), client), { text: '{"n":1}\n', rootVersion: 2 });
});

test('a client refuses a 2.root.json without the old root key’s signature, or with it broken', async () => {
  const r = await makeRepo('broken', '{"b":1}\n');
  const next = join(r.dir, 'offline-2');
  const rotated = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', next, '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(rotated.status, 0, rotated.stderr);
  const path = join(r.repo, '2.root.json');
  const genuine = readFileSync(path);
  const oldRoot = loadRoleKeys(r.offline, ['root']).root;
  const newRoot = loadRoleKeys(next, ['root']).root;
  try {
    // Signed by the new root key alone: a key the client has no reason to trust yet.
    writeFileSync(path, JSON.stringify(signEnvelope(readRoot(path).signed, newRoot)));
    await assert.rejects(refreshClient(join(r.repo, '1.root.json')), /root was signed by 0\/1 keys/);
    // Both signatures, the old one with a flipped bit.
    const envelope = JSON.parse(genuine.toString('utf8')) as { signatures: { keyid: string; sig: string }[] };
    const old = envelope.signatures.find((s) => s.keyid === oldRoot.keyid)!;
    old.sig = `${old.sig.slice(0, -1)}${old.sig.endsWith('0') ? '1' : '0'}`;
    writeFileSync(path, JSON.stringify(envelope));
    await assert.rejects(refreshClient(join(r.repo, '1.root.json')), /root was signed by 0\/1 keys/);
    // Signed by the old key alone: the new root does not vouch for itself.
    writeFileSync(path, JSON.stringify(signEnvelope(readRoot(join(r.repo, 'root.json')).signed, oldRoot)));
    await assert.rejects(refreshClient(join(r.repo, '1.root.json')), /root was signed by 0\/1 keys/);
  } finally {
    writeFileSync(path, genuine);
  }
  assert.equal((await refreshClient(join(r.repo, '1.root.json'))).rootVersion, 2);
});

test('rotate-root refuses bad input before writing anything', async () => {
  const r = await makeRepo('refusals', '{}\n');
  const noNew = await tuf(['rotate-root', '--offline-keys', r.offline, '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(noNew.status, 2);
  assert.match(noNew.stderr, /--new-offline-keys NEW_DIR is required/);
  const badRole = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', join(r.dir, 'n'), '--roles', 'root,mirror', '--repo', r.repo]);
  assert.equal(badRole.status, 2);
  assert.match(badRole.stderr, /--roles takes a comma-separated list/);
  const intoOld = await tuf(['rotate-root', '--offline-keys', r.offline, '--new-offline-keys', r.offline, '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(intoOld.status, 1);
  assert.match(intoOld.stderr, /refusing to overwrite existing TUF keys/);
  const otherRepo = await makeRepo('refusals-other', '{}\n');
  const foreign = await tuf(['rotate-root', '--offline-keys', otherRepo.offline, '--new-offline-keys', join(r.dir, 'n'), '--online-keys', r.online, '--repo', r.repo]);
  assert.equal(foreign.status, 1);
  assert.match(foreign.stderr, /is not the root key of 1\.root\.json/);
  assert.ok(!existsSync(join(r.dir, 'n')));
  assert.deepEqual(readdirSync(r.repo).filter((f) => f.endsWith('.root.json')), ['1.root.json']);
});
