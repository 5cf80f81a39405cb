/** C2SP signed notes: the golang sumdb/note open cases, the C2SP examples, and parser edge cases. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSignedNote, MAX_SIGNATURES, parseSignedNote } from '../../src/note/signed-note.js';
import { signNote, verifyNote } from '../../src/note/verify-note.js';
import { ed25519NoteSigner, ed25519NoteVerifier } from '../../src/note/ed25519-note.js';
import type { ErrorCode } from '../../src/errors.js';
import { readVectorJson } from '../helpers/vectors.js';
import { throwsCode } from './assert-error.js';

interface OpenCase {
  desc: string;
  message: string;
  verifiers: string[];
  expect: { ok: true; verified: string[]; unverified: string[] } | { ok: false; error: string };
}
interface GolangVectors {
  keys: { PeterNeumann: { vkey: string; skey: string } };
  sign_vector: { text: string; expected_signed_note: string };
  open_cases: OpenCase[];
}
interface C2spExamples {
  signed_note_example: { vkey: string; note: string };
  signed_note_intro_example: { note: string };
}

const golang = readVectorJson<GolangVectors>('notes/golang_sumdb_note_vectors.json');
const c2sp = readVectorJson<C2spExamples>('notes/c2sp_examples.json');

/** The vector file spells the byte 0xff as U+00FF; the note under test must hold the raw byte. */
function noteBytes(c: OpenCase): string | Buffer {
  if (!c.desc.includes('invalid UTF-8')) return c.message;
  assert.equal(c.message.charCodeAt(0), 0xff);
  return Buffer.concat([Buffer.from([0xff]), Buffer.from(c.message.slice(1), 'utf8')]);
}

const goErrors: Record<string, ErrorCode> = {
  'malformed note': 'malformed_note',
  'note has no verifiable signatures': 'verification_failed',
  'invalid signature for key PeterNeumann+c74f20a3': 'verification_failed',
};

describe('golang.org/x/mod/sumdb/note open cases', () => {
  assert.equal(golang.open_cases.length, 12);
  for (const c of golang.open_cases) {
    it(c.desc, () => {
      const verifiers = c.verifiers.map(ed25519NoteVerifier);
      if (c.expect.ok) {
        const got = verifyNote(noteBytes(c), verifiers);
        assert.deepEqual(got.verified.map((s) => s.name), c.expect.verified);
        assert.deepEqual(got.unverified.map((s) => s.name), c.expect.unverified);
        assert.equal(got.note.text, golang.sign_vector.text);
      } else {
        const code = goErrors[c.expect.error];
        assert.ok(code !== undefined, `unmapped Go error ${c.expect.error}`);
        // Go's "malformed note" is one generic error; ours must say what is malformed instead.
        const err = throwsCode(() => verifyNote(noteBytes(c), verifiers), code, code === 'malformed_note' ? undefined : c.expect.error, c.desc);
        assert.notEqual(err.message, 'malformed note');
      }
    });
  }
});

