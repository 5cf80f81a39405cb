/**
 * The real Go clients (cosign, rekor-cli, crane, registry) for end-to-end tests: where their
 * binaries are, running one with a time bound, and a loopback OCI registry with a small image.
 * Binaries come from $SEALHOUSE_GO_BIN or `$(go env GOPATH)/bin` (scripts/install-go-clients.sh).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../fixtures/oidc-issuer-process.js';

export interface GoBin {
  readonly dir: string;
  /** Why the tests skip (Go itself absent), or undefined when they run. */
  readonly skip?: string;
}

/** Find the binaries. Only a missing Go toolchain skips, never under CI=true; missing binaries fail. */
export function locateGoBin(names: readonly string[]): GoBin {
  let dir = process.env.SEALHOUSE_GO_BIN;
  if (!dir) {
    try {
      dir = join(execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin');
    } catch {
      const why = 'SKIPPED: Go is not installed and SEALHOUSE_GO_BIN is unset; the cosign/rekor-cli end-to-end tests need the real binaries (run scripts/install-go-clients.sh)';
      if (process.env.CI === 'true') throw new Error(`${why} — CI=true, so this is a failure`);
      console.error(`# ${why}`);
      return { dir: '', skip: why };
    }
  }
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length) throw new Error(`Go clients missing in ${dir}: ${missing.join(', ')} (run scripts/install-go-clients.sh)`);
  return { dir };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a binary with a hard time bound; TUF and HOME point into `home` so no network or user state is used. */
export function run(bin: string, args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export interface LoopbackRegistry {
  readonly host: string;
  readonly child: ChildProcess;
  close(): Promise<void>;
}

/** go-containerregistry's in-memory `registry` on a free loopback port. */
export async function startRegistry(dir: string): Promise<LoopbackRegistry> {
  const port = await freePort();
  const child = spawn(join(dir, 'registry'), ['-port', String(port)], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status < 500) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill(); throw new Error('registry did not start within 15 s'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { host, child, async close() { child.kill(); await exited; } };
}

/** Push a one-layer image built from scratch with `crane append`; returns repo@sha256:… */
export async function pushImage(dir: string, env: Record<string, string>, ref: string, content: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-layer-'));
  writeFileSync(join(work, 'hello.txt'), content);
  execFileSync('tar', ['-cf', join(work, 'layer.tar'), '-C', work, 'hello.txt']);
  const r = await run(join(dir, 'crane'), ['append', '-f', join(work, 'layer.tar'), '-t', ref], env);
  if (r.code !== 0) throw new Error(`crane append failed: ${r.stderr}`);
  const d = await run(join(dir, 'crane'), ['digest', ref], env);
  if (d.code !== 0) throw new Error(`crane digest failed: ${d.stderr}`);
  return `${ref.replace(/:[^:/]+$/, '')}@${d.stdout.trim()}`;
}
