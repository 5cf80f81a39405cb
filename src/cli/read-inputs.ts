/**
 * Reading what an offline command is given (bundles, trusted roots, keys, artifacts, log
 * entries) with one-line errors a person can act on: which file, and why it could not be used.
 * Every failure is a SealhouseError('invalid_input'), which the CLI prints as one line, exit 1.
 */
import { readFileSync } from 'node:fs';
import { SealhouseError } from '../errors.js';
import { pemBlocks } from '../core/pem.js';

const fail = (message: string): never => {
  throw new SealhouseError('invalid_input', message);
};

/** The bytes of `path`, or of standard input for `-`. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path === '-' ? 0 : path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return fail(`cannot read ${what} ${path === '-' ? '(standard input)' : path}: ${why}`);
  }
}

/** `path` parsed as JSON (UTF-8). */
export function readJson(path: string, what: string): unknown {
  const bytes = readInput(path, what);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`${what} ${path} is not UTF-8 text`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(`${what} ${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** A PEM `PUBLIC KEY` file (what cosign, openssl and the conformance suite write) as SPKI DER. */
export function readPublicKey(path: string): Uint8Array {
  const bytes = readInput(path, 'public key');
  let blocks;
  try {
    blocks = pemBlocks(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    return fail(`public key ${path} is not PEM: ${(err as Error).message}`);
  }
  const key = blocks.find((b) => b.label === 'PUBLIC KEY');
  return key ? key.der : fail(`public key ${path} has no "PUBLIC KEY" PEM block (found: ${blocks.map((b) => b.label).join(', ')})`);
}

/**
 * Which trusted root to verify against. Sealhouse fetches nothing: a root obtained over the
 * network from the log it is meant to check would prove nothing. The caller names a file, or
 * sets SEALHOUSE_TRUSTED_ROOT (SEALHOUSE_STAGING_TRUSTED_ROOT with --staging) once, e.g. in CI.
 */
export function trustedRootPath(flag: string | undefined, staging: boolean, env: NodeJS.ProcessEnv = process.env): { path: string; source: string } | undefined {
  if (flag !== undefined) return { path: flag, source: '--trusted-root' };
  const name = staging ? 'SEALHOUSE_STAGING_TRUSTED_ROOT' : 'SEALHOUSE_TRUSTED_ROOT';
  const fromEnv = env[name];
  return fromEnv ? { path: fromEnv, source: name } : undefined;
}

export const TRUSTED_ROOT_HELP = `Trusted root: --trusted-root FILE, else the file named by SEALHOUSE_TRUSTED_ROOT
(SEALHOUSE_STAGING_TRUSTED_ROOT with --staging). Nothing is fetched: get the root out of band,
e.g. \`sealhouse trust-root\` on the server's machine, or the public-good root from Sigstore's TUF
repository for bundles signed by sigstore.dev.`;
