/**
 * C2SP signed notes (v1.0.0 §Format, §Signatures): parsing and formatting, no cryptography.
 * https://c2sp.org/signed-note
 *
 *   example.com/behind-the-sofa\n                     ┐
 *   20852163\n                                        │ text (signed, ends with \n)
 *   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n    ┘
 *   \n                                                  blank separator (not signed)
 *   — example.com/behind-the-sofa Az3grlgt…xeMcTOAYQ8=\n  one line per signature:
 *                                                      em dash, name, base64(4-byte key hint ‖ sig)
 *
 * The text is split from the signatures at the LAST blank line, as the spec ("the text MAY
 * contain empty lines"), golang.org/x/mod/sumdb/note and Rekor's Go parser do; the C2SP intro
 * example has a blank line inside its text. sigstore-js splits at the FIRST blank line instead,
 * so signNote (verify-note.ts) refuses to sign text containing one: both readings then agree.
 */
import { SealhouseError } from '../errors.js';
import { decodeStrictBase64, looksLikeBase64, quote } from './base64.js';

export interface NoteSignature {
  name: string;
  /** 4 bytes, big-endian key ID; for Rekor v1 it is logID[0:4]. */
  keyHint: Buffer;
  signature: Buffer;
}

export interface SignedNote {
  /** The signed message: ends with "\n", excludes the blank separator line. */
  text: string;
  signatures: NoteSignature[];
}

export interface NoteSigner {
  readonly name: string;
  readonly keyHint: Buffer;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHint: Buffer;
  /** False (never a throw) when the signature does not verify. */
  verify(message: Buffer, signature: Buffer): boolean;
}

const SIG_PREFIX = '\u2014 ';
/** golang.org/x/mod/sumdb/note's limit; C2SP asks verifiers to accept at least 16. */
export const MAX_SIGNATURES = 100;
export const KEY_HINT_SIZE = 4;

const malformed = (message: string): SealhouseError => new SealhouseError('malformed_note', message);

/** C2SP key names: non-empty, no Unicode spaces, no "+" (the vkey field separator). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && findBadCharacter(name) === undefined;
}

/** Text and signatures of a note; `note` may be raw bytes, so invalid UTF-8 is caught too. */
export function parseSignedNote(note: string | Uint8Array): SignedNote {
  const s = typeof note === 'string' ? note : decodeUtf8(note);
  const bad = findBadCharacter(s);
  if (bad !== undefined) throw malformed(`note ${bad}`);
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line separating its text from the signature lines');
  const block = s.slice(split + 2);
  if (block === '') throw malformed('note has no signature lines after the blank line; it needs at least one');
  if (!block.endsWith('\n')) throw malformed('note signature block does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw malformed(`note has ${lines.length} signature lines; at most ${MAX_SIGNATURES} are accepted`);
  }
  return { text: s.slice(0, split + 1), signatures: lines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

function parseSignatureLine(line: string, n: number): NoteSignature {
  const where = `note signature line ${n}`;
  if (!line.startsWith(SIG_PREFIX)) {
    throw malformed(`${where} ${quote(line)} does not start with "— " (U+2014 em dash and a space)`);
  }
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed(`${where} has no key name: expected "— <key name> <base64 signature>"`);
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isValidKeyName(name)) throw malformed(`${where} has an invalid key name ${quote(name)}`);
  if (b64.includes(' ')) throw malformed(`${where} has more than two fields; key names cannot contain spaces`);
  if (!looksLikeBase64(b64)) throw malformed(`${where}: the signature of ${name} is not base64: ${quote(b64)}`);
  const raw = Buffer.from(b64, 'base64');
  if (raw.length <= KEY_HINT_SIZE) {
    throw malformed(
      `${where}: the signature of ${name} decodes to ${raw.length} bytes; it must be at least 5 bytes long (a 4-byte key hint and the signature)`,
    );
  }
  if (decodeStrictBase64(b64) === undefined) {
    throw malformed(`${where}: the signature of ${name} is not padded standard base64: ${quote(b64)}`);
  }
  return { name, keyHint: raw.subarray(0, KEY_HINT_SIZE), signature: raw.subarray(KEY_HINT_SIZE) };
}

/** Throws unless `text` can be the text of a note: non-empty, ends with "\n", allowed characters. */
export function checkNoteText(text: string, what = 'note text'): void {
  if (text === '') throw malformed(`${what} is empty`);
  if (!text.endsWith('\n')) throw malformed(`${what} does not end with a newline`);
  const bad = findBadCharacter(text);
  if (bad !== undefined) throw malformed(`${what} ${bad}`);
}

/** The note: text, blank line, one line per signature. Refuses anything parseSignedNote would. */
export function formatSignedNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) throw malformed('cannot format a note without signatures');
  if (signatures.length > MAX_SIGNATURES) throw malformed(`cannot format a note with more than ${MAX_SIGNATURES} signatures`);
  const lines = signatures.map(({ name, keyHint, signature }) => {
    if (!isValidKeyName(name)) throw malformed(`cannot format a signature with the invalid key name ${quote(name)}`);
    if (keyHint.length !== KEY_HINT_SIZE) throw malformed(`key hint of ${name} is ${keyHint.length} bytes, not 4`);
    if (signature.length === 0) throw malformed(`signature of ${name} is empty`);
    return `${SIG_PREFIX}${name} ${Buffer.concat([keyHint, signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading U+FEFF in the text: it is part of the signed bytes.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('note is not valid UTF-8');
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
    if (c < 0x20 && c !== 0x0a) {
      return `contains the control character U+${c.toString(16).padStart(4, '0').toUpperCase()} at offset ${i}; only newline is allowed`;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return `contains an unpaired UTF-16 surrogate at offset ${i}`;
      i++;
    }
  }
  return undefined;
}
