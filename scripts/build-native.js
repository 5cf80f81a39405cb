#!/usr/bin/env node
// Builds native/ (the pre-hashed signature verifier, DESIGN.md §4) with the node-gyp that ships
// with npm, against this Node's own headers. The addon is an optimisation only: when the build
// fails (no compiler, no headers, exotic platform) this prints a warning and exits 0, and
// src/entries/native-verify.ts falls back to @noble/curves and crypto.publicDecrypt.
// Set SEALHOUSE_SKIP_NATIVE=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');

// Why the addon was not built, for tests to tell "could not be built" (skip, with this reason)
// from "should be there but is not" (fail). Read by src/entries/native-verify.ts.
const skipMarker = join(nativeDir, 'build', 'not-built.txt');

function warn(message) {
  console.warn(`sealhouse: native verifier not built (${message}); using the pure-JS fallback.`);
  mkdirSync(dirname(skipMarker), { recursive: true });
  writeFileSync(skipMarker, `${message}\n`);
  process.exit(0);
}

if (process.env.SEALHOUSE_SKIP_NATIVE === '1') warn('SEALHOUSE_SKIP_NATIVE=1');
if (!existsSync(join(nativeDir, 'binding.gyp'))) warn('native/binding.gyp is missing');

// npm sets npm_config_node_gyp for lifecycle scripts; otherwise look where npm keeps its copy.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => typeof p === 'string' && p.length > 0 && existsSync(p));
const gyp = candidates[0];
// Build against the headers installed beside this node binary (they match its bundled OpenSSL);
// without --nodedir node-gyp would try to download headers, and this machine may be offline.
const localRoot = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir ||
  (existsSync(join(localRoot, 'include', 'node', 'node_api.h')) ? localRoot : undefined);
const gypArgs = ['rebuild', ...(nodedir === undefined ? [] : [`--nodedir=${nodedir}`])];
const [cmd, args] = gyp === undefined ? ['node-gyp', gypArgs] : [process.execPath, [gyp, ...gypArgs]];

const result = spawnSync(cmd, args, { cwd: nativeDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.error !== undefined) warn(`could not run node-gyp: ${result.error.message}`);
if (result.status !== 0) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  console.warn(tail);
  warn(`node-gyp exited with status ${result.status}`);
}
rmSync(skipMarker, { force: true });
console.log('sealhouse: native verifier built (native/build/Release/sealhouse_verify.node)');
