#!/usr/bin/env node
// Runs the compiled node:test files. Usage: node scripts/run-tests.js [substring filter ...]
// Node 20's test runner has no glob support, so the file list is built here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
// SEALHOUSE_DIST names another tsc output directory (e.g. `tsc --outDir dist-x`), so several
// builds of one checkout can be tested side by side.
const testDir = join(root, process.env.SEALHOUSE_DIST ?? 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.test.js') ? [full] : [];
  });
}

const files = walk(testDir).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
const store = process.env.DATABASE_URL ? `Postgres (${new URL(process.env.DATABASE_URL).host})` : 'embedded PGlite';
console.log(`# running ${files.length} test files against ${store}`);
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// --test-force-exit: a test file whose tests have all ended but which leaves a handle open would
// otherwise keep its process, and so the whole run, waiting forever (a refused start that leaked
// its PGlite did exactly that and ran CI into its time limit). Leaks are tested where they matter
// (test/server-start-failure.test.ts runs its starts in children that are never forced to exit).
// blocking-stdio.js keeps that forced exit from cutting off a file's last verdicts.
const blockingStdio = pathToFileURL(join(root, 'scripts', 'blocking-stdio.js')).href;
const result = spawnSync(process.execPath, ['--import', blockingStdio, '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
