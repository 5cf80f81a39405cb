/**
 * PGlite's WebAssembly modules and file-system bundle, read and compiled once per process and
 * handed to every PGlite.create. A start is main-thread bound (loading ~300 JavaScript modules,
 * then Postgres booting inside the wasm), but V8 compiles WebAssembly.compile's Liftoff code on
 * background threads: bin/sealhouse.js calls preparePgliteArtifacts() before it imports the
 * server, so the 9 MB pglite.wasm compiles on the second core while the first loads modules,
 * instead of after them. Left to itself PGlite would read and compile the same files inside
 * create(), and again for every database a process opens (the tests open many).
 *
 * This module imports nothing heavy (not PGlite itself), so starting it costs the start nothing.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

/** A compiled WebAssembly.Module, as PGlite's options type it (this project's lib has no WebAssembly declarations). */
type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } };

export interface PgliteArtifacts {
  readonly pgliteWasmModule: WasmModule;
  readonly initdbWasmModule: WasmModule;
  readonly fsBundle: Blob;
}

let prepared: Promise<PgliteArtifacts> | undefined;

/** The directory holding pglite.wasm, initdb.wasm and pglite.data (the package's dist/, beside its entry point). */
function pgliteDist(): string {
  return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
}

const compile = async (path: string): Promise<WasmModule> => wasm.compile(await readFile(path));

/** Starts (once) reading and compiling PGlite's artifacts; every caller gets the same promise. */
export function preparePgliteArtifacts(): Promise<PgliteArtifacts> {
  prepared ??= (async () => {
    const dir = pgliteDist();
    const [pgliteWasmModule, initdbWasmModule, data] = await Promise.all([compile(join(dir, 'pglite.wasm')), compile(join(dir, 'initdb.wasm')), readFile(join(dir, 'pglite.data'))]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([data]) };
  })();
  // A failure (a missing file) is not reported here: PgliteSql.open awaits the same promise and reports it.
  prepared.catch(() => undefined);
  return prepared;
}
