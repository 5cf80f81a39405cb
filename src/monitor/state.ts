/**
 * The monitor's memory between runs: the last checkpoint it verified, as the signed note text
 * (so a later reader can re-verify it) plus the fields it compares against. The file is replaced
 * atomically (temp file in the same directory, fsync, rename), so a crash or a full disk leaves
 * either the old state or the new one, never a torn file that would make the next run trust on
 * first use again.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface MonitorState {
  readonly version: 1;
  /** The log URL the checkpoint came from (a state file is not silently reused for another log). */
  readonly url: string;
  readonly origin: string;
  readonly size: number;
  /** Hex root hash. */
  readonly rootHash: string;
  /** The signed checkpoint exactly as the log served it. */
  readonly checkpoint: string;
  /** When this checkpoint was verified (ISO 8601). */
  readonly verifiedAt: string;
}

export class StateFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The saved state, or undefined when the file does not exist (first run). */
export function loadState(path: string): MonitorState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`cannot read the state file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`the state file ${path} is not JSON (${(err as Error).message}); move it away to start over with trust on first use`);
  }
  const ok =
    isObject(doc) &&
    doc.version === 1 &&
    typeof doc.url === 'string' &&
    typeof doc.origin === 'string' &&
    Number.isSafeInteger(doc.size) &&
    (doc.size as number) >= 0 &&
    typeof doc.rootHash === 'string' &&
    /^[0-9a-f]{64}$/.test(doc.rootHash) &&
    typeof doc.checkpoint === 'string' &&
    typeof doc.verifiedAt === 'string';
  if (!ok) throw new StateFileError(`the state file ${path} is not a sealhouse monitor state (version 1); move it away to start over with trust on first use`);
  return doc as unknown as MonitorState;
}

/** Writes the state so that readers see the old file or the new one, never a partial one. */
export function saveState(path: string, state: MonitorState): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StateFileError(`cannot write the state file ${path}: ${(err as Error).message}`);
  }
}
