/**
 * No import circles in src/ (DESIGN §2): eslint's room bans stop a room importing a room it must
 * not, but not two files of one room (or two allowed rooms) importing each other, type imports
 * included. This walks the relative imports of every source file and fails naming the circle.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist-*/test/, run against the TypeScript sources two levels up.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gms;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function circles(): string[] {
  const graph = new Map(sources(SRC).map((f) => [f, [...readFileSync(f, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(f), (m[1] as string).replace(/\.js$/, '.ts')))]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

it('src/ has no import circles', () => {
  assert.ok(sources(SRC).length > 100, `found the sources in ${SRC}`);
  assert.deepEqual(circles(), []);
});
