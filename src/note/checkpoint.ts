/**
 * C2SP tlog-checkpoint note text, which is also the Rekor v1 checkpoint body.
 * https://c2sp.org/tlog-checkpoint §Note text; Rekor: pkg/util/checkpoint.go
 *
 *   rekor.sigstore.dev - 1193050959916656506\n   origin ("<host> - <treeID>" for Rekor v1)
 *   32658497\n                                    tree size, decimal, no leading zeros
 *   IbC2+n9aYhFlm5nFwkp+j7/Hc9XuYWxyE5OlXIoIijY=\n  base64 of the 32-byte RFC 6962 root
 *   Timestamp: 1697034484441201852\n              optional non-empty extension lines
 *
 * The Rekor v1 origin is "<hostname> - <decimal treeID>": sigstore-go treats an origin matching
 * `.* - [0-9]+$` as Rekor v1 and anything else as a C2SP (Rekor v2) log, so the suffix is what
 * keeps v1 clients on the v1 verifier. The tree ID is a Trillian int64 and can exceed 2^53,
 * hence a decimal string, never a number.
 *
 * Parsing is strict by default. `lenient` reproduces Rekor's Go UnmarshalCheckpoint for its
 * test vectors and for foreign logs: a root hash of any length, an unterminated last line, and
 * trailing empty lines (extension parsing stops at the first empty line, as Rekor's does).
 */
import { SealhouseError } from '../errors.js';
import { bufferOf } from '../buffer-view.js';
import { looksLikeBase64, tryDecodeBase64 } from '../core/base64.js';
import { quote } from '../core/note.js';
import { checkNoteText, isValidKeyName, parseSignedNote, type NoteSigner, type NoteVerifier } from './signed-note.js';
import { signNote, verifySignedNote } from './verify-note.js';

export interface Checkpoint {
  origin: string;
  /** Tree size; a JS number, so at most 2^53-1 (DESIGN §3). */
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

export interface CheckpointOptions {
  /** Rekor Go UnmarshalCheckpoint leniency (see the module header); off by default. */
  lenient?: boolean;
  /** Reject a checkpoint whose origin line is not exactly this (another log's checkpoint). */
  origin?: string;
}

export const ROOT_HASH_SIZE = 32;

const malformed = (message: string): SealhouseError => new SealhouseError('malformed_note', message);

export function formatCheckpoint(cp: Checkpoint, opts: CheckpointOptions = {}): string {
  if (cp.origin === '' || cp.origin.includes('\n')) throw malformed(`cannot format checkpoint origin ${quote(cp.origin)}: it must be one non-empty line`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw malformed(`cannot format checkpoint size ${cp.size}: it must be an integer in [0, 2^53-1]`);
  const lenient = opts.lenient === true;
  if (lenient ? cp.rootHash.length === 0 : cp.rootHash.length !== ROOT_HASH_SIZE) {
    const want = lenient ? 'non-empty' : `${ROOT_HASH_SIZE} bytes`;
    throw malformed(`cannot format a checkpoint with a ${cp.rootHash.length}-byte root hash; it must be ${want}`);
  }
  for (const ext of cp.extensions) {
    if (ext === '' || ext.includes('\n')) throw malformed(`cannot format checkpoint extension ${quote(ext)}: it must be one non-empty line`);
  }
  const text = [cp.origin, String(cp.size), cp.rootHash.toString('base64'), ...cp.extensions].join('\n') + '\n';
  checkNoteText(text, 'checkpoint text');
  return text;
}

export function parseCheckpoint(text: string, opts: CheckpointOptions = {}): Checkpoint {
  const lenient = opts.lenient === true;
  let lines: string[];
  if (lenient) {
    // Rekor splits on "\n" and needs four pieces: three lines, then whatever follows the third newline.
    lines = text.split('\n');
    if (lines.length < 4) throw malformed(`checkpoint has ${lines.length - 1} complete lines; it needs at least 3 (origin, tree size, root hash)`);
    const blank = lines.indexOf('', 3);
    lines = blank < 0 ? lines : lines.slice(0, blank);
  } else {
    checkNoteText(text, 'checkpoint text');
    lines = text.slice(0, -1).split('\n');
    if (lines.length < 3) throw malformed(`checkpoint has ${lines.length} lines; it needs at least 3 (origin, tree size, root hash)`);
  }
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = lines;
  if (origin === '') throw malformed('checkpoint origin line is empty');
  if (opts.origin !== undefined && origin !== opts.origin) {
    throw malformed(`checkpoint origin ${quote(origin)} is not the expected ${quote(opts.origin)}`);
  }
  const size = parseTreeSize(sizeLine);
  const rootHash = parseRootHash(rootLine, lenient);
  const empty = extensions.indexOf('');
  if (empty >= 0) throw malformed(`checkpoint extension line ${empty + 4} is empty; extension lines must be non-empty`);
  return { origin, size, rootHash, extensions };
}

function parseTreeSize(line: string): number {
  if (line === '') throw malformed('checkpoint size line is empty');
  if (!/^[0-9]+$/.test(line)) throw malformed(`checkpoint size line ${quote(line)} is not a decimal number`);
  if (line.length > 1 && line.startsWith('0')) throw malformed(`checkpoint size line ${quote(line)} has leading zeros`);
  const size = Number(line);
  if (!Number.isSafeInteger(size)) throw malformed(`checkpoint size ${quote(line)} is larger than 2^53-1, the largest tree size supported`);
  return size;
}

function parseRootHash(line: string, lenient: boolean): Buffer {
  if (line === '') throw malformed('checkpoint root hash line is empty');
  if (!looksLikeBase64(line)) throw malformed(`checkpoint root hash line ${quote(line)} is not base64`);
  const decoded = tryDecodeBase64(line, 'canonical');
  const root = decoded === undefined ? undefined : bufferOf(decoded);
  if (root === undefined) throw malformed(`checkpoint root hash line ${quote(line)} is not padded standard base64`);
  if (!lenient && root.length !== ROOT_HASH_SIZE) {
    throw malformed(`checkpoint root hash is ${root.length} bytes; it must be ${ROOT_HASH_SIZE} (SHA-256)`);
  }
  return root;
}

/** The signed checkpoint note, with exactly one signature line (Rekor v1 clients reject more). */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), signer);
}

