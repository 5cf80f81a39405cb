/**
 * Starting and stopping the peer benchmark's server processes: each is spawned directly (no
 * wrapper shell, so its pid is the process whose CPU and memory are read), with its output in a
 * log file under the run directory, and is ready when a probe succeeds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `command args` with stdout and stderr appended to `<logDir>/<name>.log`. */
export function start(name: string, command: string, args: readonly string[], logDir: string, env: NodeJS.ProcessEnv = {}): Started {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  return {
    name,
    pid,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exit.then(() => false), sleep(15_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** Polls `probe` until it resolves true, failing after `seconds` or as soon as `process` exits. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, seconds: number, process?: Started): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (process && process.child.exitCode !== null) throw new Error(`${what}: ${process.name} exited with ${process.child.exitCode} (see its log)`);
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what}: not ready after ${seconds} s`);
}

export const tcpOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

export const httpOk = async (url: string): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;

/** Runs a command to completion, rejecting with its output when it fails. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${out.slice(-2000)}`))));
    child.stdin.end(input ?? '');
  });
}
