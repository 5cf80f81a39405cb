/** Locating and reading the shared vectors copied into test/vectors. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled tests live in dist/test/helpers; the vectors stay in the source tree.
export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors');

export function vectorPath(rel: string): string {
  return join(VECTORS_DIR, rel);
}

export function readVector(rel: string): string {
  return readFileSync(vectorPath(rel), 'utf8');
}

export function readVectorJson<T = unknown>(rel: string): T {
  return JSON.parse(readVector(rel)) as T;
}

/** Every .json file under a vectors subdirectory, as paths relative to VECTORS_DIR. */
export function listJson(rel: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) out.push(relative(VECTORS_DIR, full));
    }
  };
  walk(vectorPath(rel));
  return out;
}

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
export const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
