/**
 * TUF 1.0 metadata for the four top-level roles (root, targets, snapshot, timestamp), signed
 * with one Ed25519 key each, consistent snapshots on (the specification's field names).
 */
import { createHash } from 'node:crypto';
import { type TufKey, signCanonical, type TufPublicKey } from './keys.js';

export const SPEC_VERSION = '1.0.31';
export const ROLE_NAMES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
export type RoleKeys = Readonly<Record<RoleName, TufKey>>;

/** Default lifetimes in days (the specification leaves them to the repository). */
export const DEFAULT_EXPIRY_DAYS: Readonly<Record<RoleName, number>> = { root: 365, targets: 365, snapshot: 7, timestamp: 1 };

export interface Signed { readonly _type: RoleName; readonly spec_version: string; readonly version: number; readonly expires: string }
export interface Envelope<T extends Signed = Signed> {
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
  readonly signed: T;
}
export interface TargetFile { readonly length: number; readonly hashes: { readonly sha256: string } }
export interface TargetsSigned extends Signed { readonly targets: Readonly<Record<string, TargetFile>> }
export interface MetaSigned extends Signed { readonly meta: Readonly<Record<string, { readonly version: number }>> }
export interface RoleSpec { readonly keyids: readonly string[]; readonly threshold: number }
export interface RootSigned extends Signed {
  readonly consistent_snapshot: boolean;
  readonly keys: Readonly<Record<string, TufPublicKey>>;
  readonly roles: Readonly<Record<RoleName, RoleSpec>>;
}

/** TUF's expiry form: ISO 8601 UTC to the second. */
export const expiryAfter = (now: Date, days: number): string => new Date(now.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Signed by each of `keys` (one signature per distinct key: a root rotation signs with the old root key and the new). */
export function signEnvelope<T extends Signed>(signed: T, ...keys: readonly TufKey[]): Envelope<T> {
  const distinct = keys.filter((key, i) => keys.findIndex((k) => k.keyid === key.keyid) === i);
  return { signatures: distinct.map((key) => ({ keyid: key.keyid, sig: signCanonical(key, signed) })), signed };
}

const header = <R extends RoleName>(type: R, version: number, expires: string) => ({ _type: type, spec_version: SPEC_VERSION, version, expires });

/** Root metadata listing one key per role (threshold 1), signed by `signers` (default: its own root key). */
export function rootMetadata(keys: RoleKeys, version: number, expires: string, signers: readonly TufKey[] = [keys.root]): Envelope<RootSigned> {
  const publicKeys: Record<string, TufPublicKey> = {};
  const roles = {} as Record<RoleName, RoleSpec>;
  for (const role of ROLE_NAMES) {
    publicKeys[keys[role].keyid] = keys[role].publicKey;
    roles[role] = { keyids: [keys[role].keyid], threshold: 1 };
  }
  return signEnvelope({ ...header('root', version, expires), consistent_snapshot: true, keys: publicKeys, roles }, ...signers);
}

export const targetFile = (bytes: Uint8Array): TargetFile => ({ length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } });

export function targetsMetadata(key: TufKey, version: number, expires: string, targets: Readonly<Record<string, Uint8Array>>): Envelope<TargetsSigned> {
  const files: Record<string, TargetFile> = {};
  for (const [name, bytes] of Object.entries(targets)) files[name] = targetFile(bytes);
  return targetsMetadataOf(key, version, expires, files);
}

/** Targets metadata for files already described (a new targets key re-signing the same targets). */
export const targetsMetadataOf = (key: TufKey, version: number, expires: string, files: Readonly<Record<string, TargetFile>>): Envelope<TargetsSigned> =>
  signEnvelope({ ...header('targets', version, expires), targets: { ...files } }, key);

export const snapshotMetadata = (key: TufKey, version: number, expires: string, targetsVersion: number): Envelope<MetaSigned> =>
  signEnvelope({ ...header('snapshot', version, expires), meta: { 'targets.json': { version: targetsVersion } } }, key);

export const timestampMetadata = (key: TufKey, version: number, expires: string, snapshotVersion: number): Envelope<MetaSigned> =>
  signEnvelope({ ...header('timestamp', version, expires), meta: { 'snapshot.json': { version: snapshotVersion } } }, key);
