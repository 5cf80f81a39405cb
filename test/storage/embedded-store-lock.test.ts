/**
 * The embedded store's pid lock (src/storage/embedded-store-lock.ts): a live holder is refused by
 * name, a stale or garbled pid file is taken over, release removes the file, and Postgres needs
 * no lock at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
      assert.match(readFileSync(join(dataDir, 'sealhouse.pid'), 'utf8'), new RegExp(`^${process.pid}( \\d+)?\n$`));
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

  it('takes over from a holder killed with SIGKILL, as soon as it is dead', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-lock-'));
    try {
      const lock = new URL('../../src/storage/embedded-store-lock.js', import.meta.url).href;
      // The child claims the store and then waits to be killed, as a server under load would.
      const holder = spawn(process.execPath, ['--input-type=module', '-e', `const { claimEmbeddedStore } = await import(${JSON.stringify(lock)}); claimEmbeddedStore({ dataDir: ${JSON.stringify(dataDir)} }); console.log('claimed'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), holder.pid, 'a live holder is refused');
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), undefined, 'a dead holder is gone');
      claimEmbeddedStore({ databaseUrl: undefined, dataDir })();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('takes over from a dead holder nobody has reaped yet (a zombie)', { skip: !existsSync('/proc/self/stat') || spawnSync('python3', ['--version']).status !== 0 }, async () => {
    // The forked child exits at once; its parent never waits for it, so it stays a zombie.
    const fork = 'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)';
    const parent = spawn('python3', ['-c', fork], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      let stat = '';
      for (let i = 0; i < 200 && !stat.includes(') Z '); i++) {
        stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(stat, /\) Z /, 'the child is a zombie');
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      withDir((dataDir) => {
        writeFileSync(join(dataDir, 'sealhouse.pid'), `${zombie} ${startTime}\n`);
        assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), undefined);
      });
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('does not mistake a process that reused the holder\'s pid for the holder', { skip: !existsSync('/proc/self/stat') }, () => {
    withDir((dataDir) => {
      // The parent is alive, but it started at another time than the one recorded.
      writeFileSync(join(dataDir, 'sealhouse.pid'), `${process.ppid} 1\n`);
      assert.equal(embeddedStoreHolder({ databaseUrl: undefined, dataDir }), undefined);
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
