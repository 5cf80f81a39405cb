/**
 * `sealhouse tuf init|update|refresh`: publishes this instance's trust documents as TUF targets
 * (src/tuf/). Root and targets are signed with the offline keys, which only init and update
 * need; refresh (what the server does by itself every few minutes) needs only the online ones.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { SealhouseError } from '../../errors.js';
import { socketErrorMeaning } from '../../socket-errors.js';
import { trustTargets } from '../../http/trust-router.js';
import { loadTrustDocuments } from '../../server.js';
import { initRepository, refreshRepository, type TrustTargets, updateRepository } from '../../tuf/repository.js';
import { createRoleKeys, loadRoleKeys, ONLINE_ROLES } from '../../tuf/role-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse tuf init    --offline-keys DIR [--online-keys DIR] [--repo DIR] [DOCUMENTS]
       sealhouse tuf update  --offline-keys DIR [--online-keys DIR] [--repo DIR] [DOCUMENTS]
       sealhouse tuf refresh [--online-keys DIR] [--repo DIR]

init     writes new TUF keys (mode 0600) — root and targets into --offline-keys, snapshot and
         timestamp into --online-keys — and a new repository of the trust documents into --repo
update   signs a new targets version with the offline targets key when the documents changed
         (or the targets are past half their lifetime), else only a new timestamp
refresh  re-signs the snapshot and timestamp when they are past half their lifetime; the
         server does this itself while it runs

--online-keys  default SEALHOUSE_TUF_KEYS_DIR, else <SEALHOUSE_DATA_DIR>/tuf-keys (where the server looks)
--repo         default SEALHOUSE_TUF_DIR, else <SEALHOUSE_DATA_DIR>/tuf (what the server serves at /tuf/)
DOCUMENTS      --from-server URL           the documents a running Sealhouse serves at URL
               --trusted-root F --signing-config F
               (neither: built from this configuration, which opens its database — on the
               embedded one only while no server runs on it)
Move the --offline-keys directory off the server after init; bring it back for update.`;

async function fetchDocument(url: URL): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    // fetch says only "fetch failed"; what went wrong is in its cause.
    const cause = (err as { cause?: { code?: unknown; message?: string } }).cause;
    const meaning = socketErrorMeaning(cause?.code) ?? cause?.message ?? (err as Error).message;
    throw new SealhouseError('invalid_input', `cannot fetch ${url.href} (${meaning}) — is --from-server the base URL of a running Sealhouse?`, { cause: err });
  }
  if (!response.ok) throw new SealhouseError('invalid_input', `${url.href} answered ${response.status}: is --from-server the base URL of a running Sealhouse?`);
  return new Uint8Array(await response.arrayBuffer());
}

async function documents(values: { 'trusted-root'?: string | undefined; 'signing-config'?: string | undefined; 'from-server'?: string | undefined }): Promise<TrustTargets> {
  const trustedRoot = values['trusted-root'];
  const signingConfig = values['signing-config'];
  const server = values['from-server'];
  if (Boolean(trustedRoot) !== Boolean(signingConfig)) throw new UsageError('give both --trusted-root and --signing-config, or neither');
  if (server && trustedRoot) throw new UsageError('give --from-server or the two files, not both');
  if (trustedRoot && signingConfig) return { trustedRoot: readFileSync(trustedRoot), signingConfig: readFileSync(signingConfig) };
  if (server) {
    let base: URL;
    try {
      base = new URL(server.endsWith('/') ? server : `${server}/`);
    } catch {
      throw new UsageError(`--from-server ${server} is not a URL such as http://127.0.0.1:3000`);
    }
    return { trustedRoot: await fetchDocument(new URL('trusted_root.json', base)), signingConfig: await fetchDocument(new URL('signing_config.json', base)) };
  }
  return trustTargets(await loadTrustDocuments(loadConfig()));
}

export const tufCommand: Command = {
  name: 'tuf',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true, strict: true,
      options: {
        'offline-keys': { type: 'string' }, 'online-keys': { type: 'string' }, repo: { type: 'string' },
        'trusted-root': { type: 'string' }, 'signing-config': { type: 'string' }, 'from-server': { type: 'string' },
      },
    });
    const [action, ...rest] = positionals;
    if (action !== 'init' && action !== 'update' && action !== 'refresh') throw new UsageError(`expected "init", "update" or "refresh", got "${action ?? ''}"`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const config = loadConfig();
    const repo = values.repo ?? config.tufDir;
    const online = values['online-keys'] ?? config.tufKeysDir;
    if (action === 'refresh') {
      const what = refreshRepository(repo, loadRoleKeys(online, ONLINE_ROLES));
      process.stdout.write(what === 'nothing' ? 'nothing was due\n' : `re-signed the ${what}\n`);
      return 0;
    }
    const offline = values['offline-keys'];
    if (!offline) throw new UsageError('--offline-keys DIR is required: the directory holding (or, for init, to receive) the root and targets keys');
    if (action === 'init') {
      const docs = await documents(values);
      initRepository(repo, createRoleKeys({ offline, online }), docs);
      process.stdout.write(
        `wrote the TUF root and targets keys to ${offline} (move this directory off the server), ` +
          `the snapshot and timestamp keys to ${online}, and the repository to ${repo}; clients start from ${repo}/1.root.json\n`,
      );
    } else {
      const keys = { ...loadRoleKeys(offline, ['targets']), ...loadRoleKeys(online, ONLINE_ROLES) };
      const docs = await documents(values);
      const changed = updateRepository(repo, keys, docs);
      process.stdout.write(changed ? 'signed new targets, snapshot and timestamp versions\n' : 'documents unchanged: new timestamp only\n');
    }
    return 0;
  },
};
