/**
 * A checkout's build is served only while it is as new as its sources (scripts/build-state.js):
 * `npm start` rebuilds when a source changed, and `sealhouse` refuses a stale build rather than
 * serve code the operator is not looking at. An installed package (no src/) is never stale.
 * `npm start` is `sealhouse --build-if-stale serve`: the build and the server are one process.
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

  /** A checkout with the real bin/ and build script, whose `npm run build` only writes the stamp, a main.js that prints its argv and an empty pglite-artifacts.js. */
  const stubCheckout = (): void => {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(REPO, 'bin', 'sealhouse.js'), join(root, 'bin', 'sealhouse.js'));
    copyFileSync(join(REPO, 'scripts', 'build-state.js'), join(root, 'scripts', 'build-state.js'));
    const main = "mkdir -p dist/src/cli && echo 'console.log(JSON.stringify(process.argv.slice(2)))' > dist/src/cli/main.js";
    // bin/sealhouse.js starts compiling PGlite's wasm before `serve` loads (storage/pglite-artifacts.ts): a no-op here.
    const artifacts = "mkdir -p dist/src/storage && echo 'export function preparePgliteArtifacts() {}' > dist/src/storage/pglite-artifacts.js";
    writeFileSync(join(root, 'package.json'), `${JSON.stringify({ type: 'module', scripts: { build: `${main} && ${artifacts} && node scripts/build-state.js --stamp` } })}\n`);
  };

  it('with --build-if-stale, builds a stale checkout and then runs the command in the same process', async () => {
    stubCheckout();
    const env = { ...process.env };
    delete env.npm_execpath; // the npm on PATH builds, as for `node bin/sealhouse.js --build-if-stale` typed by hand
    const built = await run(process.execPath, [join(root, 'bin', 'sealhouse.js'), '--build-if-stale', 'serve', '--port', '0'], { cwd: root, env });
    assert.match(built.stderr, /building, because it has not been built/);
    assert.equal(built.stdout.trim().split('\n').at(-1), '["serve","--port","0"]', 'the flag is not passed on to the command');
    assert.equal(staleReason(root), undefined, 'the build stamped itself');
    const again = await run(process.execPath, [join(root, 'bin', 'sealhouse.js'), '--build-if-stale', 'serve'], { cwd: root, env });
    assert.doesNotMatch(again.stderr, /building/, 'a current build is not rebuilt');
    assert.equal(again.stdout.trim(), '["serve"]');
  });

  it('makes bin/sealhouse refuse a stale build with what to run', async () => {
    stubCheckout();
    await assert.rejects(run(process.execPath, [join(root, 'bin', 'sealhouse.js'), '--version']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /the build in dist\/ is stale: it has not been built.*npm run build/);
      return true;
    });
  });
});
