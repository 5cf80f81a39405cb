/** C2SP Ed25519 note keys: the sumdb/note keys, exact signing vector and bad vkeys. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519KeyId, ed25519NoteSigner, ed25519NoteVerifier, generateEd25519NoteKey } from '../../src/note/ed25519-note.js';
import { signNote, verifyNote } from '../../src/note/verify-note.js';
import { readVectorJson } from '../helpers/vectors.js';
import { throwsCode } from './assert-error.js';

interface GolangVectors {
  keys: { PeterNeumann: { vkey: string; skey: string }; EnochRoot: { vkey: string } };
  sign_vector: { text: string; expected_signed_note: string };
  bad_vkeys: { vkey: string; why: string }[];
}
const v = readVectorJson<GolangVectors>('notes/golang_sumdb_note_vectors.json');

describe('Ed25519 note keys (golang.org/x/mod/sumdb/note)', () => {
  it('parses both vkeys; the key hint is the hex key ID and recomputes from name and key', () => {
    for (const vkey of [v.keys.PeterNeumann.vkey, v.keys.EnochRoot.vkey]) {
      const [name = '', id = '', b64 = ''] = vkey.split('+');
      const verifier = ed25519NoteVerifier(vkey);
      assert.equal(verifier.name, name);
      assert.equal(verifier.keyHint.toString('hex'), id);
      assert.equal(ed25519KeyId(name, Buffer.from(b64, 'base64').subarray(1)).toString('hex'), id);
    }
  });

  it('reproduces the signing vector byte for byte from the skey', () => {
    const signer = ed25519NoteSigner(v.keys.PeterNeumann.skey);
    assert.equal(signer.vkey, v.keys.PeterNeumann.vkey);
    assert.equal(signNote(v.sign_vector.text, signer), v.sign_vector.expected_signed_note);
    verifyNote(v.sign_vector.expected_signed_note, [ed25519NoteVerifier(v.keys.PeterNeumann.vkey)]);
  });

  it('rejects the bad vkeys with malformed_key', () => {
    assert.equal(v.bad_vkeys.length, 2);
    const [wrongLength, unknownAlg] = v.bad_vkeys;
    throwsCode(() => ed25519NoteVerifier(wrongLength?.vkey ?? ''), 'malformed_key', /36-byte key; Ed25519 needs 32 bytes/, wrongLength?.why);
    throwsCode(() => ed25519NoteVerifier(unknownAlg?.vkey ?? ''), 'malformed_key', /signature type 0x65; only 0x01/, unknownAlg?.why);
  });

  const peter = v.keys.PeterNeumann.vkey;
  const badVkeys: [string, string, RegExp][] = [
    ['too few fields', 'PeterNeumann+c74f20a3', /is not "<name>\+<8 hex key ID>\+<base64 key>"/],
    ['empty name', peter.replace('PeterNeumann', ''), /invalid key name/],
    ['a short key ID', peter.replace('c74f20a3', 'c74f20a'), /key ID "c74f20a"; it must be 8 hex digits/],
    ['a wrong key ID', peter.replace('c74f20a3', 'c74f20a4'), /key ID c74f20a4, but its name and key give c74f20a3/],
    ['a renamed key', peter.replace('PeterNeumann', 'PeterNeumann2'), /but its name and key give/],
    ['non-base64 key', 'PeterNeumann+c74f20a3+not base64!', /does not end in a base64 key/],
    ['unpadded key', peter.slice(0, -1), /holds a 31-byte key; Ed25519 needs 32 bytes/],
  ];
  for (const [what, vkey, message] of badVkeys) {
    it(`rejects a vkey with ${what}`, () => void throwsCode(() => ed25519NoteVerifier(vkey), 'malformed_key', message, what));
  }

  it('rejects bad skeys without quoting the key material', () => {
    const skey = v.keys.PeterNeumann.skey;
    const secret = skey.split('+').slice(4).join('+');
    for (const bad of [skey.replace('PRIVATE+KEY+', ''), skey.replace('c74f20a3', '00000000'), skey.replace('AYEK', 'AoEK')]) {
      const err = throwsCode(() => ed25519NoteSigner(bad), 'malformed_key');
      assert.ok(!err.message.includes(secret.slice(0, 12)), err.message);
    }
  });

  it('generates key pairs that sign and verify', () => {
    const { skey, vkey } = generateEd25519NoteKey('sealhouse.example/witness');
    const signer = ed25519NoteSigner(skey);
    assert.equal(signer.vkey, vkey);
    const got = verifyNote(signNote('hello\n', signer), [ed25519NoteVerifier(vkey)]);
    assert.equal(got.verified[0]?.name, 'sealhouse.example/witness');
    throwsCode(() => generateEd25519NoteKey('bad name'), 'malformed_key');
  });
});
