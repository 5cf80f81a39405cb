/**
 * Backup and restore on the embedded store (README "Backups and restore"): with the server
 * stopped, the data directory is the whole backup (`tar -czf`), and restoring is unpacking it
 * anywhere and starting on the copy. The restored instance must answer as the original did under
 * the keys its clients pinned (restore-checks.ts) and pass `sealhouse fsck`. The negative twins:
 * the database restored without its key files — all of them, or only the CT or the Rekor v2 key
 * missing — is refused at start with one line, because each tree is bound to its key; and the
 * refusal harms nothing: with the keys put back the same copy starts. And why a backup must hold
 * every acknowledged entry: restoring an older one and writing to it forks the log, which a
 * monitor that saw a later checkpoint reports.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../fixtures/oidc-issuer-process.js';
import { create, hashedrekord, keySigner } from '../http/rekor-client.js';
import { assertFsckClean, checkRestored, instanceEnv, monitorOnce, populate, refusedStart, startOn, type Recorded } from './restore-checks.js';

/** The key files a data directory holds besides the database (pglite/). */
const KEYS = ['log-key.pem', 'ct-key.pem', 'rekor-v2-key.pem', 'dev-oidc-key.pem', 'ca', 'tsa'];

describe('backup and restore: PGlite data directory', () => {
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-backup-'));
  const original = join(work, 'data');
  const archive = join(work, 'sealhouse-backup.tgz');
  let rec: Recorded;
  let port = 0;

  /** Unpack the backup into a fresh place, as an operator restoring onto a new machine would. */
  const unpack = (name: string): string => {
    const into = join(work, name);
    mkdirSync(into);
    execFileSync('tar', ['-C', into, '-xzf', archive]);
    return join(into, 'data');
  };

  before(async () => {
    port = await freePort();
    const server = await startOn(instanceEnv(original, port));
    try {
      rec = await populate(server.address, original, work);
    } finally {
      await server.close();
    }
    // The backup: the stopped server's data directory, whole.
    execFileSync('tar', ['-C', work, '-czf', archive, 'data']);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the data directory holds the database and every key file', () => {
    assert.deepEqual(readdirSync(original).sort(), [...KEYS, 'pglite'].sort());
  });

  it('restored elsewhere: every entry verifies with the pinned keys, both trees grow, monitors agree, fsck is clean', async () => {
    const restored = unpack('restored');
    const env = instanceEnv(restored, port);
    const server = await startOn(env);
    try {
      await checkRestored(server.address, restored, rec);
    } finally {
      await server.close();
    }
    await assertFsckClean(env, rec.v1.length + 1);
  });

  it('the database without its key files is refused at start (new keys would sign a tree bound to the old ones)', async () => {
    const bare = unpack('no-keys');
    const kept = join(work, 'kept-keys');
    mkdirSync(kept);
    for (const k of KEYS) cpSync(join(bare, k), join(kept, k), { recursive: true });
    for (const k of KEYS) rmSync(join(bare, k), { recursive: true, force: true });

    const { status, line } = await refusedStart(instanceEnv(bare, port));
    assert.equal(status, 1);
    assert.match(line, /^sealhouse: the configured signing key does not match the key tree \d+ was created with; start with the original key \(SEALHOUSE_LOG_KEY \/ the data directory it was generated in\)$/);

    // The refused start generated a stray log key but changed nothing stored: the real keys back, it starts.
    for (const k of KEYS) {
      rmSync(join(bare, k), { recursive: true, force: true });
      cpSync(join(kept, k), join(bare, k), { recursive: true });
    }
    const server = await startOn(instanceEnv(bare, port));
    try {
      assert.equal(((await (await fetch(`${server.address}/api/v1/log`)).json()) as { treeID: string }).treeID, rec.treeId);
    } finally {
      await server.close();
    }
  });

  it('a backup older than the last acknowledged entry forks the log, and a monitor holding a later checkpoint says so', async () => {
    // The original goes on after the backup: three more acknowledged entries, seen by a monitor.
    const later = join(work, 'monitor-later.json');
    let server = await startOn(instanceEnv(original, port));
    try {
      for (let i = 0; i < 3; i++) await create(server.address, hashedrekord(`after the backup ${i}`, keySigner()));
      const seen = await monitorOnce(server.address, rec.trustedRootPath, later, false);
      assert.equal(seen.status, 0, seen.stdout + seen.stderr);
    } finally {
      await server.close();
    }
    // The stale backup restored and written to: index 12 now holds another entry than the one acknowledged.
    const stale = unpack('stale');
    server = await startOn(instanceEnv(stale, port));
    try {
      await create(server.address, hashedrekord(`on the stale copy ${stale}`, keySigner()));
      const r = await monitorOnce(server.address, rec.trustedRootPath, later, false);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /the tree shrank from size 15 to size 13/);
    } finally {
      await server.close();
    }
  });

  for (const [missing, setting] of [
    ['ct-key.pem', 'SEALHOUSE_CT_KEY'],
    ['rekor-v2-key.pem', 'SEALHOUSE_REKOR_V2_KEY'],
  ] as const) {
    it(`only ${missing} lost: refused at start too, naming the tree and the setting of its key`, async () => {
      const dir = unpack(`no-${missing}`);
      rmSync(join(dir, missing));
      const { status, line } = await refusedStart(instanceEnv(dir, port));
      assert.equal(status, 1);
      assert.match(line, /^sealhouse: the configured signing key does not match the key tree \d+ was created with/);
      assert.ok(line.includes(`(${setting} / the data directory it was generated in)`), line);
    });
  }

  it('only ca/ lost: refused at start, since a new CA would disown every certificate already issued', async () => {
    const dir = unpack('no-ca');
    rmSync(join(dir, 'ca'), { recursive: true });
    const { status, line } = await refusedStart(instanceEnv(dir, port));
    assert.equal(status, 1);
    assert.match(line, /^sealhouse: the CA \(.*\/ca\) is not the one this database has in use \(epoch 1, since .*\), so what that one signed would stop verifying: restore .*\/ca from a backup/);
  });

  it('only tsa/ lost: refused at start, since a new TSA would disown every timestamp already made', async () => {
    const dir = unpack('no-tsa');
    rmSync(join(dir, 'tsa'), { recursive: true });
    const { status, line } = await refusedStart(instanceEnv(dir, port));
    assert.equal(status, 1);
    assert.match(line, /^sealhouse: the timestamp authority \(.*\/tsa\) is not the one this database has in use \(epoch 1, since .*\).*restore .*\/tsa from a backup/);
  });
});
