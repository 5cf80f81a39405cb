/**
 * A TUF repository directory for the trust documents: versioned metadata
 * (N.root.json, N.targets.json, N.snapshot.json), timestamp.json, root.json (a copy of the
 * newest root, to bootstrap clients) and the targets under their consistent-snapshot names
 * targets/<sha256hex>.<name>.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_EXPIRY_DAYS, type Envelope, expiryAfter, type MetaSigned, type RoleKeys, type RoleName, rootMetadata, type Signed,
  snapshotMetadata, targetFile, type TargetsSigned, targetsMetadata, timestampMetadata,
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
