/**
 * Rekor v1 checkpoints (rekor-api.md §4): a C2SP signed note whose text is
 *
 *   sealhouse.example - 4286371985416040731\n   origin "<host> - <treeID>"
 *   42\n                                        tree size
 *   q8Ww5G5ZZ0ni0UOnnh0bSbuxk7SUZ8jF6ZGMNkQbhpU=\n  base64 root hash
 *   \n
 *   — sealhouse.example MEUCIQ…\n              "— <name> base64(keyHint ‖ DER ECDSA signature)"
 *
 * The signed message is the text up to and including the newline before the LAST blank line
 * (C2SP signed-note; core/note.ts parses it for the server too); the key hint is logID[0:4];
 * the signature is ECDSA-SHA256 over the message.
 */
import { tryDecodeBase64 } from './base64.js';
import { equalBytes, utf8 } from './bytes.js';
import type { CoreCrypto } from './crypto.js';
import { CoreError } from './errors.js';
import { parseSignedNote } from './note.js';

export class CheckpointError extends CoreError {
  constructor(message: string) {
    super('malformed_note', message);
    this.name = 'CheckpointError';
  }
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: string[];
  /** The signed text (header lines, each ending in \n). */
  readonly text: string;
  readonly signatures: { name: string; keyHint: Uint8Array; signature: Uint8Array }[];
}


/** A signed checkpoint note: split as C2SP says (core/note.ts, the LAST blank line), then its text read. */
export function parseCheckpoint(note: string): Checkpoint {
  let signed;
  try {
    signed = parseSignedNote(note);
  } catch (err) {
    throw new CheckpointError((err as Error).message);
  }
  const text = signed.text;
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = text.slice(0, -1).split('\n');
  if (origin === '') throw new CheckpointError('the checkpoint origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw new CheckpointError(`the checkpoint size line ${JSON.stringify(sizeLine)} is not a decimal tree size`);
  }
  const rootHash = tryDecodeBase64(rootLine, 'canonical');
  if (rootHash === undefined) throw new CheckpointError(`the checkpoint root line ${JSON.stringify(rootLine)} is not base64`);
  if (rootHash.length !== 32) throw new CheckpointError(`the checkpoint root hash is ${rootHash.length} bytes, expected 32`);
  if (extensions.includes('')) throw new CheckpointError('a checkpoint extension line is empty');
  return { origin, size: Number(sizeLine), rootHash, extensions, text, signatures: signed.signatures };
}

export interface CheckpointKey {
  /** The log ID: SHA-256 of the DER SPKI; its first four bytes are the key hint. */
  readonly logId: Uint8Array;
  /** DER SubjectPublicKeyInfo of the log's key (ECDSA for Rekor v1, Ed25519 for Rekor v2). */
  readonly spki: Uint8Array;
  /**
   * The signer names the log may use (from a trusted root's baseUrl: its host with and without
   * the port). Empty or absent: any name; the key hint and the signature still decide.
   */
  readonly names?: readonly string[];
}

/**
 * The signer names a log at `baseUrl` may put on its checkpoints: the host with its port and
 * without (sigstore-js accepts a name found in baseUrl, so "host:8000" and "host" both work for
 * http://host:8000). Undefined when `baseUrl` is not a URL.
 */
export function checkpointSignerNames(baseUrl: string): string[] | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  return [...new Set([url.host, url.hostname])];
}

const quoted = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(' or ');

/**
 * Verifies the signature whose key hint is the key's (and, when the key has names, whose name
 * is one of them) through the host's crypto. Returns the signer name; throws with the reason.
 * The one checkpoint-signature check: the page, the CLI, the monitor and bundle verification.
 */
export function verifyCheckpointSignature(crypto: CoreCrypto, cp: Checkpoint, key: CheckpointKey): string {
  const hint = key.logId.subarray(0, 4);
  const candidates = cp.signatures.filter((s) => equalBytes(s.keyHint, hint));
  if (candidates.length === 0) throw new CheckpointError("no signature on the checkpoint has the trusted log key's key hint");
  const names = key.names ?? [];
  const named = names.length === 0 ? candidates : candidates.filter((s) => names.includes(s.name));
  if (named.length === 0) throw new CheckpointError(`the checkpoint is signed as ${JSON.stringify(candidates[0]?.name)}, not as the trusted log ${quoted(names)}`);
  const data = utf8(cp.text);
  const good = named.find((s) => crypto.verify({ spki: key.spki, hash: 'sha256', signature: s.signature, data }));
  if (good === undefined) throw new CheckpointError('the checkpoint signature does not verify with the trusted log key');
  return good.name;
}
