#!/usr/bin/env node
// Whether dist/ and public/build/ are as new as the sources they are built from, so that
// `npm start` builds only when something changed (a start is then ~1 s instead of a full tsc and
// UI bundle) and `sealhouse` never serves a stale build. `npm run build` ends by writing the
// stamp; any input newer than the stamp makes the build stale.
//
//   node scripts/build-state.js --stamp            record that the build is complete (end of npm run build)
//   node scripts/build-state.js --build-if-stale   run `npm run build` when the build is missing or stale
//
// `npm start` does not run this script first: it runs `node bin/sealhouse.js --build-if-stale serve`,
// which calls buildIfStale() in the server's own process, so a start costs one node, not two.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const STAMP = join('dist', 'build-stamp');

// What the server's build is made of. Tests and benchmarks are compiled too, but never change
// what `sealhouse serve` runs.
const INPUTS = ['src', 'ui', 'migrations', 'tsconfig.json', join('scripts', 'build-ui.js'), join('scripts', 'build-pglite-template.js')];

function firstNewerUnder(path, newerThan) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (!stat.isDirectory()) return stat.mtimeMs > newerThan ? path : undefined;
  for (const entry of readdirSync(path)) {
    const found = firstNewerUnder(join(path, entry), newerThan);
    if (found) return found;
  }
  return undefined;
}

/**
 * Why the build in `root` cannot be served as it is ('no build' or the first source newer than
 * it), or undefined when it is current. An installed package (no src/ beside dist/) is current.
 */
export function staleReason(root) {
  if (!existsSync(join(root, 'src'))) return undefined;
  const stamp = statSync(join(root, STAMP), { throwIfNoEntry: false });
  if (!stamp) return 'it has not been built (no dist/build-stamp)';
  for (const input of INPUTS) {
    const newer = firstNewerUnder(join(root, input), stamp.mtimeMs);
    if (newer) return `${relative(root, newer)} changed after the last build`;
  }
  return undefined;
}

/**
 * Run `npm run build` in `root` when its build is missing or stale; returns the build's exit
 * status (0 when nothing needed building). Under `npm start`, npm_execpath names the npm that
 * started us, so the same npm builds.
 */
export function buildIfStale(root) {
  const reason = staleReason(root);
  if (!reason) return 0;
  console.error(`sealhouse: building, because ${reason}`);
  const npm = process.env.npm_execpath;
  const build = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit', cwd: root }) : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root });
  return build.status ?? 1;
}

const root = new URL('..', import.meta.url).pathname;
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [flag] = process.argv.slice(2);
  if (flag === '--stamp') {
    writeFileSync(join(root, STAMP), `${new Date().toISOString()}\n`);
  } else if (flag === '--build-if-stale') {
    process.exit(buildIfStale(root));
  } else {
    console.error('usage: node scripts/build-state.js --stamp | --build-if-stale');
    process.exit(2);
  }
}
