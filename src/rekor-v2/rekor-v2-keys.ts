/**
 * Where the Rekor v2 log's Ed25519 keys live, for the server and `sealhouse rotate rekor-v2`:
 * SEALHOUSE_REKOR_V2_KEY (the operator replaces that file with the new key, then rotates), or
 * generated into the data directory as rekor-v2-key.pem. A generated rotation writes the new key
 * to rekor-v2-key.next.pem, records the new shard, copies the old file to
 * rekor-v2-key.retired-<ordinal>.pem and renames the new one over rekor-v2-key.pem, so the file
 * the server reads always exists; a running server reads the next file as well, so the moment
 * between the database and the rename holds no entry up.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadEcKey, rotatingKeyFiles, type EcKeyUse } from '../key-file.js';

export const REKOR_V2_KEY_FILE = 'rekor-v2-key.pem';

export const REKOR_V2_KEY_USE: EcKeyUse = { what: 'the Rekor v2 log key', kind: 'ed25519' };

export interface RekorV2KeySource {
  /** The keys in place now (read again at every call); the log uses the one its active shard is bound to. */
  readonly keys: () => readonly KeyObject[];
  /** Where the operator puts the key, for messages. */
  readonly where: string;
}

/** Re-readable key source of a server with this configuration; never creates a key (the server's first start does). */
export function rekorV2KeySource(config: { readonly rekorV2KeyPath?: string | undefined; readonly dataDir: string }): RekorV2KeySource {
  const configured = config.rekorV2KeyPath;
  if (configured) return { keys: () => [loadEcKey(configured, REKOR_V2_KEY_USE).privateKey], where: `SEALHOUSE_REKOR_V2_KEY=${configured}` };
  const files = rotatingKeyFiles({ dataDir: config.dataDir, fileName: REKOR_V2_KEY_FILE });
  return {
    keys: () => files.filter((f) => existsSync(f)).map((f) => loadEcKey(f, REKOR_V2_KEY_USE).privateKey),
    where: `${files[0] ?? REKOR_V2_KEY_FILE} (generated; \`sealhouse rotate rekor-v2\` replaces it)`,
  };
}
