/**
 * The four role keys on disk, DIR/<role>.pem (PKCS#8 PEM, mode 0600, never overwritten), in two
 * directories: root and targets are the offline keys (the operator moves that directory off the
 * server and brings it back only to sign a new root or targets version), snapshot and timestamp
 * the online keys the server itself re-signs with before their metadata expires. A root rotation
 * writes a whole new offline directory and replaces online keys in place (the server reads them
 * on every look), keeping each replaced one as <role>.retired-<root version>.pem.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealhouseError } from '../errors.js';
import { checkKeyFileMode } from '../private-files.js';
import { generateTufKey, type TufKey, tufKeyFromPem, tufKeyPem } from './keys.js';
import { ROLE_NAMES, type RoleKeys, type RoleName } from './metadata.js';

export const OFFLINE_ROLES = ['root', 'targets'] as const satisfies readonly RoleName[];
export const ONLINE_ROLES = ['snapshot', 'timestamp'] as const satisfies readonly RoleName[];
export type OnlineKeys = Readonly<Record<(typeof ONLINE_ROLES)[number], TufKey>>;

const keyPath = (dir: string, role: RoleName): string => join(dir, `${role}.pem`);

/** Where each role's key lives: the offline directory for root and targets, the online one for the rest. */
export interface KeyDirs { readonly offline: string; readonly online: string }
const dirOf = (dirs: KeyDirs, role: RoleName): string => ((OFFLINE_ROLES as readonly RoleName[]).includes(role) ? dirs.offline : dirs.online);

export function createRoleKeys(dirs: KeyDirs): RoleKeys {
  const existing = ROLE_NAMES.map((role) => keyPath(dirOf(dirs, role), role)).filter((path) => existsSync(path));
  if (existing.length > 0) throw new SealhouseError('invalid_input', `refusing to overwrite existing TUF keys: ${existing.join(', ')}`);
  mkdirSync(dirs.offline, { recursive: true, mode: 0o700 });
  mkdirSync(dirs.online, { recursive: true, mode: 0o700 });
  const keys = Object.fromEntries(ROLE_NAMES.map((role) => [role, generateTufKey()])) as Record<RoleName, TufKey>;
  // flag 'wx': a key appearing between the check and the write is still never replaced.
  for (const role of ROLE_NAMES) writeFileSync(keyPath(dirOf(dirs, role), role), tufKeyPem(keys[role]), { mode: 0o600, flag: 'wx' });
  return keys;
}

/** The named roles' keys from one directory; a key file others can read is refused, as every Sealhouse key is. */
export function loadRoleKeys<R extends RoleName>(dir: string, roles: readonly R[]): Record<R, TufKey> {
  const keys = {} as Record<R, TufKey>;
  for (const role of roles) {
    const path = keyPath(dir, role);
    if (!existsSync(path)) throw new SealhouseError('invalid_input', `no TUF ${role} key at ${path} (\`sealhouse tuf init\` writes it)`);
    checkKeyFileMode(path, `the TUF ${role} key`);
    keys[role] = tufKeyFromPem(readFileSync(path, 'utf8'));
  }
  return keys;
}

/** Whether DIR holds both online keys, so the server can keep the repository fresh. */
export const hasOnlineKeys = (dir: string): boolean => ONLINE_ROLES.every((role) => existsSync(keyPath(dir, role)));

/**
 * The offline keys after a root rotation, into a directory that holds none yet (mode 0700, files
 * 0600, 'wx'): the new ones and, for a role that did not rotate, a copy of the key it keeps, so
 * this directory is the complete offline directory from now on.
 */
export function writeOfflineKeys(dir: string, keys: Readonly<Record<(typeof OFFLINE_ROLES)[number], TufKey>>): void {
  const existing = OFFLINE_ROLES.map((role) => keyPath(dir, role)).filter((path) => existsSync(path));
  if (existing.length > 0) throw new SealhouseError('invalid_input', `refusing to overwrite existing TUF keys: ${existing.join(', ')} (give --new-offline-keys an empty or new directory)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const role of OFFLINE_ROLES) writeFileSync(keyPath(dir, role), tufKeyPem(keys[role]), { mode: 0o600, flag: 'wx' });
}

/**
 * New online keys in place of the old: each is written beside the old one first, the old one is
 * renamed to <role>.retired-<retiredAt>.pem (when there is one: a lost online key can be rotated
 * too), and the new one renamed into place, so a reader always finds a whole key file.
 */
export function replaceOnlineKeys(dir: string, keys: Partial<OnlineKeys>, retiredAt: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const role of ONLINE_ROLES) {
    const key = keys[role];
    if (!key) continue;
    const path = keyPath(dir, role);
    const fresh = `${path}.new`;
    const retired = join(dir, `${role}.retired-${retiredAt}.pem`);
    if (existsSync(retired)) throw new SealhouseError('invalid_input', `refusing to overwrite ${retired}`);
    writeFileSync(fresh, tufKeyPem(key), { mode: 0o600, flag: 'wx' });
    if (existsSync(path)) renameSync(path, retired);
    renameSync(fresh, path);
  }
}
