/**
 * A checkout's build is served only while it is as new as its sources (scripts/build-state.js):
 * `npm start` rebuilds when a source changed, and `sealhouse` refuses a stale build rather than
 * serve code the operator is not looking at. An installed package (no src/) is never stale.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import type * as BuildState from '../../scripts/build-state.js';

// The test runs from dist*/test/cli/; the script is not compiled, so it is loaded from the checkout.
const REPO = new URL('../../..', import.meta.url).pathname;
const { STAMP, staleReason } = (await import(pathToFileURL(join(REPO, 'scripts', 'build-state.js')).href)) as typeof BuildState;
const run = promisify(execFile);

describe('stale build detection', () => {
  let root: string;
  const at = (path: string, secondsAgo: number): void => {
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(join(root, path), t, t);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sealhouse-stale-'));
    mkdirSync(join(root, 'src', 'log'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'src', 'log', 'sequencer.ts'), 'export {};\n');
    at('src/log/sequencer.ts', 60);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('calls a checkout that was never built stale', () => {
    assert.match(staleReason(root) ?? '', /has not been built/);
  });

  it('accepts a build newer than every source, and names the source edited after it', () => {
    writeFileSync(join(root, STAMP), 'now\n');
    at(STAMP, 30);
    assert.equal(staleReason(root), undefined);
    at('src/log/sequencer.ts', 0);
    assert.equal(staleReason(root), 'src/log/sequencer.ts changed after the last build');
  });

  it('never calls an installed package (no src/) stale', () => {
    rmSync(join(root, 'src'), { recursive: true });
    assert.equal(staleReason(root), undefined);
  });

  it('makes bin/sealhouse refuse a stale build with what to run', async () => {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(REPO, 'bin', 'sealhouse.js'), join(root, 'bin', 'sealhouse.js'));
    copyFileSync(join(REPO, 'scripts', 'build-state.js'), join(root, 'scripts', 'build-state.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    await assert.rejects(run(process.execPath, [join(root, 'bin', 'sealhouse.js'), '--version']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /the build in dist\/ is stale: it has not been built.*npm run build/);
      return true;
    });
  });
});
