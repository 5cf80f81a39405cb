/**
 * Where the CT log's signing keys live, and finding the one a shard is bound to. A shard's key is
 * its tree's public_key (migrations/0006_log_shards.sql); the private key is whichever of the
 * operator's files holds it:
 *   configured (SEALHOUSE_CT_KEY): that file; `sealhouse rotate ct` rotates to what it holds now
 *   generated: <dataDir>/ct-key.pem; `rotate ct` writes the new key as ct-key.next.pem, records
 *     the new shard, then renames (old → ct-key.retired-<ordinal>.pem, next → ct-key.pem). A
 *     process that meets the new shard between those steps finds the key under either name, so a
 *     batch waiting on the rotation never waits for the renames.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadEcKey } from '../key-file.js';

export const CT_KEY_FILE = 'ct-key.pem';
export const CT_NEXT_KEY_FILE = 'ct-key.next.pem';
/** The generated key of shard `ordinal` once the log has rotated past it. */
export const retiredCtKeyFile = (ordinal: number): string => `ct-key.retired-${ordinal}.pem`;

export interface CtKeySettings {
  readonly ctKeyPath: string | undefined;
  readonly dataDir: string;
}

/** The files that may hold the key of the shard in use, in the order they are tried. */
export function ctKeyFiles(settings: CtKeySettings): string[] {
  return settings.ctKeyPath ? [settings.ctKeyPath] : [join(settings.dataDir, CT_KEY_FILE), join(settings.dataDir, CT_NEXT_KEY_FILE)];
}

/**
 * The private key among `files` whose public key is `spki` (DER), or undefined when none holds
 * it yet. A file that does not load is passed over: during a rotation it may be half renamed,
 * and the caller says which files it looked in when nothing matched.
 */
export function findCtKey(files: readonly string[], spki: Buffer): KeyObject | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const key = loadEcKey(file, { what: 'the CT log key' });
      if (key.publicKey.export({ type: 'spki', format: 'der' }).equals(spki)) return key.privateKey;
    } catch {
      // not this one (or not readable yet): try the next
    }
  }
  return undefined;
}
