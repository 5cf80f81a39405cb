/**
 * A TUF repository directory for the trust documents: versioned metadata
 * (N.root.json, N.targets.json, N.snapshot.json), timestamp.json, root.json (a copy of the
 * newest root, to bootstrap clients) and the targets under their consistent-snapshot names
 * targets/<sha256hex>.<name>.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_EXPIRY_DAYS, type Envelope, expiryAfter, type MetaSigned, ROLE_NAMES, type RoleKeys, type RoleName, rootMetadata, type RootSigned,
  type Signed, snapshotMetadata, targetFile, type TargetsSigned, targetsMetadata, targetsMetadataOf, timestampMetadata,
} from './metadata.js';
import { SealhouseError } from '../errors.js';
import type { TufKey } from './keys.js';

/** The TUF target names sigstore clients ask for. */
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';
export const SIGNING_CONFIG_TARGET = 'signing_config.v0.2.json';

export interface TrustTargets { readonly trustedRoot: Uint8Array; readonly signingConfig: Uint8Array }
export interface RepositoryOptions { readonly now?: Date; readonly expiryDays?: Partial<Record<RoleName, number>> }

const metadataText = (envelope: Envelope): string => `${JSON.stringify(envelope, null, 2)}\n`;

/** timestamp.json and root.json are replaced while the server reads them: a reader sees the old file or the new, never half of one. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
const expiry = (role: RoleName, options: RepositoryOptions): string => expiryAfter(options.now ?? new Date(), options.expiryDays?.[role] ?? DEFAULT_EXPIRY_DAYS[role]);
const remainingMs = (signed: Signed, now: Date): number => Date.parse(signed.expires) - now.getTime();
const halfLife = (role: RoleName, options: RepositoryOptions): number => ((options.expiryDays?.[role] ?? DEFAULT_EXPIRY_DAYS[role]) * 86_400_000) / 2;
const targetMap = (docs: TrustTargets): Record<string, Uint8Array> => ({ [TRUSTED_ROOT_TARGET]: docs.trustedRoot, [SIGNING_CONFIG_TARGET]: docs.signingConfig });

function writeTargets(repo: string, docs: TrustTargets): void {
  mkdirSync(join(repo, 'targets'), { recursive: true });
  for (const [name, bytes] of Object.entries(targetMap(docs))) writeFileSync(join(repo, 'targets', `${targetFile(bytes).hashes.sha256}.${name}`), bytes);
}

function writeTargetsChain(repo: string, keys: Pick<RoleKeys, 'targets' | 'snapshot' | 'timestamp'>, version: number, docs: TrustTargets, timestampVersion: number, options: RepositoryOptions): void {
  writeTargets(repo, docs);
  writeFileSync(join(repo, `${version}.targets.json`), metadataText(targetsMetadata(keys.targets, version, expiry('targets', options), targetMap(docs))));
  writeFileSync(join(repo, `${version}.snapshot.json`), metadataText(snapshotMetadata(keys.snapshot, version, expiry('snapshot', options), version)));
  writeTimestamp(repo, keys.timestamp, timestampVersion, version, options);
}

export function writeTimestamp(repo: string, key: TufKey, version: number, snapshotVersion: number, options: RepositoryOptions): void {
  replaceFile(join(repo, 'timestamp.json'), metadataText(timestampMetadata(key, version, expiry('timestamp', options), snapshotVersion)));
}

/** A new repository: version 1 of every role. */
export function initRepository(repo: string, keys: RoleKeys, docs: TrustTargets, options: RepositoryOptions = {}): void {
  if (existsSync(join(repo, '1.root.json'))) throw new SealhouseError('invalid_input', `${repo} already holds a TUF repository (1.root.json); use \`sealhouse tuf update\``);
  mkdirSync(repo, { recursive: true });
  const root = metadataText(rootMetadata(keys, 1, expiry('root', options)));
  writeFileSync(join(repo, '1.root.json'), root);
  replaceFile(join(repo, 'root.json'), root);
  writeTargetsChain(repo, keys, 1, docs, 1, options);
}

function readEnvelope<T>(path: string): { signed: T } {
  if (!existsSync(path)) throw new SealhouseError('invalid_input', `${path} is missing: is this a repository made by \`sealhouse tuf init\`?`);
  return JSON.parse(readFileSync(path, 'utf8')) as { signed: T };
}

