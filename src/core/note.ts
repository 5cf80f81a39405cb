/**
 * The one C2SP signed-note parser (https://c2sp.org/signed-note §Format), for the server, the
 * CLI and the page: no cryptography, just the text, the signature lines and their checks.
 *
 *   example.com/behind-the-sofa\n                     ┐
 *   20852163\n                                        │ text (signed, ends with \n)
 *   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n    ┘
 *   \n                                                  blank separator (not signed)
 *   — example.com/behind-the-sofa Az3grlgt…xeMcTOAYQ8=\n  em dash, key name, base64(key hint ‖ sig)
 *
 * "The note text MAY contain empty lines; the text is separated from the signatures by the
 * last empty line in the note" (the spec's own example has a blank line in its text), as
 * golang.org/x/mod/sumdb/note and Rekor's Go parser do. sigstore-js splits at the FIRST blank
 * line, so the log never signs text containing one (src/note/verify-note.ts): both agree then.
 */
import { encodeBase64, looksLikeBase64, tryDecodeBase64 } from './base64.js';
import { concatBytes } from './bytes.js';
import { CoreError } from './errors.js';

export class NoteError extends CoreError {
  constructor(message: string) {
    super('malformed_note', message);
    this.name = 'NoteError';
  }
}

export interface NoteSignature {
  readonly name: string;
  /** 4 bytes, big-endian key ID; for Rekor v1 it is logID[0:4]. */
  readonly keyHint: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The signed message: ends with "\n", excludes the blank separator line. */
  readonly text: string;
  readonly signatures: NoteSignature[];
}

const SIG_PREFIX = '\u2014 ';
/** golang.org/x/mod/sumdb/note's limit; C2SP asks verifiers to accept at least 16. */
export const MAX_SIGNATURES = 100;
export const KEY_HINT_SIZE = 4;

/** A short quotation of untrusted input for error messages, so a huge line cannot flood a log. */
export const quote = (s: string, max = 60): string => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

/** C2SP key names: non-empty, no Unicode spaces, no "+" (the vkey field separator). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && findBadCharacter(name) === undefined;
}

/** Text and signatures of a note; `note` may be raw bytes, so invalid UTF-8 is caught too. */
export function parseSignedNote(note: string | Uint8Array): SignedNote {
  const s = typeof note === 'string' ? note : decodeUtf8(note);
  const bad = findBadCharacter(s);
  if (bad !== undefined) throw new NoteError(`note ${bad}`);
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no blank line separating its text from the signature lines');
  const block = s.slice(split + 2);
  if (block === '') throw new NoteError('note has no signature lines after the blank line; it needs at least one');
  if (!block.endsWith('\n')) throw new NoteError('note signature block does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`note has ${lines.length} signature lines; at most ${MAX_SIGNATURES} are accepted`);
  return { text: s.slice(0, split + 1), signatures: lines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

function parseSignatureLine(line: string, n: number): NoteSignature {
  const where = `note signature line ${n}`;
  if (!line.startsWith(SIG_PREFIX)) throw new NoteError(`${where} ${quote(line)} does not start with "— " (U+2014 em dash and a space)`);
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw new NoteError(`${where} has no key name: expected "— <key name> <base64 signature>"`);
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isValidKeyName(name)) throw new NoteError(`${where} has an invalid key name ${quote(name)}`);
  if (b64.includes(' ')) throw new NoteError(`${where} has more than two fields; key names cannot contain spaces`);
  if (!looksLikeBase64(b64)) throw new NoteError(`${where}: the signature of ${name} is not base64: ${quote(b64)}`);
  // Too short to hold a key hint and a signature is the more useful message, so it comes first.
  const loose = tryDecodeBase64(b64.replace(/=+$/, ''), 'unpadded');
  if (loose !== undefined && loose.length <= KEY_HINT_SIZE) {
    throw new NoteError(`${where}: the signature of ${name} decodes to ${loose.length} bytes; it must be at least 5 bytes long (a 4-byte key hint and the signature)`);
  }
  // A note has exactly one spelling: the signature must be canonical padded standard base64.
  const raw = tryDecodeBase64(b64, 'canonical');
  if (raw === undefined) throw new NoteError(`${where}: the signature of ${name} is not padded standard base64: ${quote(b64)}`);
  if (raw.length <= KEY_HINT_SIZE) {
    throw new NoteError(`${where}: the signature of ${name} decodes to ${raw.length} bytes; it must be at least 5 bytes long (a 4-byte key hint and the signature)`);
  }
  return { name, keyHint: raw.subarray(0, KEY_HINT_SIZE), signature: raw.subarray(KEY_HINT_SIZE) };
}

/** Throws unless `text` can be the text of a note: non-empty, ends with "\n", allowed characters. */
export function checkNoteText(text: string, what = 'note text'): void {
  if (text === '') throw new NoteError(`${what} is empty`);
  if (!text.endsWith('\n')) throw new NoteError(`${what} does not end with a newline`);
  const bad = findBadCharacter(text);
  if (bad !== undefined) throw new NoteError(`${what} ${bad}`);
}

/** The note: text, blank line, one line per signature. Refuses anything parseSignedNote would. */
export function formatSignedNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) throw new NoteError('cannot format a note without signatures');
  if (signatures.length > MAX_SIGNATURES) throw new NoteError(`cannot format a note with more than ${MAX_SIGNATURES} signatures`);
  const lines = signatures.map(({ name, keyHint, signature }) => {
    if (!isValidKeyName(name)) throw new NoteError(`cannot format a signature with the invalid key name ${quote(name)}`);
    if (keyHint.length !== KEY_HINT_SIZE) throw new NoteError(`key hint of ${name} is ${keyHint.length} bytes, not 4`);
    if (signature.length === 0) throw new NoteError(`signature of ${name} is empty`);
    return `${SIG_PREFIX}${name} ${encodeBase64(concatBytes(keyHint, signature))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** A base64 field of a note (root hash, vkey) in its one canonical spelling, or undefined. */
export const decodeNoteBase64 = (s: string): Uint8Array | undefined => tryDecodeBase64(s, 'canonical');

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading U+FEFF in the text: it is part of the signed bytes.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new NoteError('note is not valid UTF-8');
  }
}

/**
 * Describes the first character a note may not contain (C2SP: control characters other than
 * newline), or undefined. Unpaired surrogates are refused because they have no UTF-8 encoding,
 * so the bytes that were signed could not be reproduced.
 */
function findBadCharacter(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d) return `contains a carriage return (U+000D) at offset ${i}; notes use "\\n" line endings only`;
    if (c < 0x20 && c !== 0x0a) return `contains the control character U+${c.toString(16).padStart(4, '0').toUpperCase()} at offset ${i}; only newline is allowed`;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return `contains an unpaired UTF-16 surrogate at offset ${i}`;
      i++;
    }
  }
  return undefined;
}
