/**
 * The embedded database's control socket. PGlite is single-process, so while a server runs on it
 * no CLI process may open it — and so `sealhouse rotate` could not rotate a key without stopping
 * the server. Instead, a server on the embedded store listens on <dataDir>/control.sock, a Unix
 * socket in the 0700 data directory (mode 0600 itself: only the owner of the data directory,
 * who could read every key in it anyway, can connect), and the CLI hands the command to it; the
 * server runs it on its own database connection and sends back what the command printed.
 *
 * Only the commands in CONTROL_COMMANDS are accepted. One request per connection: one JSON line
 * {"command", "args"} of at most 64 KiB, answered by one JSON line {"status", "stdout", "stderr"}.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { SealhouseError } from '../errors.js';

export const CONTROL_SOCKET = 'control.sock';
/** What the server runs for a client: commands that must use the server's own database. */
export const CONTROL_COMMANDS = ['rotate'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

const MAX_REQUEST_BYTES = 64 * 1024;
/** A rotation waits for the batch in progress and writes key files: seconds at most. */
const ANSWER_TIMEOUT_MS = 120_000;

export interface ControlAnswer {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type ControlHandler = (command: ControlCommand, args: readonly string[]) => Promise<ControlAnswer>;

export const controlSocketPath = (dataDir: string): string => join(dataDir, CONTROL_SOCKET);

function parseRequest(line: string): { command: ControlCommand; args: string[] } {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    throw new SealhouseError('invalid_input', 'the control request is not JSON');
  }
  const { command, args } = (request ?? {}) as { command?: unknown; args?: unknown };
  if (!CONTROL_COMMANDS.includes(command as ControlCommand)) throw new SealhouseError('invalid_input', `the server runs only ${CONTROL_COMMANDS.join(', ')} for the CLI`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new SealhouseError('invalid_input', 'the control request needs args: string[]');
  return { command: command as ControlCommand, args: args as string[] };
}

/**
 * Listen on <dataDir>/control.sock. The caller holds the embedded store's lock, so a socket file
 * already there was left by a process that died: it is replaced. Resolves once listening.
 */
export async function serveControlSocket(dataDir: string, handle: ControlHandler, onError: (err: unknown) => void): Promise<Server> {
  const path = controlSocketPath(dataDir);
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    let buffered = '';
    let answered = false;
    socket.setEncoding('utf8');
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => undefined); // a client gone away: nothing to answer
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0 && buffered.length <= MAX_REQUEST_BYTES) return;
      answered = true;
      const reply = (answer: ControlAnswer): void => void socket.end(`${JSON.stringify(answer)}\n`);
      if (end < 0) return reply({ status: 2, stdout: '', stderr: 'the control request is too long\n' });
      let request: { command: ControlCommand; args: string[] };
      try {
        request = parseRequest(buffered.slice(0, end));
      } catch (err) {
        return reply({ status: 2, stdout: '', stderr: `${(err as Error).message}\n` });
      }
      handle(request.command, request.args).then(reply, (err: unknown) => {
        onError(err);
        reply({ status: 1, stdout: '', stderr: `the server could not run it: ${(err as Error).message}\n` });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  server.on('error', onError);
  server.unref();
  return server;
}

export async function closeControlSocket(server: Server, dataDir: string): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(controlSocketPath(dataDir), { force: true });
}

/** Whether a server on this data directory offers the control socket. */
export const hasControlSocket = (dataDir: string): boolean => existsSync(controlSocketPath(dataDir));

/** Hand `command args` to the server holding the embedded store, and return what it printed. */
export function callControlSocket(dataDir: string, command: ControlCommand, args: readonly string[]): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error('the server did not answer in time')));
    socket.on('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (err) => reject(new SealhouseError('unavailable', `cannot reach the server through ${controlSocketPath(dataDir)}: ${err.message}`, { cause: err })));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(answer) as ControlAnswer);
      } catch {
        reject(new SealhouseError('unavailable', 'the server closed the control socket without an answer'));
      }
    });
  });
}