describe('C2SP signed-note examples', () => {
  it('the signed-note example verifies with its vkey', () => {
    const { note, vkey } = c2sp.signed_note_example;
    const got = verifyNote(note, [ed25519NoteVerifier(vkey)]);
    assert.equal(got.note.text, 'This is an example message.\n');
    assert.deepEqual(got.verified.map((s) => s.name), ['example.com/foo']);
  });

  it('the intro example parses: the text keeps its inner blank line (split at the LAST blank line)', () => {
    const parsed = parseSignedNote(c2sp.signed_note_intro_example.note);
    assert.equal(parsed.text, 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    assert.equal(parsed.signatures.length, 1);
    assert.equal(parsed.signatures[0]?.name, 'quasimodo.example/salvatore');
    assert.equal(parsed.signatures[0]?.signature.length, 64);
    // formatting the parsed note gives back the exact bytes
    assert.equal(formatSignedNote(parsed.text, parsed.signatures), c2sp.signed_note_intro_example.note);
  });
});

describe('parseSignedNote / formatSignedNote', () => {
  const text = 'hello\n';
  const sig = { name: 'example.com/log', keyHint: Buffer.from('01020304', 'hex'), signature: Buffer.from('signature') };
  const good = formatSignedNote(text, [sig]);

  it('formats the literal layout and parses it back', () => {
    assert.equal(good, `hello\n\n\u2014 example.com/log ${Buffer.concat([sig.keyHint, sig.signature]).toString('base64')}\n`);
    assert.deepEqual(parseSignedNote(good), { text, signatures: [sig] });
    assert.deepEqual(parseSignedNote(Buffer.from(good, 'utf8')), { text, signatures: [sig] });
  });

  it('accepts 16 signatures (the C2SP minimum) and up to 100, refuses 101', () => {
    const many = (n: number): string => formatSignedNote(text, Array.from({ length: n }, () => sig));
    assert.equal(parseSignedNote(many(16)).signatures.length, 16);
    assert.equal(parseSignedNote(many(MAX_SIGNATURES)).signatures.length, MAX_SIGNATURES);
    const over = good + `\u2014 example.com/log ${Buffer.alloc(8, 1).toString('base64')}\n`.repeat(MAX_SIGNATURES);
    throwsCode(() => parseSignedNote(over), 'malformed_note', /101 signature lines; at most 100/);
  });

  const cases: [string, string, RegExp][] = [
    ['CRLF line endings', good.replaceAll('\n', '\r\n'), /carriage return \(U\+000D\)/],
    ['a tab in the text', 'a\tb\n' + good.slice(text.length), /control character U\+0009 at offset 1/],
    ['an unpaired surrogate', '\ud800\n' + good.slice(text.length), /unpaired UTF-16 surrogate/],
    ['no blank line', good.replace('\n\n', '\n'), /no blank line separating/],
    ['no signatures', text + '\n', /no signature lines/],
    ['no final newline', good.slice(0, -1), /does not end with a newline/],
    ['a hyphen instead of the em dash', good.replace('\u2014', '-'), /does not start with "— " \(U\+2014 em dash/],
    ['no key name', `${text}\n\u2014 YQ==\n`, /line 1 has no key name/],
    ['a "+" in the key name', good.replace('example.com/log', 'a+b'), /invalid key name "a\+b"/],
    ['a space in the key name', good.replace('example.com/log', 'Bad Name'), /more than two fields/],
    ['non-base64 signature', `${text}\n\u2014 name not-b64\n`, /signature of name is not base64/],
    ['an empty signature', `${text}\n\u2014 name \n`, /signature of name is not base64/],
    ['a 1-byte signature', `${text}\n\u2014 name YQ==\n`, /decodes to 1 bytes; it must be at least 5 bytes/],
    ['unpadded base64', `${text}\n\u2014 name AQIDBAUG\n`.replace('AQIDBAUG', 'AQIDBAUGBw'), /not padded standard base64/],
    ['non-canonical trailing bits', `${text}\n\u2014 name AQIDBAUGBx==\n`, /not padded standard base64/],
    ['a trailing non-signature line', good + 'Unexpected line.\n', /line 2 "Unexpected line." does not start/],
  ];
  for (const [what, note, message] of cases) {
    it(`refuses ${what}`, () => void throwsCode(() => parseSignedNote(note), 'malformed_note', message, what));
  }

  it('refuses invalid UTF-8 given as bytes', () => {
    throwsCode(() => parseSignedNote(Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.from(good)])), 'malformed_note', /not valid UTF-8/);
  });

  it('formatSignedNote refuses what could not be parsed back', () => {
    throwsCode(() => formatSignedNote('no newline', [sig]), 'malformed_note', /does not end with a newline/);
    throwsCode(() => formatSignedNote(text, []), 'malformed_note', /without signatures/);
    throwsCode(() => formatSignedNote(text, [{ ...sig, name: 'a b' }]), 'malformed_note', /invalid key name/);
    throwsCode(() => formatSignedNote(text, [{ ...sig, keyHint: Buffer.alloc(3) }]), 'malformed_note', /3 bytes, not 4/);
  });
});

describe('signNote / verifyNote', () => {
  const signer = ed25519NoteSigner(golang.keys.PeterNeumann.skey);
  const verifier = ed25519NoteVerifier(golang.keys.PeterNeumann.vkey);

  it('ignores a signature that shares the name but not the key hint, and one that shares only the hint', () => {
    const note = signNote('text\n', signer);
    const line = note.slice('text\n\n'.length);
    const otherHint = line.replace(/ (\S+)\n$/, (_m, b64: string) => {
      const raw = Buffer.from(b64, 'base64');
      raw[0] = (raw[0] ?? 0) ^ 0xff;
      return ` ${raw.toString('base64')}\n`;
    });
    const otherName = line.replace('PeterNeumann', 'PeterNeumann2');
    const got = verifyNote(note + otherHint + otherName, [verifier]);
    assert.equal(got.verified.length, 1);
    assert.equal(got.unverified.length, 2);
    const unknownOnly = 'text\n\n' + otherHint + otherName;
    throwsCode(() => verifyNote(unknownOnly, [verifier]), 'verification_failed', /no verifiable signatures: it is signed by PeterNeumann\+/);
  });

  it('rejects the note when a second signature by a trusted key is bad, even after a good one', () => {
    const note = signNote('text\n', signer);
    const bad = formatSignedNote('text\n', [{ name: signer.name, keyHint: signer.keyHint, signature: Buffer.alloc(64, 7) }]);
    const twice = note + bad.slice('text\n\n'.length);
    throwsCode(() => verifyNote(twice, [verifier]), 'verification_failed', 'invalid signature for key PeterNeumann+c74f20a3');
  });

  it('lists a key once even when it signed twice', () => {
    const note = signNote('text\n', signer);
    const got = verifyNote(note + note.slice('text\n\n'.length), [verifier]);
    assert.equal(got.verified.length, 1);
    assert.equal(got.note.signatures.length, 2);
  });

  it('refuses to sign text with a blank line, which sigstore-js would split differently', () => {
    throwsCode(() => signNote('a\n\nb\n', signer), 'malformed_note', /blank line/);
    throwsCode(() => signNote('a', signer), 'malformed_note', /does not end with a newline/);
  });
});
