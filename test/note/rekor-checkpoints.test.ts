/** Real Rekor v1 checkpoints: sigstore-java's samples and a production checkpoint, with the production key. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { parseRekorOrigin, verifyCheckpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { generateEd25519NoteKey, ed25519NoteSigner, ed25519NoteVerifier } from '../../src/note/ed25519-note.js';
import { formatSignedNote, parseSignedNote } from '../../src/note/signed-note.js';
import { verifyNote } from '../../src/note/verify-note.js';
import { readVector, readVectorJson } from '../helpers/vectors.js';
import { throwsCode } from './assert-error.js';

interface ManifestCase { file: string; expected: string; why: string }
const manifest = readVectorJson<{ groups: { group: string; cases?: ManifestCase[] }[] }>('manifest.json');
const cases = manifest.groups.find((g) => g.group === 'checkpoints')?.cases ?? [];
const rekorKey = ecdsaNoteVerifier('rekor.sigstore.dev', createPublicKey(readVector('rekor/rekor.pub')));

/** What our error must say for each sigstore-java error sample (the manifest's "why"). */
const expectedErrors: Record<string, RegExp> = {
  'error_header_body_separator.txt': /no blank line separating its text from the signature lines/,
  'error_header_count.txt': /checkpoint has 2 lines; it needs at least 3/,
  'error_no_newline_after_signature.txt': /signature block does not end with a newline/,
  'error_no_signatures.txt': /no signature lines after the blank line; it needs at least one/,
  'error_not_a_number.txt': /checkpoint size line "abcdefg" is not a decimal number/,
  'error_signature_format_invalid.txt': /does not start with "— " \(U\+2014 em dash/,
  'error_signature_length_insufficient.txt': /decodes to 4 bytes; it must be at least 5 bytes long/,
};

describe('checkpoint vectors from the manifest', () => {
  it('covers all 11 checkpoint files', () => assert.equal(cases.length, 11));
  for (const c of cases) {
    const name = c.file.split('/').pop() ?? c.file;
    it(`${c.file}: ${c.expected}`, () => {
      const note = readVector(c.file);
      if (c.expected === 'valid') {
        const cp = verifyCheckpoint(note, [rekorKey]);
        assert.equal(parseRekorOrigin(cp.origin).host, 'rekor.sigstore.dev');
      } else if (c.expected === 'invalid-parse') {
        const pattern = expectedErrors[name];
        assert.ok(pattern !== undefined, `no expected message for ${name} (${c.why})`);
        throwsCode(() => verifyCheckpoint(note, [rekorKey]), 'malformed_note', pattern, c.why);
      } else {
        throwsCode(() => verifyCheckpoint(note, [rekorKey]), 'verification_failed', 'invalid signature for key rekor.sigstore.dev+c0d23d6a', c.why);
      }
    });
  }
});

describe('sigstore-java samples in detail', () => {
  it('valid.txt: origin, size, root and the old Timestamp extension line', () => {
    const cp = verifyCheckpoint(readVector('checkpoints/sigstore-java/valid.txt'), [rekorKey], { origin: 'rekor.sigstore.dev - 2605736670972794746' });
    assert.equal(cp.size, 37795272);
    assert.equal(cp.rootHash.toString('base64'), '60ll7idWI1jYRZzxc+jKflYoW+4jWxgZaGR15ASsWt4=');
    assert.deepEqual(cp.extensions, ['Timestamp: 1697034484441201852']);
    assert.equal(parseRekorOrigin(cp.origin).treeId, '2605736670972794746');
  });

  it('valid_multi_sig.txt: the bob.loblaw.dev line (same hint, other name) is ignored, not verified', () => {
    const got = verifyNote(readVector('checkpoints/sigstore-java/valid_multi_sig.txt'), [rekorKey]);
    assert.deepEqual(got.verified.map((s) => s.name), ['rekor.sigstore.dev']);
    assert.deepEqual(got.unverified.map((s) => s.name), ['bob.loblaw.dev']);
    assert.deepEqual(got.unverified[0]?.keyHint, rekorKey.keyHint);
  });
});

describe('the production checkpoint', () => {
  const note = readVector('checkpoints/production_rekor_checkpoint_from_sigstore-python.txt');
  const entry = readVectorJson<Record<string, { verification: { inclusionProof: { checkpoint: string; treeSize: number; rootHash: string } } }>>(
    'rekor/entries/sigstore-python-no-signed-time.logentry.json',
  );
  const proof = Object.values(entry)[0]?.verification.inclusionProof;

  it('verifies and describes the tree of the entry inclusion proof', () => {
    const cp = verifyCheckpoint(note, [rekorKey]);
    assert.deepEqual(parseRekorOrigin(cp.origin), { host: 'rekor.sigstore.dev', treeId: '1193050959916656506' });
    assert.equal(cp.size, proof?.treeSize);
    assert.equal(cp.rootHash.toString('hex'), proof?.rootHash);
    assert.equal(note, proof?.checkpoint);
  });

  it('still verifies with an extra witness cosignature by an unknown key', () => {
    const witness = ed25519NoteSigner(generateEd25519NoteKey('witness.example/w1').skey);
    const text = parseSignedNote(note).text;
    const cosignature = { name: witness.name, keyHint: witness.keyHint, signature: witness.sign(Buffer.from(text)) };
    const cosigned = note + formatSignedNote(text, [cosignature]).slice(text.length + 1);
    assert.equal(parseSignedNote(cosigned).signatures.length, 2);
    assert.equal(verifyCheckpoint(cosigned, [rekorKey]).size, 32658497);
    const both = verifyNote(cosigned, [rekorKey, ed25519NoteVerifier(witness.vkey)]);
    assert.deepEqual(both.verified.map((s) => s.name), ['rekor.sigstore.dev', 'witness.example/w1']);
  });

  it('fails with only the witness key trusted, naming the signers and the trusted keys', () => {
    throwsCode(
      () => verifyCheckpoint(note, [ed25519NoteVerifier(generateEd25519NoteKey('witness.example/w2').vkey)]),
      'verification_failed',
      /no verifiable signatures: it is signed by rekor.sigstore.dev\+c0d23d6a but the trusted keys are witness.example\/w2\+/,
    );
    throwsCode(() => verifyCheckpoint(note, []), 'verification_failed', /no trusted keys were given/);
  });
});
