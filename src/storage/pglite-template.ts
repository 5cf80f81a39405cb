/**
 * A prepared embedded database: `npm run build` migrates an empty PGlite once and keeps its data
 * directory as a tar (dist/pglite-template.tar), so a fresh data directory, and each test
 * database, is unpacked from it instead of running initdb and every migration again (measured:
 * 3.1 s → 0.9 s for a data directory, 2.5 s → 0.6 s in memory). The template is used only when
 * it was made by this PGlite version from these migrations; otherwise PGlite starts from scratch
 * as before, so a stale or missing template costs time, never correctness.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations } from './migrate.js';

/** dist/pglite-template.tar; this file is compiled to dist/src/storage/. */
export const PGLITE_TEMPLATE = fileURLToPath(new URL('../../pglite-template.tar', import.meta.url));

function pgliteVersion(): string {
  // The package's entry point is dist/index.js inside the package directory.
  let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** What a template must have been made from: this PGlite and exactly these migrations. */
export function templateFingerprint(): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  for (const m of loadMigrations()) hash.update(`${m.version} ${m.name} ${createHash('sha256').update(m.sql).digest('hex')}\n`);
  return hash.digest('hex');
}

/** The template as PGlite's loadDataDir takes it, or undefined when there is none for this build. */
export function usableTemplate(tar = PGLITE_TEMPLATE): Blob | undefined {
  const fingerprint = `${tar}.sha256`;
  if (!existsSync(tar) || !existsSync(fingerprint)) return undefined;
  if (readFileSync(fingerprint, 'utf8').trim() !== templateFingerprint()) return undefined;
  return new Blob([readFileSync(tar)]);
}

export function saveTemplate(contents: Uint8Array, tar = PGLITE_TEMPLATE): void {
  writeFileSync(tar, contents);
  writeFileSync(`${tar}.sha256`, `${templateFingerprint()}\n`);
}
