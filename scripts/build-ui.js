#!/usr/bin/env node
// Builds the search UI (ui/) into public/build/, served at / by src/http/ui-router.ts:
// type-checks ui/ with its own tsconfig (DOM libs), bundles ui/main.ts and ui/style.css with
// esbuild into content-hashed files, and writes index.html naming them. Everything the page
// needs is in public/build: no CDN, no outside network. Usage: node scripts/build-ui.js
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const uiDir = join(root, 'ui');
const outDir = join(root, 'public', 'build');

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(uiDir, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build-ui: ui/ does not type-check (see above)');
  process.exit(1);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(uiDir, 'main.ts'), style: join(uiDir, 'style.css') },
  outdir: outDir,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers from 2021 on: module scripts, BigInt, optional chaining, Intl.RelativeTimeFormat.
  target: ['chrome100', 'firefox100', 'safari15'],
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => join(root, p));
const pick = (prefix, ext) => {
  const found = outputs.find((p) => basename(p).startsWith(prefix) && p.endsWith(ext));
  if (!found) throw new Error(`build-ui: esbuild produced no ${prefix}*${ext}`);
  return basename(found);
};
const js = pick('app-', '.js');
const css = pick('style-', '.css');
const html = readFileSync(join(uiDir, 'index.html'), 'utf8').replace('{{js}}', js).replace('{{css}}', css);
writeFileSync(join(outDir, 'index.html'), html);

const size = (name) => {
  const bytes = readFileSync(join(outDir, name));
  return `${name} ${(statSync(join(outDir, name)).size / 1024).toFixed(1)} KiB (${(gzipSync(bytes).length / 1024).toFixed(1)} KiB gzip)`;
};
console.log(`build-ui: public/build/ — ${[js, css, 'index.html'].map(size).join(', ')}`);
