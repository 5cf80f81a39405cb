/**
 * What the real-client TUF tests (issue 12 item 2) share: a live Sealhouse (Rekor v2 and the TSA
 * on, a separate OIDC issuer) whose TUF repository `sealhouse tuf init --from-server` wrote into
 * the directory the server serves at `<url>/tuf/`, the initial root.json a client starts from,
 * the root.json of another repository (a second `tuf init`: the negative twins' trust anchor),
 * `sealhouse tuf update` with given documents, tampering with a served target on disk,
 * `sealhouse tuf rotate-root` (each rotation's offline keys in a new directory, which the next
 * update or rotation then uses) and breaking a signature in a served N.root.json.
 */
import assert from 'node:assert/strict';
import { type Dirent, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { startV2TsaInstance, type V2TsaInstance } from './v2-tsa.js';

export interface TufInstance {
  readonly sh: V2TsaInstance;
  /** The TUF repository's base URL, `<url>/tuf`, as a client's mirror. */
  readonly mirror: string;
  /** The repository directory the server serves (its default, `<dataDir>/tuf`). */
  readonly repo: string;
  /** The 1.root.json a client is initialised with. */
  readonly rootPath: string;
  /** The 1.root.json of another repository of the same documents, with other keys. */
  readonly otherRootPath: string;
  /** `sealhouse tuf update` with these two documents, signed with this repository's keys. */
  update(trustedRoot: unknown, signingConfig: unknown): Promise<CliResult>;
  /**
   * Overwrite every served `<sha256>.<target>` file with `edit(its text)`; returns a function
   * that puts the original bytes back.
   */
  tamperTarget(target: 'trusted_root.json' | 'signing_config.v0.2.json', edit: (text: string) => string): () => void;
  /** `sealhouse tuf rotate-root --roles ROLES`; on success the instance's offline keys are the new directory. */
  rotateRoot(roles: string): Promise<CliResult>;
  /** Flip one hex digit of every signature in the served `<version>.root.json`; returns a function that puts it back. */
  breakRootSignatures(version: number): () => void;
  close(): Promise<void>;
}

function cliEnv(sh: V2TsaInstance): NodeJS.ProcessEnv {
  return { ...sh.server.env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sh.tmp };
}

async function tufCli(sh: V2TsaInstance, args: readonly string[]): Promise<CliResult> {
  return runCli(['tuf', ...args], { env: cliEnv(sh) });
}

/**
 * Start the instance, then `tuf init` its repository from the documents it serves (the server
 * reads the repository per request, so it serves it at once), and a second repository elsewhere.
 */
export async function startTufInstance(prefix: string, env: Record<string, string> = {}): Promise<TufInstance> {
  const sh = await startV2TsaInstance(prefix, env);
  const repo = join(sh.server.dataDir, 'tuf');
  let offline = join(sh.tmp, 'tuf-offline-keys');
  let rotations = 0;
  const online = join(sh.server.dataDir, 'tuf-keys');
  const init = await tufCli(sh, ['init', '--offline-keys', offline, '--online-keys', online, '--repo', repo, '--from-server', sh.server.url]);
  assert.equal(init.status, 0, `sealhouse tuf init failed:\n${init.stdout}\n${init.stderr}`);
  const otherRepo = join(sh.tmp, 'other-tuf');
  const other = await tufCli(sh, [
    'init', '--offline-keys', join(sh.tmp, 'other-offline-keys'), '--online-keys', join(sh.tmp, 'other-online-keys'), '--repo', otherRepo, '--from-server', sh.server.url,
  ]);
  assert.equal(other.status, 0, `the second sealhouse tuf init failed:\n${other.stdout}\n${other.stderr}`);
  const mirror = `${sh.server.url}/tuf`;
  const served = await fetch(`${mirror}/1.root.json`);
  assert.equal(served.status, 200, `${mirror}/1.root.json: ${served.status}`);
  return {
    sh,
    mirror,
    repo,
    rootPath: join(repo, '1.root.json'),
    otherRootPath: join(otherRepo, '1.root.json'),
    async update(trustedRoot, signingConfig) {
      const tr = sh.file(`update-trusted-root-${Date.now()}.json`, trustedRoot);
      const sc = sh.file(`update-signing-config-${Date.now()}.json`, signingConfig);
      return tufCli(sh, ['update', '--offline-keys', offline, '--online-keys', online, '--repo', repo, '--trusted-root', tr, '--signing-config', sc]);
    },
    tamperTarget(target, edit) {
      const dir = join(repo, 'targets');
      const files = readdirSync(dir).filter((f) => f.endsWith(`.${target}`)).map((f) => join(dir, f));
      assert.ok(files.length > 0, `no served ${target} target in ${dir}`);
      const originals = files.map((f) => readFileSync(f));
      files.forEach((f, i) => writeFileSync(f, edit(originals[i]!.toString('utf8'))));
      return () => files.forEach((f, i) => writeFileSync(f, originals[i]!));
    },
    async rotateRoot(roles) {
      const offlineRotates = roles.split(',').some((role) => role === 'root' || role === 'targets');
      const next = join(sh.tmp, `tuf-offline-keys-${++rotations}`);
      const result = await tufCli(sh, ['rotate-root', '--offline-keys', offline, ...(offlineRotates ? ['--new-offline-keys', next] : []), '--roles', roles, '--online-keys', online, '--repo', repo]);
      if (result.status === 0 && offlineRotates) offline = next;
      return result;
    },
    breakRootSignatures(version) {
      const path = join(repo, `${version}.root.json`);
      const original = readFileSync(path);
      const envelope = JSON.parse(original.toString('utf8')) as { signatures: { sig: string }[] };
      for (const s of envelope.signatures) s.sig = `${s.sig.slice(0, -1)}${s.sig.endsWith('0') ? '1' : '0'}`;
      writeFileSync(path, `${JSON.stringify(envelope, null, 2)}\n`);
      return () => writeFileSync(path, original);
    },
    close: () => sh.close(),
  };
}

/**
 * The same document, written compactly and padded with trailing spaces (JSON whitespace) to its
 * original length: it means exactly what the signed target means and has its length, so a client
 * that refuses it refused the bytes, by their hash, not a parse error or a length mismatch.
 */
export function reformatted(text: string): string {
  const compact = JSON.stringify(JSON.parse(text));
  assert.ok(compact.length < text.length, 'the served target is already compact JSON: nothing to reformat');
  return compact.padEnd(text.length, ' ');
}

/** The highest `signed.version` among the root.json files under `dir` (a client's TUF cache), or 0. */
export function cachedRootVersion(dir: string): number {
  let best = 0;
  const walk = (d: string): void => {
    let entries: Dirent[];
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'root.json') {
        try { best = Math.max(best, (JSON.parse(readFileSync(path, 'utf8')) as { signed: { version: number } }).signed.version); } catch { /* not TUF metadata */ }
      }
    }
  };
  walk(dir);
  return best;
}

/** @sigstore/cli (the `sigstore` command of sigstore-js), as scripts/install-sigstore-cli.sh installs it. */
export interface SigstoreCli {
  /** Its entry point, a node script (bin/run), run with this Node. */
  readonly main: string;
  /** Why the test skips, or undefined when it runs. */
  readonly skip?: string;
}

/** The directory the install script fills; SEALHOUSE_SIGSTORE_CLI_DIR overrides it for both. */
export const sigstoreCliDir = (): string => process.env.SEALHOUSE_SIGSTORE_CLI_DIR ?? join(homedir(), '.cache', 'sealhouse', 'sigstore-cli');

/** Find @sigstore/cli; when it is missing the test skips, naming the script, except under CI=true, where that is a failure. */
export function locateSigstoreCli(): SigstoreCli {
  const main = join(sigstoreCliDir(), 'node_modules', '@sigstore', 'cli', 'bin', 'run');
  if (existsSync(main)) return { main };
  const why = `SKIPPED: @sigstore/cli is not installed in ${sigstoreCliDir()} (run scripts/install-sigstore-cli.sh)`;
  if (process.env.CI === 'true') throw new Error(`${why} — CI=true, so this is a failure`);
  console.error(`# ${why}`);
  return { main, skip: why };
}
