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
  /** DER SubjectPublicKeyInfo of the log's ECDSA P-256 key. */
  readonly spki: Uint8Array;
  /** When known (from a trusted root's baseUrl): the signer name must be this. */
  readonly name?: string;
}

/**
 * Verifies the signature whose key hint is the key's (and, when the key has a name, whose
 * name matches) through the host's crypto. Returns the signer name; throws with the reason.
 */
export function verifyCheckpointSignature(crypto: CoreCrypto, cp: Checkpoint, key: CheckpointKey): string {
  const hint = key.logId.subarray(0, 4);
  const candidates = cp.signatures.filter((s) => equalBytes(s.keyHint, hint));
  if (candidates.length === 0) throw new CheckpointError('no signature on the checkpoint has the trusted log key\'s key hint');
  const named = key.name === undefined ? candidates : candidates.filter((s) => s.name === key.name);
  if (named.length === 0) throw new CheckpointError(`the checkpoint is signed as ${JSON.stringify(candidates[0]?.name)}, not as the trusted log ${JSON.stringify(key.name)}`);
  const data = utf8(cp.text);
  for (const s of named) {
    if (crypto.verify({ spki: key.spki, hash: 'sha256', signature: s.signature, data })) return s.name;
  }
  throw new CheckpointError('the checkpoint signature does not verify with the trusted log key');
}
