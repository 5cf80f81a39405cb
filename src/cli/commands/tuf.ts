/**
 * `sealhouse tuf init|update|refresh|rotate-root`: publishes this instance's trust documents as
 * TUF targets (src/tuf/). Root and targets are signed with the offline keys, which only init,
 * update and rotate-root need; refresh (what the server does by itself every few minutes) needs
 * only the online ones.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { SealhouseError } from '../../errors.js';
import { socketErrorMeaning } from '../../socket-errors.js';
import { trustTargets } from '../../http/trust-router.js';
import { loadTrustDocuments } from '../../server.js';
import { generateTufKey, type TufKey } from '../../tuf/keys.js';
import { ROLE_NAMES, type RoleName } from '../../tuf/metadata.js';
import { checkRootRotation, initRepository, refreshRepository, rotateRoot, type TrustTargets, updateRepository } from '../../tuf/repository.js';
import { createRoleKeys, loadRoleKeys, OFFLINE_ROLES, ONLINE_ROLES, replaceOnlineKeys, writeOfflineKeys } from '../../tuf/role-keys.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse tuf init    --offline-keys DIR [--online-keys DIR] [--repo DIR] [DOCUMENTS]
       sealhouse tuf update  --offline-keys DIR [--online-keys DIR] [--repo DIR] [DOCUMENTS]
       sealhouse tuf refresh [--online-keys DIR] [--repo DIR]
       sealhouse tuf rotate-root --offline-keys OLD_DIR [--new-offline-keys NEW_DIR] [--roles LIST]
                             [--online-keys DIR] [--repo DIR]

init     writes new TUF keys (mode 0600) — root and targets into --offline-keys, snapshot and
         timestamp into --online-keys — and a new repository of the trust documents into --repo
update   signs a new targets version with the offline targets key when the documents changed
         (or the targets are past half their lifetime), else only a new timestamp
refresh  re-signs the snapshot and timestamp when they are past half their lifetime; the
         server does this itself while it runs
rotate-root  signs root version N+1 listing new keys for the roles in --roles (default
         root,targets; any of root,targets,snapshot,timestamp) with the current root key from
         OLD_DIR and the new root key, so clients that trust N.root.json follow to N+1 on their
         next refresh; re-signs the same targets when the targets key rotated, then signs a new
         snapshot and timestamp. New root/targets keys are written (mode 0600) to NEW_DIR, which
         must hold no keys yet (required when root or targets rotate); a kept offline key is
         copied there, so NEW_DIR replaces OLD_DIR from now on. New snapshot/timestamp keys
         replace those in --online-keys, each old one kept as <role>.retired-<N>.pem; a running
         server signs with them at its next look, without a restart

--online-keys  default SEALHOUSE_TUF_KEYS_DIR, else <SEALHOUSE_DATA_DIR>/tuf-keys (where the server looks)
--repo         default SEALHOUSE_TUF_DIR, else <SEALHOUSE_DATA_DIR>/tuf (what the server serves at /tuf/)
DOCUMENTS      --from-server URL           the documents a running Sealhouse serves at URL
               --trusted-root F --signing-config F
               (neither: built from this configuration, which opens its database — on the
               embedded one only while no server runs on it)
Move the --offline-keys directory off the server after init; bring it back for update and rotate-root.`;

/** The most `--from-server` reads of one document: a trust document is a few KiB; 4 MiB is far past any real one. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

const tooLarge = (url: URL): SealhouseError =>
  new SealhouseError('payload_too_large', `${url.href} sent more than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB, far more than a trust document: ` +
    'is --from-server the base URL of a Sealhouse? (or save the two documents and give --trusted-root F --signing-config F)');

/** The body, refused as soon as it passes MAX_DOCUMENT_BYTES (by Content-Length before reading, else while reading). */
async function boundedBody(url: URL, response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel();
    throw tooLarge(url);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_DOCUMENT_BYTES) {
        await reader.cancel();
        throw tooLarge(url);
      }
      chunks.push(value);
    }
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

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
  if (!response.ok) {
    await response.body?.cancel();
    throw new SealhouseError('invalid_input', `${url.href} answered ${response.status}: is --from-server the base URL of a running Sealhouse?`);
  }
  return boundedBody(url, response);
}

function parseRoles(list: string | undefined): RoleName[] {
  const names = (list ?? 'root,targets').split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(ROLE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new UsageError(`--roles takes a comma-separated list of ${ROLE_NAMES.join(', ')}; got "${list ?? ''}"`);
  return ROLE_NAMES.filter((role) => names.includes(role));
}

/** `tuf rotate-root`: checks everything, then writes the new keys, then the metadata that lists them. */
function rotate(repo: string, offline: string, online: string, newOffline: string | undefined, roles: readonly RoleName[]): string {
  const rotatesOffline = roles.some((role) => (OFFLINE_ROLES as readonly RoleName[]).includes(role));
  if (rotatesOffline && !newOffline) throw new UsageError('--new-offline-keys NEW_DIR is required when root or targets rotate: the new offline keys are written there');
  if (!rotatesOffline && newOffline) throw new UsageError('--new-offline-keys is only for rotating root or targets; --roles names neither');
  const { root: oldRoot } = loadRoleKeys(offline, ['root']);
  const next = {} as Record<RoleName, TufKey>;
  for (const role of ROLE_NAMES) {
    if (roles.includes(role)) next[role] = generateTufKey();
    else next[role] = loadRoleKeys((OFFLINE_ROLES as readonly RoleName[]).includes(role) ? offline : online, [role])[role];
  }
  const current = checkRootRotation(repo, oldRoot, next, roles);
  // Keys first: were the metadata first, a server looking in between would sign with keys it no longer lists.
  if (newOffline) writeOfflineKeys(newOffline, next);
  replaceOnlineKeys(online, Object.fromEntries(roles.filter((role) => !(OFFLINE_ROLES as readonly RoleName[]).includes(role)).map((role) => [role, next[role]])), current.version);
  const done = rotateRoot(repo, oldRoot, next, roles);
  return `signed ${done.rootVersion}.root.json with the old and the new root key, listing new ${roles.join(', ')} keys` +
    (roles.includes('targets') ? `; re-signed the targets as version ${done.targetsVersion}` : '') +
    `; new snapshot ${done.snapshotVersion} and timestamp ${done.timestampVersion}` +
    (newOffline ? `. The offline keys are now in ${newOffline} (move it off the server; ${offline} no longer signs anything clients accept)` : '') +
    (roles.some((role) => !(OFFLINE_ROLES as readonly RoleName[]).includes(role)) ? `. New online keys in ${online}, the old kept as <role>.retired-${current.version}.pem` : '') +
    '\n';
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
        'new-offline-keys': { type: 'string' }, roles: { type: 'string' },
      },
    });
    const [action, ...rest] = positionals;
    if (action !== 'init' && action !== 'update' && action !== 'refresh' && action !== 'rotate-root') {
      throw new UsageError(`expected "init", "update", "refresh" or "rotate-root", got "${action ?? ''}"`);
    }
    if (action !== 'rotate-root' && (values['new-offline-keys'] !== undefined || values.roles !== undefined)) throw new UsageError('--new-offline-keys and --roles are options of rotate-root');
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
    if (action === 'rotate-root') {
      if (values['trusted-root'] ?? values['signing-config'] ?? values['from-server']) throw new UsageError('rotate-root keeps the published documents; to change them, run `tuf update` afterwards');
      process.stdout.write(rotate(repo, offline, online, values['new-offline-keys'], parseRoles(values.roles)));
    } else if (action === 'init') {
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
