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
 * The text is read by core's one parser (src/core/checkpoint.ts parseCheckpointText, strict or
 * Rekor-lenient); this module formats, signs and verifies checkpoints with the server's keys.
 */
import { coreCall, SealhouseError } from '../errors.js';
import { bufferOf } from '../buffer-view.js';
import { parseCheckpointText, ROOT_HASH_SIZE, type CheckpointTextOptions } from '../core/checkpoint.js';
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

export type CheckpointOptions = CheckpointTextOptions;
export { ROOT_HASH_SIZE };

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

/** Checkpoint text, read by core's one parser (strict, or Rekor-lenient), with a Buffer root for the server. */
export function parseCheckpoint(text: string, opts: CheckpointOptions = {}): Checkpoint {
  const cp = coreCall(() => parseCheckpointText(text, opts));
  return { ...cp, rootHash: bufferOf(cp.rootHash) };
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
