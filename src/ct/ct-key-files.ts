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
import { type EcKeyUse, findKeyFor, rotatingKeyFiles } from '../key-file.js';

export const CT_KEY_FILE = 'ct-key.pem';
export const CT_KEY_USE: EcKeyUse = { what: 'the CT log key' };

export interface CtKeySettings {
  readonly ctKeyPath: string | undefined;
  readonly dataDir: string;
}

/** The files that may hold the key of the shard in use, in the order they are tried. */
export const ctKeyFiles = (settings: CtKeySettings): string[] => rotatingKeyFiles({ path: settings.ctKeyPath, dataDir: settings.dataDir, fileName: CT_KEY_FILE });

/** The private key among `files` whose public key is `spki` (DER), or undefined when none holds it yet. */
export const findCtKey = (files: readonly string[], spki: Buffer): KeyObject | undefined => findKeyFor(files, spki, CT_KEY_USE)?.privateKey;
