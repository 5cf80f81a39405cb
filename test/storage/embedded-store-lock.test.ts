/**
 * The embedded store's pid lock (src/storage/embedded-store-lock.ts): a live holder is refused by
 * name, a stale or garbled pid file is taken over, release removes the file, and Postgres needs
 * no lock at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealhouseError } from '../../src/errors.js';
import { claimEmbeddedStore, embeddedStoreHolder } from '../../src/storage/embedded-store-lock.js';

function withDir(run: (dataDir: string) => void): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-lock-'));
  try {
    run(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('embedded store lock', () => {
  it('records this process, and release removes the record', () => {
    withDir((dataDir) => {
      const release = claimEmbeddedStore({ databaseUrl: undefined, dataDir });
      assert.equal(readFileSync(join(dataDir, 'sealhouse.pid'), 'utf8'), `${process.pid}\n`);
      release();
      assert.ok(!existsSync(join(dataDir, 'sealhouse.pid')));
    });
  });

  it('refuses while another live process holds the store, naming it', () => {
    withDir((dataDir) => {
      // The test runner's parent is alive for as long as this test runs.
      writeFileSync(join(dataDir, 'sealhouse.pid'), `${process.ppid}\n`);
      assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), process.ppid);
      assert.throws(
        () => claimEmbeddedStore({ databaseUrl: undefined, dataDir }),
        (err: unknown) => isSealhouseError(err, 'unavailable') && err.message.includes(`process ${process.ppid} has the embedded database`),
      );
    });
  });

  it('takes over a stale or garbled pid file', () => {
    withDir((dataDir) => {
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      for (const stale of [gone, 'not a pid', '-5', '']) {
        writeFileSync(join(dataDir, 'sealhouse.pid'), stale);
        assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), undefined, JSON.stringify(stale));
        claimEmbeddedStore({ databaseUrl: undefined, dataDir })();
      }
    });
  });

  it('takes no lock for Postgres', () => {
    withDir((dataDir) => {
      writeFileSync(join(dataDir, 'sealhouse.pid'), `${process.ppid}\n`);
      assert.equal(embeddedStoreHolder({ databaseUrl: 'postgres://db.example/sealhouse', dataDir }), undefined);
      claimEmbeddedStore({ databaseUrl: 'postgres://db.example/sealhouse', dataDir })();
      assert.equal(readFileSync(join(dataDir, 'sealhouse.pid'), 'utf8'), `${process.ppid}\n`, 'the file is left alone');
    });
  });
});
