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
import { setFlagsFromString } from 'node:v8';
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

/**
 * V8 runs wasm in Liftoff code first and recompiles a function with TurboFan once it has run
 * about this many bytes of code (default 1,800,000). Postgres's boot runs a lot of code once
 * (catalog caches, recovery), so at the default V8 optimises hundreds of functions during the
 * boot, on the same two cores the boot needs. 50× the budget still tiers up what keeps
 * running. Measured (load ~12, 4 pairs): PGlite.create on an existing directory 1.6–2.1 s →
 * 1.0–1.4 s, 3,000 queries right after it 4.5–4.9 s either way; HTTP throughput in start.md.
 * Set before the first compile, which is when V8 reads it.
 */
const WASM_TIERING_BUDGET = 90_000_000;

/** The directory holding pglite.wasm, initdb.wasm and pglite.data (the package's dist/, beside its entry point). */
function pgliteDist(): string {
  return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
}

const compile = async (path: string): Promise<WasmModule> => wasm.compile(await readFile(path));

/** Starts (once) reading and compiling PGlite's artifacts; every caller gets the same promise. */
export function preparePgliteArtifacts(): Promise<PgliteArtifacts> {
  prepared ??= (async () => {
    setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
    const dir = pgliteDist();
    const [pgliteWasmModule, initdbWasmModule, data] = await Promise.all([compile(join(dir, 'pglite.wasm')), compile(join(dir, 'initdb.wasm')), readFile(join(dir, 'pglite.data'))]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([data]) };
  })();
  // A failure (a missing file) is not reported here: PgliteSql.open awaits the same promise and reports it.
  prepared.catch(() => undefined);
  return prepared;
}
