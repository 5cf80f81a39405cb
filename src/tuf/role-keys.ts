/** The four role keys on disk: DIR/<role>.pem, PKCS#8 PEM, mode 0600, never overwritten. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTufKey, tufKeyFromPem, tufKeyPem } from './keys.js';
import { ROLE_NAMES, type RoleKeys, type RoleName } from './metadata.js';

const keyPath = (dir: string, role: RoleName): string => join(dir, `${role}.pem`);

export function createRoleKeys(dir: string): RoleKeys {
  const existing = ROLE_NAMES.map((role) => keyPath(dir, role)).filter((path) => existsSync(path));
  if (existing.length > 0) throw new Error(`refusing to overwrite existing TUF keys: ${existing.join(', ')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = Object.fromEntries(ROLE_NAMES.map((role) => [role, generateTufKey()])) as Record<RoleName, ReturnType<typeof generateTufKey>>;
  // flag 'wx': a key appearing between the check and the write is still never replaced.
  for (const role of ROLE_NAMES) writeFileSync(keyPath(dir, role), tufKeyPem(keys[role]), { mode: 0o600, flag: 'wx' });
  return keys;
}

export function loadRoleKeys(dir: string, roles: readonly RoleName[] = ROLE_NAMES): Partial<RoleKeys> {
  const keys: Partial<Record<RoleName, ReturnType<typeof generateTufKey>>> = {};
  for (const role of roles) {
    const path = keyPath(dir, role);
    if (!existsSync(path)) throw new Error(`no ${role} key at ${path} (run \`sealhouse tuf init\` first)`);
    keys[role] = tufKeyFromPem(readFileSync(path, 'utf8'));
  }
  return keys;
}
