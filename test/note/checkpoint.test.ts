/** Checkpoint bodies: Rekor's parse/format vectors, the sumdb tree notes, the C2SP example, origins. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  formatCheckpoint,
  parseCheckpoint,
  parseRekorOrigin,
  rekorOrigin,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type CheckpointOptions,
} from '../../src/note/checkpoint.js';
import { ecdsaNoteSigner, ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { readVectorJson } from '../helpers/vectors.js';
import { throwsCode } from './assert-error.js';

interface RekorVectors {
  marshal: { origin: string; size: number; hash_ascii: string; otherContent?: string[]; want: string }[];
  unmarshal: { desc: string; m: string; wantErr: boolean; want?: { origin?: string; size?: number; hash_ascii?: string; otherContent?: string[] } }[];
  unmarshal_signed: { desc: string; m: string; wantErr: boolean }[];
  sign_roundtrip: { expected_text: string };
}
interface TreeNote { text: string; size: number; hash_b64: string; bad_trees: string[] }
interface C2spCheckpoint { note: string; parsed: { origin: string; size: number; rootHash_hex: string } }

const rekor = readVectorJson<RekorVectors>('checkpoints/rekor_checkpoint_parse_vectors.json');
const tree = readVectorJson<{ tree_note: TreeNote }>('notes/golang_sumdb_note_vectors.json').tree_note;
const c2sp = readVectorJson<{ checkpoint_example: C2spCheckpoint }>('notes/c2sp_examples.json').checkpoint_example;
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const root32 = sha256('root');
const LENIENT: CheckpointOptions = { lenient: true };

/** Parse-only reading of a signed checkpoint (no keys published for these vectors). */
function parseSigned(note: string, opts: CheckpointOptions = {}): { cp: Checkpoint; signatures: number } {
  const signed = parseSignedNote(note);
  return { cp: parseCheckpoint(signed.text, opts), signatures: signed.signatures.length };
}

describe('Rekor pkg/util checkpoint vectors', () => {
  it('marshals byte for byte (lenient: the vectors use short ASCII "hashes")', () => {
    assert.equal(rekor.marshal.length, 3);
    for (const m of rekor.marshal) {
      const cp = { origin: m.origin, size: m.size, rootHash: Buffer.from(m.hash_ascii), extensions: m.otherContent ?? [] };
      assert.equal(formatCheckpoint(cp, LENIENT), m.want);
      assert.deepEqual(parseCheckpoint(m.want, LENIENT), cp);
      throwsCode(() => formatCheckpoint(cp), 'malformed_note', /byte root hash; it must be 32 bytes/);
      assert.equal(formatCheckpoint({ ...cp, rootHash: root32 }), m.want.replace(/\n[^\n]*=\n/, `\n${root32.toString('base64')}\n`));
    }
  });

  for (const u of rekor.unmarshal) {
    it(`unmarshal: ${u.desc}`, () => {
      if (u.wantErr) {
        throwsCode(() => parseCheckpoint(u.m, LENIENT), 'malformed_note', undefined, 'lenient');
        throwsCode(() => parseCheckpoint(u.m), 'malformed_note', undefined, 'strict');
        return;
      }
      const cp = parseCheckpoint(u.m, LENIENT);
      if (u.want?.origin !== undefined) assert.equal(cp.origin, u.want.origin);
      if (u.want?.size !== undefined) assert.equal(cp.size, u.want.size);
      if (u.want?.hash_ascii !== undefined) assert.equal(cp.rootHash.toString(), u.want.hash_ascii);
      if (u.want?.otherContent !== undefined) assert.deepEqual(cp.extensions, u.want.otherContent);
      // Strict mode refuses the non-SHA-256 root, and naming it; with a 32-byte root it agrees
      // with Rekor except for trailing empty lines, which C2SP forbids.
      throwsCode(() => parseCheckpoint(u.m), 'malformed_note', /root hash is \d+ bytes; it must be 32/);
      const with32 = u.m.replace(/^([^\n]*\n[^\n]*\n)[^\n]*/, `$1${root32.toString('base64')}`);
      if (u.desc.includes('trailing newlines')) throwsCode(() => parseCheckpoint(with32), 'malformed_note', /extension line 4 is empty/);
      else assert.deepEqual(parseCheckpoint(with32), { ...cp, rootHash: root32 });
    });
  }

  for (const s of rekor.unmarshal_signed) {
    it(`signed note: ${s.desc}`, () => {
      if (s.wantErr) return void throwsCode(() => parseSigned(s.m, LENIENT), 'malformed_note');
      const { cp, signatures } = parseSigned(s.m, LENIENT);
      assert.equal(cp.size, 9944);
      assert.equal(signatures, s.desc.includes('two') ? 2 : 1);
    });
  }

  it('CreateAndSignCheckpoint text: origin "<host> - <treeID>"', () => {
    const cp = { origin: rekorOrigin('rekor.localhost', '123'), size: 42, rootHash: sha256(Buffer.from([1, 2, 3])), extensions: [] };
    assert.equal(formatCheckpoint(cp), rekor.sign_roundtrip.expected_text);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const note = signCheckpoint(cp, ecdsaNoteSigner('rekor.localhost', privateKey));
    assert.deepEqual(verifyCheckpoint(note, [ecdsaNoteVerifier('rekor.localhost', publicKey)], { origin: cp.origin }), cp);
    assert.equal(parseSignedNote(note).signatures.length, 1, 'exactly one signature line');
  });
});

