/** Spawning log-worker processes and collecting what they acknowledged. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../fixtures/log-worker.js', import.meta.url));

export interface WorkerOutput {
  readonly acks: { index: number; leaf: string; label: string }[];
  readonly checkpoints: string[];
  done: boolean;
}

export interface RunningWorker {
  readonly child: ChildProcess;
  readonly output: WorkerOutput;
  /** Resolves when the process exits (any reason). */
  readonly exited: Promise<number | null>;
  /** Resolves once at least `n` acknowledgements were printed. */
  waitForAcks(n: number): Promise<void>;
}

export function startWorker(env: Record<string, string>): RunningWorker {
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: WorkerOutput = { acks: [], checkpoints: [], done: false };
  const waiters: { n: number; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const msg = JSON.parse(line) as { ack?: number; leaf?: string; label?: string; checkpoint?: string; done?: boolean };
    if (msg.ack !== undefined) output.acks.push({ index: msg.ack, leaf: msg.leaf as string, label: msg.label as string });
    if (msg.checkpoint) output.checkpoints.push(msg.checkpoint);
    if (msg.done) output.done = true;
    for (const w of waiters.filter((x) => output.acks.length >= x.n)) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`worker exited ${code}: ${stderr}\n`);
      for (const w of waiters) w.resolve();
      resolve(code);
    }),
  );
  return {
    child,
    output,
    exited,
    waitForAcks: (n) =>
      output.acks.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
  };
}
