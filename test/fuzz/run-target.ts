/**
 * Child-process side of the parser fuzz: `node run-target.js "<target name>"` runs one target's
 * property and prints one `FUZZRESULT {json}` line. Before each input it writes the input to
 * FUZZ_CURRENT_FILE, so if Node aborts (a native assertion no try/catch can stop) the parent can
 * still name the input that killed it.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { TARGETS } from './targets.js';
import { CoreError } from '../../src/core/errors.js';
import { SealhouseError } from '../../src/errors.js';

export interface FuzzResult {
  target: string;
  seed: number;
  runs: number;
  numRuns: number;
  failed: boolean;
  counterexample?: string;
  error?: string;
  slowestMs: number;
  ms: number;
}

/** An input as text a person can replay: hex for bytes, JSON otherwise. */
export function describeInput(input: unknown): string {
  const s = Buffer.isBuffer(input) || input instanceof Uint8Array ? `hex:${Buffer.from(input).toString('hex')}` : `json:${JSON.stringify(input)}`;
  return s.length > 4000 ? `${s.slice(0, 4000)}…` : s;
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target ${JSON.stringify(name)}`);
  const seed = Number(process.env.FUZZ_SEED ?? 20261201);
  const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);
  const budgetMs = Number(process.env.FUZZ_BUDGET_MS ?? 2000);
  const currentFile = process.env.FUZZ_CURRENT_FILE;
  // Tells the parent this process started: a hang from here on is the target's, not the spawn's.
  if (currentFile) writeFileSync(currentFile, '(none yet: building the seeds)');
  // src/core refuses with CoreErrors, the server with SealhouseErrors: both are typed refusals.
  const typed = target.typed ?? ((err: unknown) => err instanceof SealhouseError || err instanceof CoreError);

  let slowestMs = 0;
  const started = performance.now();
  const details = await fc.check(
    fc.asyncProperty(target.arbitrary(), async (input) => {
      if (currentFile) writeFileSync(currentFile, describeInput(input));
      const t0 = performance.now();
      try {
        await target.run(input);
      } catch (err) {
        if (!typed(err)) {
          const e = err as Error;
          throw new Error(`untyped ${e?.name ?? typeof err}: ${e?.message ?? String(err)}${e?.cause ? ` (cause: ${(e.cause as Error).name}: ${(e.cause as Error).message})` : ''}`);
        }
      }
      const ms = performance.now() - t0;
      slowestMs = Math.max(slowestMs, ms);
      if (ms > budgetMs) throw new Error(`took ${ms.toFixed(0)} ms, over the ${budgetMs} ms budget per input`);
    }),
    { seed, numRuns, endOnFailure: false },
  );
  const result: FuzzResult = {
    target: target.name,
    seed,
    runs: details.numRuns,
    numRuns,
    failed: details.failed,
    slowestMs: Math.round(slowestMs),
    ms: Math.round(performance.now() - started),
    ...(details.failed
      ? { counterexample: describeInput(details.counterexample?.[0]), error: String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance) }
      : {}),
  };
  process.stdout.write(`FUZZRESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