describe('go.sum database tree notes (golang.org/x/mod/sumdb/tlog)', () => {
  const origin = 'go.sum database tree';
  it('parses the tree note: size beyond 2^32, root = RFC 6962 leaf hash of "hello world"', () => {
    const cp = parseCheckpoint(tree.text, { origin });
    assert.equal(cp.size, 123456789012);
    assert.equal(cp.rootHash.toString('base64'), tree.hash_b64);
    assert.deepEqual(cp.rootHash, sha256(Buffer.concat([Buffer.from([0]), Buffer.from('hello world')])));
  });

  it('rejects the bad tree notes', () => {
    const [wrongOrigin = '', hexSize = '', badRoot = ''] = tree.bad_trees;
    throwsCode(() => parseCheckpoint(wrongOrigin, { origin }), 'malformed_note', /origin "not-go.sum database tree" is not the expected/);
    throwsCode(() => parseCheckpoint(hexSize, { origin }), 'malformed_note', /size line "0xabcdef" is not a decimal number/);
    throwsCode(() => parseCheckpoint(badRoot, { origin }), 'malformed_note', /root hash line .* is not padded standard base64/);
  });

  it('accepts trailing junk as an extension line; an unterminated one only when lenient', () => {
    assert.deepEqual(parseCheckpoint(tree.text + 'JOE\n').extensions, ['JOE']);
    assert.deepEqual(parseCheckpoint(tree.text + 'JOE', LENIENT).extensions, ['JOE']);
    throwsCode(() => parseCheckpoint(tree.text + 'JOE'), 'malformed_note', /does not end with a newline/);
  });
});

describe('C2SP tlog-checkpoint', () => {
  it('parses the spec example', () => {
    const { cp, signatures } = parseSigned(c2sp.note);
    assert.equal(signatures, 1);
    assert.deepEqual(cp, { origin: c2sp.parsed.origin, size: c2sp.parsed.size, rootHash: Buffer.from(c2sp.parsed.rootHash_hex, 'hex'), extensions: [] });
  });

  const base = (size: string, root = root32.toString('base64')): string => `example.com/log\n${size}\n${root}\n`;
  const bad: [string, string, RegExp][] = [
    ['a sign', base('+5'), /size line "\+5" is not a decimal number/],
    ['a negative size', base('-34'), /size line "-34" is not a decimal number/],
    ['leading zeros', base('0123'), /size line "0123" has leading zeros/],
    ['an empty size', base(''), /size line is empty/],
    ['a size of 2^53', base('9007199254740992'), /larger than 2\^53-1/],
    ['a size past uint64', base('3438945738945739845734895735'), /larger than 2\^53-1/],
    ['a 31-byte root', base('0', Buffer.alloc(31).toString('base64')), /root hash is 31 bytes; it must be 32/],
    ['unpadded root', base('0', root32.toString('base64').replace('=', '')), /not padded standard base64/],
    ['url-safe root', base('0', Buffer.alloc(32, 0xfb).toString('base64url') + '='), /is not base64/],
    ['an empty origin', '\n1\n' + root32.toString('base64') + '\n', /origin line is empty/],
    ['an empty extension line', base('1') + '\nx\n', /extension line 4 is empty/],
    ['two lines', 'example.com/log\n1\n', /has 2 lines; it needs at least 3/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what}`, () => void throwsCode(() => parseCheckpoint(text), 'malformed_note', message, what));
  }

  it('accepts size 0 and 2^53-1 and round-trips extension lines', () => {
    assert.equal(parseCheckpoint(base('0')).size, 0);
    const cp = { origin: 'example.com/log', size: Number.MAX_SAFE_INTEGER, rootHash: root32, extensions: ['Timestamp: 1', 'x'] };
    assert.deepEqual(parseCheckpoint(formatCheckpoint(cp)), cp);
  });

  it('formatCheckpoint refuses what it could not parse back', () => {
    const cp = { origin: 'o', size: 1, rootHash: root32, extensions: [] };
    throwsCode(() => formatCheckpoint({ ...cp, size: -1 }), 'malformed_note', /size -1/);
    throwsCode(() => formatCheckpoint({ ...cp, size: 2 ** 53 }), 'malformed_note', /2\^53-1/);
    throwsCode(() => formatCheckpoint({ ...cp, origin: 'a\nb' }), 'malformed_note', /one non-empty line/);
    throwsCode(() => formatCheckpoint({ ...cp, extensions: [''] }), 'malformed_note', /extension/);
    throwsCode(() => formatCheckpoint({ ...cp, origin: 'a\tb' }), 'malformed_note', /U\+0009/);
  });
});

describe('Rekor v1 origin', () => {
  it('formats and parses "<host> - <treeID>", tree IDs beyond 2^53 as strings', () => {
    assert.equal(rekorOrigin('rekor.sigstore.dev', '1193050959916656506'), 'rekor.sigstore.dev - 1193050959916656506');
    assert.equal(rekorOrigin('h', 7n), 'h - 7');
    assert.deepEqual(parseRekorOrigin('rekor.sigstore.dev - 1193050959916656506'), { host: 'rekor.sigstore.dev', treeId: '1193050959916656506' });
    assert.match(rekorOrigin('rekor.example.com', 0), /.* - [0-9]+$/, 'sigstore-go picks the v1 verifier with this regex');
  });

  it('rejects what is not a Rekor v1 origin', () => {
    for (const origin of ['example.com/log', 'a - ', 'a - 01', 'a b - 1', 'a - 9223372036854775808', ' - 1']) {
      throwsCode(() => parseRekorOrigin(origin), 'malformed_note', /is not a Rekor v1 origin/, origin);
    }
    throwsCode(() => rekorOrigin('rekor example', '1'), 'malformed_note', /hostname/);
    throwsCode(() => rekorOrigin('h', '-1'), 'malformed_note', /tree ID/);
    throwsCode(() => rekorOrigin('h', 2 ** 60), 'malformed_note', /as strings/);
  });
});
