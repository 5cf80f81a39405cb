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
import { looksLikeBase64, tryDecodeBase64 } from './base64.js';
import { equalBytes, utf8 } from './bytes.js';
import type { CoreCrypto } from './crypto.js';
import { CoreError } from './errors.js';
import { checkNoteText, parseSignedNote, quote } from './note.js';

export class CheckpointError extends CoreError {
  constructor(message: string) {
    super('malformed_note', message);
    this.name = 'CheckpointError';
  }
}

export interface Checkpoint extends CheckpointText {
  /** The signed text (header lines, each ending in \n). */
  readonly text: string;
  readonly signatures: { name: string; keyHint: Uint8Array; signature: Uint8Array }[];
}


/** How strictly to read checkpoint text (see parseCheckpointText). */
export interface CheckpointTextOptions {
  /** Rekor Go UnmarshalCheckpoint leniency; off by default. */
  readonly lenient?: boolean;
  /** Refuse a checkpoint whose origin line is not exactly this (another log's checkpoint). */
  readonly origin?: string;
}

export const ROOT_HASH_SIZE = 32;

/** The fields of checkpoint text (c2sp.org/tlog-checkpoint: origin, size, root, extensions). */
export interface CheckpointText {
  readonly origin: string;
  /** Tree size; a JS number, so at most 2^53-1 (DESIGN §3). */
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: string[];
}

/**
 * Checkpoint text, the one reader for the server, the CLI and the page. Strict by default:
 * newline-terminated lines, a decimal size without leading zeros, a 32-byte root in padded
 * standard base64, non-empty extension lines. `lenient` reproduces Rekor's Go
 * UnmarshalCheckpoint for its test vectors and for foreign logs: a root hash of any length, an
 * unterminated last line, and trailing empty lines (extension parsing stops at the first empty
 * line, as Rekor's does).
 */
export function parseCheckpointText(text: string, opts: CheckpointTextOptions = {}): CheckpointText {
  const lenient = opts.lenient === true;
  let lines: string[];
  if (lenient) {
    // Rekor splits on "\n" and needs four pieces: three lines, then whatever follows the third newline.
    lines = text.split('\n');
    if (lines.length < 4) throw new CheckpointError(`checkpoint has ${lines.length - 1} complete lines; it needs at least 3 (origin, tree size, root hash)`);
    const blank = lines.indexOf('', 3);
    lines = blank < 0 ? lines : lines.slice(0, blank);
  } else {
    asCheckpointError(() => checkNoteText(text, 'checkpoint text'));
    lines = text.slice(0, -1).split('\n');
    if (lines.length < 3) throw new CheckpointError(`checkpoint has ${lines.length} lines; it needs at least 3 (origin, tree size, root hash)`);
  }
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = lines;
  if (origin === '') throw new CheckpointError('checkpoint origin line is empty');
  if (opts.origin !== undefined && origin !== opts.origin) {
    throw new CheckpointError(`checkpoint origin ${quote(origin)} is not the expected ${quote(opts.origin)}`);
  }
  const size = parseTreeSize(sizeLine);
  const rootHash = parseRootHash(rootLine, lenient);
  const empty = extensions.indexOf('');
  if (empty >= 0) throw new CheckpointError(`checkpoint extension line ${empty + 4} is empty; extension lines must be non-empty`);
  return { origin, size, rootHash, extensions };
}

function asCheckpointError(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    throw new CheckpointError((err as Error).message);
  }
}

function parseTreeSize(line: string): number {
  if (line === '') throw new CheckpointError('checkpoint size line is empty');
  if (!/^[0-9]+$/.test(line)) throw new CheckpointError(`checkpoint size line ${quote(line)} is not a decimal number`);
  if (line.length > 1 && line.startsWith('0')) throw new CheckpointError(`checkpoint size line ${quote(line)} has leading zeros`);
  const size = Number(line);
  if (!Number.isSafeInteger(size)) throw new CheckpointError(`checkpoint size ${quote(line)} is larger than 2^53-1, the largest tree size supported`);
  return size;
}

function parseRootHash(line: string, lenient: boolean): Uint8Array {
  if (line === '') throw new CheckpointError('checkpoint root hash line is empty');
  if (!looksLikeBase64(line)) throw new CheckpointError(`checkpoint root hash line ${quote(line)} is not base64`);
  const root = tryDecodeBase64(line, 'canonical');
  if (root === undefined) throw new CheckpointError(`checkpoint root hash line ${quote(line)} is not padded standard base64`);
  if (!lenient && root.length !== ROOT_HASH_SIZE) {
    throw new CheckpointError(`checkpoint root hash is ${root.length} bytes; it must be ${ROOT_HASH_SIZE} (SHA-256)`);
  }
  return root;
}

/** A signed checkpoint note: split as C2SP says (core/note.ts, the LAST blank line), then its text read strictly. */
export function parseCheckpoint(note: string): Checkpoint {
  let signed;
  try {
    signed = parseSignedNote(note);
  } catch (err) {
    throw new CheckpointError((err as Error).message);
  }
  return { ...parseCheckpointText(signed.text), text: signed.text, signatures: signed.signatures };
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
