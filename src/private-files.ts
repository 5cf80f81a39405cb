/**
 * Files only the Sealhouse user may read: private keys and the data directory (keys, the
 * embedded database). A key file others can read is refused at start, like OpenSSH does, since
 * the key may already have leaked and a silent chmod would hide that; the data directory and
 * the embedded database are Sealhouse's own, so they are created 0700 and tightened at start
 * (earlier versions left PGlite's files 0666, postgresql.conf and pg_control included).
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SealhouseError } from './errors.js';

/** POSIX permission bits do not mean the same on Windows; the checks are for POSIX hosts. */
const POSIX = process.platform !== 'win32';

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * Refuse a private key file that group or others may read or write. A missing or unreadable
 * file is left to the caller's read, which reports it in its own words.
 */
export function checkKeyFileMode(path: string, what: string): void {
  if (!POSIX) return;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  const how = mode & 0o044 ? 'readable' : 'writable';
  throw new SealhouseError(
    'malformed_key',
    `${what} file ${path} is ${how} by other users (mode ${octal(mode)}): chmod 600 ${path} ` +
      '(in Kubernetes, mount the secret with defaultMode 0400 or 0600)',
  );
}

/** Create `dir` (and parents) 0700, or tighten it to 0700; returns whether its mode was changed. */
export function ensurePrivateDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!POSIX) return false;
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return false;
  try {
    chmodSync(dir, mode & 0o700);
  } catch (err) {
    throw new SealhouseError(
      'invalid_input',
      `the data directory ${dir} is accessible by other users (mode ${octal(mode)}) and could not be changed ` +
        `(${(err as NodeJS.ErrnoException).code ?? 'error'}): chmod 700 ${dir}`,
    );
  }
  return true;
}

/**
 * Take group and other permissions off every file and directory under `root` (symlinks are
 * neither followed nor changed). Returns how many entries were changed.
 */
export function tightenTree(root: string): number {
  if (!POSIX) return 0;
  let changed = 0;
  const visit = (path: string): void => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) {
      chmodSync(path, st.mode & 0o700);
      changed++;
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return changed;
}
