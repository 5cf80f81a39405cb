/**
 * Signed notes on the server: the one parser and formatter is src/core/note.ts (C2SP
 * signed-note: text up to the LAST blank line, then signature lines); this adds the Buffer
 * view the node:crypto signers and verifiers use, the signer/verifier shapes, and turns a
 * NoteError into the SealhouseError `malformed_note` the HTTP layer maps.
 * https://c2sp.org/signed-note
 */
import { bufferOf } from '../buffer-view.js';
import * as core from '../core/note.js';
import { coreCall } from '../errors.js';

export { isValidKeyName, KEY_HINT_SIZE, MAX_SIGNATURES } from '../core/note.js';

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

/** Text and signatures of a note; `note` may be raw bytes, so invalid UTF-8 is caught too. */
export function parseSignedNote(note: string | Uint8Array): SignedNote {
  const parsed = coreCall(() => core.parseSignedNote(note));
  return { text: parsed.text, signatures: parsed.signatures.map((s) => ({ name: s.name, keyHint: bufferOf(s.keyHint), signature: bufferOf(s.signature) })) };
}

/** Throws unless `text` can be the text of a note: non-empty, ends with "\n", allowed characters. */
export function checkNoteText(text: string, what = 'note text'): void {
  coreCall(() => core.checkNoteText(text, what));
}

/** The note: text, blank line, one line per signature. Refuses anything parseSignedNote would. */
export function formatSignedNote(text: string, signatures: readonly NoteSignature[]): string {
  return coreCall(() => core.formatSignedNote(text, signatures));
}