/** The newest root, N.root.json with the highest N: the one whose keys sign everything else now. */
export function currentRoot(repo: string): RootSigned {
  const versions = existsSync(repo) ? readdirSync(repo).flatMap((name) => /^([1-9][0-9]*)\.root\.json$/.exec(name)?.[1] ?? []).map(Number) : [];
  if (versions.length === 0) throw new SealhouseError('invalid_input', `${repo} holds no N.root.json: is this a repository made by \`sealhouse tuf init\`?`);
  const version = Math.max(...versions);
  const root = readEnvelope<RootSigned>(join(repo, `${version}.root.json`)).signed;
  if (root._type !== 'root' || root.version !== version) throw new SealhouseError('invalid_input', `${repo}/${version}.root.json is not root version ${version}`);
  return root;
}

const isKeyOf = (root: RootSigned, role: RoleName, key: TufKey): boolean => root.roles[role]?.keyids.includes(key.keyid) ?? false;

/**
 * Refuse keys the newest root does not list for their role: what they signed every client would
 * refuse. The usual cause is a key directory from before a `tuf rotate-root`.
 */
export function checkRoleKeys(root: RootSigned, keys: Partial<Record<RoleName, TufKey>>): void {
  for (const role of ROLE_NAMES) {
    const key = keys[role];
    if (!key || isKeyOf(root, role, key)) continue;
    const hint = role === 'root' || role === 'targets'
      ? 'if the root was rotated (`sealhouse tuf rotate-root`), use the offline keys directory it wrote (its --new-offline-keys)'
      : 'if the root was rotated (`sealhouse tuf rotate-root --roles …snapshot/timestamp`), use the online keys directory it wrote the new keys to';
    throw new SealhouseError('invalid_input', `the TUF ${role} key given (keyid ${key.keyid.slice(0, 16)}…) is not the ${role} key of ${root.version}.root.json: ${hint}`);
  }
}

/** The metadata clients see now: the chain timestamp → snapshot → targets. */
interface CurrentChain { readonly timestamp: MetaSigned; readonly snapshot: MetaSigned; readonly targets: TargetsSigned }

function currentChain(repo: string): CurrentChain {
  const timestamp = readEnvelope<MetaSigned>(join(repo, 'timestamp.json')).signed;
  const snapshot = readEnvelope<MetaSigned>(join(repo, `${timestamp.meta['snapshot.json']?.version ?? 0}.snapshot.json`)).signed;
  const targets = readEnvelope<TargetsSigned>(join(repo, `${snapshot.meta['targets.json']?.version ?? 0}.targets.json`)).signed;
  return { timestamp, snapshot, targets };
}

/** Whether the repository's current targets are exactly these documents. */
export function publishes(repo: string, docs: TrustTargets): boolean {
  return targetsAre(currentChain(repo).targets, docs);
}

function targetsAre({ targets }: TargetsSigned, docs: TrustTargets): boolean {
  const wanted = targetMap(docs);
  return Object.keys(targets).length === Object.keys(wanted).length &&
    Object.entries(wanted).every(([name, bytes]) => targets[name]?.hashes.sha256 === targetFile(bytes).hashes.sha256);
}

/**
 * New targets, snapshot and timestamp versions when the documents changed or the targets have
 * less than half their lifetime left; otherwise only a fresh timestamp (same snapshot).
 * Returns whether a new targets version was signed.
 */
export function updateRepository(repo: string, keys: Pick<RoleKeys, 'targets' | 'snapshot' | 'timestamp'>, docs: TrustTargets, options: RepositoryOptions = {}): boolean {
  checkRoleKeys(currentRoot(repo), keys);
  const { timestamp, snapshot, targets } = currentChain(repo);
  const snapshotVersion = snapshot.version;
  const targetsVersion = targets.version;
  if (targetsAre(targets, docs) && remainingMs(targets, options.now ?? new Date()) >= halfLife('targets', options)) {
    writeTimestamp(repo, keys.timestamp, timestamp.version + 1, snapshotVersion, options);
    return false;
  }
  // One counter for targets and snapshot: both move together here.
  const next = Math.max(targetsVersion, snapshotVersion) + 1;
  writeTargetsChain(repo, keys, next, docs, timestamp.version + 1, options);
  return true;
}

/** What `refreshRepository` re-signed. */
export type Refreshed = 'nothing' | 'timestamp' | 'snapshot and timestamp';


/**
 * Keeps the online roles from expiring, with the online keys only: a new snapshot version
 * (listing the same targets) once less than half of its lifetime is left, and a new timestamp
 * once less than half of its own is. Re-signing at half-life leaves a client that refreshes at
 * any moment a margin of at least half a lifetime; targets and root need the offline keys.
 */
