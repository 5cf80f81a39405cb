/**
 * Running the `sealhouse` CLI as a user does, from the build these tests were compiled into
 * (dist/ or a SEALHOUSE_DIST directory), so parallel builds never run each other's code.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point next to this helper's build. */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sealhouse <args>` to completion (bounded by `timeoutMs`), never throwing on a non-zero exit. */
export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
