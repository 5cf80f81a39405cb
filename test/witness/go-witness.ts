/**
 * transparency-dev/witness's own witness (test/witness/go-witness/main.go: witness.Witness, its
 * HTTP handler, in-memory state) built with the Go toolchain and run for one test file. Only a
 * missing Go toolchain skips, never under CI=true, as for the other Go clients.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist-*/test/witness/; the Go source stays in the source tree.
const SOURCE = fileURLToPath(new URL('../../../test/witness/go-witness/', import.meta.url));

export interface GoWitness {
  readonly vkey: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** What it wrote to stderr (klog), for failure messages. */
  stderr(): string;
  close(): Promise<void>;
}

/** Why the test skips (no Go), or undefined. */
export function goMissing(): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const why = 'SKIPPED: Go is not installed; the transparency-dev/witness interop test builds test/witness/go-witness';
    if (process.env.CI === 'true') throw new Error(`${why} — CI=true, so this is a failure`);
    return why;
  }
}

/** Build and start the witness trusting `logVkey` for `origin`. */
export async function startGoWitness(origin: string, logVkey: string): Promise<GoWitness> {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-go-witness-'));
  const bin = join(dir, 'go-witness');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: SOURCE, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const child = spawn(bin, [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_ORIGIN: origin, LOG_VKEY: logVkey }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = await new Promise<{ vkey: string; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`go-witness did not start in 20 s: ${err}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`go-witness exited with ${code}: ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const vkey = /^VKEY (\S+)$/m.exec(out)?.[1];
      const url = /^URL (\S+)$/m.exec(out)?.[1];
      if (vkey && url) {
        clearTimeout(timer);
        resolve({ vkey, url });
      }
    });
  });
  return {
    ...ready,
    child,
    stderr: () => err,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.stdin.end(); // main.go exits when stdin closes
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
