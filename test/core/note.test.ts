/**
 * src/core/note.ts, the one signed-note parser (server and page), and core/checkpoint.ts on
 * top of it: C2SP says the text ends at the LAST blank line, so a text with a blank line in it
 * (the spec's own example) keeps it, and the signatures are what follows the last one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { parseCheckpoint, verifyCheckpointSignature, CheckpointError } from '../../src/core/checkpoint.js';
import { formatSignedNote, NoteError, parseSignedNote } from '../../src/core/note.js';
import { parseSignedNote as serverParse } from '../../src/note/signed-note.js';
import { isSealhouseError } from '../../src/errors.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { readVectorJson } from '../helpers/vectors.js';

const c2sp = readVectorJson<{ signed_note_example: { vkey: string; note: string } }>('notes/c2sp_examples.json').signed_note_example;

describe('signed notes: the text ends at the last blank line', () => {
  it('the C2SP example note parses: one signature after the last blank line', () => {
    const note = parseSignedNote(c2sp.note);
    assert.equal(note.text, 'This is an example message.\n');
    assert.equal(note.signatures.length, 1);
    assert.equal(note.signatures[0]?.name, 'example.com/foo');
  });
  it('a text with a blank line of its own (the spec intro poem) keeps it', () => {
    const text = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const note = parseSignedNote(`${text}\n\u2014 quasimodo.example/salvatore AAAAAAAAAA==\n`);
    assert.equal(note.text, text);
    assert.deepEqual([...note.signatures[0]!.keyHint], [0, 0, 0, 0]);
  });
  it('server and page read the same text and signatures', () => {
    const text = 'origin\n\nmore text\n';
    const note = formatSignedNote(text, [{ name: 'a.example', keyHint: Uint8Array.of(1, 2, 3, 4), signature: Uint8Array.of(9, 9) }]);
    const page = parseSignedNote(note);
    const server = serverParse(note);
    assert.equal(page.text, text);
    assert.equal(server.text, text);
    assert.deepEqual([...server.signatures[0]!.signature], [...page.signatures[0]!.signature]);
  });
  it('refuses notes C2SP forbids, with a typed error on both sides', () => {
    for (const bad of ['no blank line\n\u2014 a AAAAAAA=\n', 'text\n\n', 'text\n\n\u2014 a AAAAAAA=', 'te\rxt\n\n\u2014 a AAAAAAA=\n', 'text\n\n\u2014 a AAAA\n', 'text\n\n\u2014 a AAAAAAB=\n', 'text\n\n- a AAAAAAA=\n']) {
      assert.throws(() => parseSignedNote(bad), NoteError, JSON.stringify(bad));
      assert.throws(() => serverParse(bad), (e: unknown) => isSealhouseError(e, 'malformed_note'), JSON.stringify(bad));
    }
  });
});

describe('checkpoints through the one note parser', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const logId = Uint8Array.from(createHash('sha256').update(spki).digest());
  const signed = (text: string): string => formatSignedNote(text, [{ name: 'log.example', keyHint: logId.subarray(0, 4), signature: sign('sha256', Buffer.from(text), { key: privateKey, dsaEncoding: 'der' }) }]);
  const root = Buffer.alloc(32, 7).toString('base64');

  it('a checkpoint with an extension verifies, and its text is exactly what was signed', () => {
    const cp = parseCheckpoint(signed(`log.example - 1\n5\n${root}\nTimestamp: 1\n`));
    assert.equal(cp.size, 5);
    assert.deepEqual(cp.extensions, ['Timestamp: 1']);
    assert.equal(verifyCheckpointSignature(nodeCrypto, cp, { logId, spki, names: ['log.example'] }), 'log.example');
    assert.throws(() => verifyCheckpointSignature(nodeCrypto, cp, { logId, spki, names: ['other.example'] }), /not as the trusted log/);
  });
  it('a blank line inside the text is text, not the end of it: the checkpoint is refused for its empty extension', () => {
    assert.throws(() => parseCheckpoint(signed(`log.example - 1\n5\n${root}\n\nTimestamp: 1\n`)), (e: unknown) => e instanceof CheckpointError && /extension line \d+ is empty/.test(e.message));
  });
  it('a non-canonical root hash is refused', () => {
    const odd = Buffer.alloc(32, 7).toString('base64').replace(/=$/, '').slice(0, -1) + 'x=';
    assert.throws(() => parseCheckpoint(signed(`log.example - 1\n5\n${odd}\n`)), CheckpointError);
  });
});