/**
 * The checkpoint of a signed note, once a trusted signature verifies. The text is parsed before
 * the signatures are checked so that a malformed checkpoint is reported as such, not as a
 * signature failure; parsing is pure, so this exposes nothing to unauthenticated input.
 */
export function verifyCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[], opts: CheckpointOptions = {}): Checkpoint {
  const signed = parseSignedNote(note);
  const cp = parseCheckpoint(signed.text, opts);
  verifySignedNote(signed, verifiers);
  return cp;
}

export interface RekorOrigin {
  /** The bare hostname, which is also the checkpoint signer's key name. */
  host: string;
  /** Decimal tree ID, 0 .. 2^63-1. */
  treeId: string;
}

const INT64_MAX = 2n ** 63n - 1n;

function validTreeId(treeId: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(treeId) && BigInt(treeId) <= INT64_MAX;
}

export function rekorOrigin(host: string, treeId: string | bigint | number): string {
  // A number past 2^53 has already lost digits; such tree IDs must arrive as string or bigint.
  if (typeof treeId === 'number' && !Number.isSafeInteger(treeId)) throw malformed(`cannot use tree ID ${treeId}: pass IDs above 2^53 as strings`);
  const id = String(treeId);
  if (!isValidKeyName(host)) {
    throw malformed(`cannot use ${quote(host)} as a checkpoint hostname: it must be non-empty with no spaces or "+"`);
  }
  if (!validTreeId(id)) throw malformed(`cannot use tree ID ${quote(id)}: it must be a decimal int64 without leading zeros`);
  return `${host} - ${id}`;
}

export function parseRekorOrigin(origin: string): RekorOrigin {
  const m = /^(\S+) - ([0-9]+)$/.exec(origin);
  const host = m?.[1];
  const treeId = m?.[2];
  if (host === undefined || treeId === undefined || !isValidKeyName(host) || !validTreeId(treeId)) {
    throw malformed(`checkpoint origin ${quote(origin)} is not a Rekor v1 origin "<hostname> - <decimal tree ID>"`);
  }
  return { host, treeId };
}