export function refreshRepository(repo: string, keys: Pick<RoleKeys, 'snapshot' | 'timestamp'>, options: RepositoryOptions = {}): Refreshed {
  const now = options.now ?? new Date();
  checkRoleKeys(currentRoot(repo), keys);
  const { timestamp, snapshot, targets } = currentChain(repo);
  if (remainingMs(snapshot, now) < halfLife('snapshot', options)) {
    const version = snapshot.version + 1;
    writeFileSync(join(repo, `${version}.snapshot.json`), metadataText(snapshotMetadata(keys.snapshot, version, expiry('snapshot', options), targets.version)));
    writeTimestamp(repo, keys.timestamp, timestamp.version + 1, version, options);
    return 'snapshot and timestamp';
  }
  if (remainingMs(timestamp, now) < halfLife('timestamp', options)) {
    writeTimestamp(repo, keys.timestamp, timestamp.version + 1, snapshot.version, options);
    return 'timestamp';
  }
  return 'nothing';
}

/** What `rotateRoot` wrote. */
export interface RootRotation {
  readonly rootVersion: number;
  readonly targetsVersion: number;
  readonly snapshotVersion: number;
  readonly timestampVersion: number;
}

/**
 * Check a rotation before anything is written: `oldRoot` must be a root key of the newest root
 * (it signs the new root, so clients holding the old one accept it), each role in `rotating`
 * must get a key the newest root does not list, and each other role must keep its key.
 * Returns the newest root.
 */
export function checkRootRotation(repo: string, oldRoot: TufKey, next: RoleKeys, rotating: readonly RoleName[]): RootSigned {
  const root = currentRoot(repo);
  if (!isKeyOf(root, 'root', oldRoot)) {
    throw new SealhouseError('invalid_input', `the root key given (keyid ${oldRoot.keyid.slice(0, 16)}…) is not the root key of ${root.version}.root.json, so clients would refuse a root it signs: ` +
      '--offline-keys must be the directory holding the current root key (after an earlier rotate-root, the one it wrote)');
  }
  if (rotating.length === 0) throw new SealhouseError('invalid_input', 'no role to rotate');
  for (const role of ROLE_NAMES) {
    if (rotating.includes(role) && isKeyOf(root, role, next[role])) throw new SealhouseError('invalid_input', `the new ${role} key is already the ${role} key of ${root.version}.root.json`);
    if (!rotating.includes(role)) checkRoleKeys(root, { [role]: next[role] });
  }
  currentChain(repo);
  return root;
}

/**
 * Root version N+1 listing the keys `next` (new ones for the roles in `rotating`), signed with the
 * old root key and the new one: a client that trusts N checks N+1 against N's root keys and then
 * its own, as the TUF specification (5.3) requires. When the targets key rotated, the same
 * targets are re-signed with the new key as a new targets version; then a new snapshot and
 * timestamp with the (new or kept) online keys, so the whole chain verifies under N+1.
 */
export function rotateRoot(repo: string, oldRoot: TufKey, next: RoleKeys, rotating: readonly RoleName[], options: RepositoryOptions = {}): RootRotation {
  const root = checkRootRotation(repo, oldRoot, next, rotating);
  const rootVersion = root.version + 1;
  const text = metadataText(rootMetadata(next, rootVersion, expiry('root', options), [oldRoot, next.root]));
  // 'wx': a root version, once published, is never replaced (clients may already trust it).
  writeFileSync(join(repo, `${rootVersion}.root.json`), text, { flag: 'wx' });
  replaceFile(join(repo, 'root.json'), text);
  const { timestamp, snapshot, targets } = currentChain(repo);
  let targetsVersion = targets.version;
  let snapshotVersion = snapshot.version + 1;
  if (rotating.includes('targets')) {
    // One counter for targets and snapshot when both move, as updateRepository does.
    snapshotVersion = Math.max(targets.version, snapshot.version) + 1;
    targetsVersion = snapshotVersion;
    writeFileSync(join(repo, `${targetsVersion}.targets.json`), metadataText(targetsMetadataOf(next.targets, targetsVersion, expiry('targets', options), targets.targets)));
  }
  writeFileSync(join(repo, `${snapshotVersion}.snapshot.json`), metadataText(snapshotMetadata(next.snapshot, snapshotVersion, expiry('snapshot', options), targetsVersion)));
  writeTimestamp(repo, next.timestamp, timestamp.version + 1, snapshotVersion, options);
  return { rootVersion, targetsVersion, snapshotVersion, timestampVersion: timestamp.version + 1 };
}
