/**
 * sigstore-python (the `sigstore` CLI from PyPI, installed by scripts/install-sigstore-python.sh)
 * for end-to-end tests: where its venv is, running it with a time bound and no user state, and
 * the ClientTrustConfig it takes for a private instance (`--trust-config`).
 *
 * sigstore-python 4 learns a private instance from one file,
 * `{"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json", "trustedRoot": …,
 * "signingConfig": …}` (sigstore/models.py ClientTrustConfig; protobuf-specs
 * sigstore_trustroot.proto), so the tests hand it exactly the two documents Sealhouse serves.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from './go-clients.js';

export const CLIENT_TRUST_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json';

export interface SigstorePython {
  /** The `sigstore` entry point inside the venv. */
  readonly bin: string;
  /** Why the tests skip (python3 itself absent), or undefined when they run. */
  readonly skip?: string;
}

/** The venv the install script fills; SEALHOUSE_SIGSTORE_PYTHON_VENV overrides it for both. */
export function sigstorePythonVenv(): string {
  return process.env.SEALHOUSE_SIGSTORE_PYTHON_VENV ?? join(homedir(), '.cache', 'sealhouse', 'sigstore-python-venv');
}

/**
 * Find the CLI. Without python3 the tests skip with the reason; with python3 but no venv they
 * skip too, naming the install script, except under CI=true, where the install step has run and
 * a missing client is a failure rather than a silent pass.
 */
export function locateSigstorePython(): SigstorePython {
  const bin = join(sigstorePythonVenv(), 'bin', 'sigstore');
  if (existsSync(bin)) return { bin };
  let python = true;
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    python = false;
  }
  const why = python
    ? `SKIPPED: sigstore-python is not installed in ${sigstorePythonVenv()} (run scripts/install-sigstore-python.sh)`
    : 'SKIPPED: python3 is not installed, so sigstore-python cannot run';
  if (python && process.env.CI === 'true') throw new Error(`${why} — CI=true, so this is a failure`);
  console.error(`# ${why}`);
  return { bin, skip: why };
}

/** The client trust config for `--trust-config`: our trusted root and signing config, unchanged. */
export function clientTrustConfig(trustedRoot: object, signingConfig: object): object {
  return { mediaType: CLIENT_TRUST_CONFIG_MEDIA_TYPE, trustedRoot, signingConfig };
}

/** Write the client trust config into `dir` and return its path. */
export function writeClientTrustConfig(dir: string, name: string, trustedRoot: object, signingConfig: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(clientTrustConfig(trustedRoot, signingConfig)));
  return path;
}

/**
 * Run `sigstore <args>`. HOME and the XDG directories point into `home`, so no TUF cache or
 * token of the machine's user is read (signing also passes --oidc-disable-ambient-providers, so
 * no ambient CI credential is picked up).
 */
export function runSigstorePython(client: SigstorePython, args: readonly string[], home: string, timeoutMs = 120_000): Promise<RunResult> {
  mkdirSync(home, { recursive: true });
  // A wide COLUMNS keeps rich (its logger) from wrapping an error message across lines.
  const env = { HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_DATA_HOME: join(home, 'data'), PYTHONDONTWRITEBYTECODE: '1', COLUMNS: '1000' };
  return run(client.bin, args, env, timeoutMs);
}
