/**
 * Signing and verifying C2SP signed notes with NoteSigner/NoteVerifier keys.
 * https://c2sp.org/signed-note §Signatures
 *
 * A signature counts only when BOTH its key name and key hint match a trusted verifier and it
 * verifies over the note text. Signatures by unknown keys (e.g. witness cosignatures) are ignored,
 * even when they share the name or the hint (but not both) with a trusted key; a signature by a
 * trusted key that does not verify rejects the whole note; so does a note with no verified one.
 */
import { SealhouseError } from '../errors.js';
import {
  checkNoteText,
  formatSignedNote,
  parseSignedNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type SignedNote,
} from './signed-note.js';

export interface VerifiedNote {
  note: SignedNote;
  /** Signatures by trusted keys, each key once, in note order. */
  verified: NoteSignature[];
  /** Signatures by keys not in the trusted list; left unchecked. */
  unverified: NoteSignature[];
}

/** "<name>+<8 hex key hint>", the spelling golang.org/x/mod/sumdb/note uses in its errors. */
export function keyLabel(name: string, keyHint: Buffer): string {
  return `${name}+${keyHint.toString('hex')}`;
}

/**
 * A note with exactly one signature line, by `signer`. Text with a blank line is refused:
 * sigstore-js splits a note at its first blank line and would then verify the wrong bytes.
 */
export function signNote(text: string, signer: NoteSigner): string {
  checkNoteText(text);
  if (text.includes('\n\n')) {
    throw new SealhouseError('malformed_note', 'cannot sign note text that contains a blank line (sigstore-js would split the note there)');
  }
  const signature = signer.sign(Buffer.from(text, 'utf8'));
  return formatSignedNote(text, [{ name: signer.name, keyHint: signer.keyHint, signature }]);
}

export function verifyNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): VerifiedNote {
  return verifySignedNote(parseSignedNote(note), verifiers);
}

/** verifyNote for an already parsed note (so callers can parse the text before verifying). */
export function verifySignedNote(note: SignedNote, verifiers: readonly NoteVerifier[]): VerifiedNote {
  const message = Buffer.from(note.text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of note.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyHint.equals(sig.keyHint));
    if (verifier === undefined) {
      unverified.push(sig);
      continue;
    }
    // Every signature by a trusted key is checked, duplicates included (C2SP: "MUST verify").
    const label = keyLabel(sig.name, sig.keyHint);
    if (!verifier.verify(message, sig.signature)) {
      throw new SealhouseError('verification_failed', `invalid signature for key ${label}: it does not verify over the note text`);
    }
    if (!seen.has(label)) verified.push(sig);
    seen.add(label);
  }
  if (verified.length === 0) throw new SealhouseError('verification_failed', noVerifiedSignature(note, verifiers));
  return { note, verified, unverified };
}

function noVerifiedSignature(note: SignedNote, verifiers: readonly NoteVerifier[]): string {
  const signers = [...new Set(note.signatures.map((s) => keyLabel(s.name, s.keyHint)))];
  const trusted = verifiers.map((v) => keyLabel(v.name, v.keyHint));
  const known = trusted.length === 0 ? 'no trusted keys were given' : `the trusted keys are ${trusted.join(', ')}`;
  return `note has no verifiable signatures: it is signed by ${signers.join(', ')} but ${known}`;
}
