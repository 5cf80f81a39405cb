/** C2SP cosignature/v1: witness vkeys, key IDs and the signed message, against transparency-dev/formats. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ed25519NoteVerifier } from '../../src/note/ed25519-note.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { verifyNote } from '../../src/note/verify-note.js';
import {
  cosignatureKeyId,
  cosignatureMessage,
  encodeTimestampedSignature,
  formatCosignerVkey,
  parseCosignerVkey,
  verifyCosignature,
} from '../../src/witness/cosignature.js';
import { throwsCode } from '../note/assert-error.js';

interface FormatsVector {
  witness_vkey_ed25519: string;
  witness_vkey_cosignature_v1: string;
  log_vkey: string;
  checkpoint_text: string;
  cosigned_note: string;
}
// Compiled to dist-*/test/witness/; the vectors stay in the source tree.
const vector = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/witness/vectors/cosignature_v1_formats.json', import.meta.url)), 'utf8')) as FormatsVector;

function freshKey(): { privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url') };
}

describe('cosignature/v1 keys', () => {
  it('computes the key ID as SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[0:4], not the 0x01 note key ID', () => {
    const { publicKey } = freshKey();
    const want = createHash('sha256').update(Buffer.concat([Buffer.from('w.example/x\n'), Buffer.from([0x04]), publicKey])).digest().subarray(0, 4);
    assert.deepEqual(cosignatureKeyId('w.example/x', publicKey), want);
    const vkey = formatCosignerVkey('w.example/x', publicKey);
    assert.equal(vkey.split('+')[1], want.toString('hex'));
    const typed = vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1);
    assert.equal(Buffer.from(typed, 'base64')[0], 0x04);
    const parsed = parseCosignerVkey(vkey);
    assert.equal(parsed.name, 'w.example/x');
    assert.deepEqual(parsed.keyId, want);
    assert.deepEqual(parsed.publicKey, publicKey);
  });

  it('reads both spellings transparency-dev publishes, with the 0x04 key ID either way', () => {
    const a = parseCosignerVkey(vector.witness_vkey_cosignature_v1);
    const b = parseCosignerVkey(vector.witness_vkey_ed25519);
    assert.deepEqual(a.publicKey, b.publicKey);
    assert.deepEqual(a.keyId, b.keyId);
    assert.equal(a.keyId.toString('hex'), vector.witness_vkey_cosignature_v1.split('+')[1]);
    assert.equal(a.vkey, vector.witness_vkey_cosignature_v1);
    assert.equal(formatCosignerVkey(a.name, a.publicKey), vector.witness_vkey_cosignature_v1);
    assert.notEqual(b.keyId.toString('hex'), vector.witness_vkey_ed25519.split('+')[1]);
  });

  it('refuses vkeys that are wrong in each part, naming the part', () => {
    const good = vector.witness_vkey_cosignature_v1;
    // The base64 part may itself contain "+": split at the first two only.
    const [name = '', id = ''] = good.split('+');
    const b64 = good.slice(name.length + id.length + 2);
    const raw = Buffer.from(b64, 'base64');
    const retyped = (t: number): string => Buffer.concat([Buffer.from([t]), raw.subarray(1)]).toString('base64');
    throwsCode(() => parseCosignerVkey(`${name}+${id}`), 'malformed_key', 'is not "<name>+<8 hex key ID>+<base64 key>"');
    throwsCode(() => parseCosignerVkey(`+${id}+${b64}`), 'malformed_key', 'invalid key name');
    throwsCode(() => parseCosignerVkey(`${name}+${id}0+${b64}`), 'malformed_key', 'must be 8 hex digits');
    throwsCode(() => parseCosignerVkey(`${name}+00000000+${b64}`), 'malformed_key', `but its name and key give ${id}`);
    throwsCode(() => parseCosignerVkey(`other.example+${id}+${b64}`), 'malformed_key', 'but its name and key give');
    throwsCode(() => parseCosignerVkey(`${name}+${id}+${retyped(0x02)}`), 'malformed_key', 'signature type 0x02');
    throwsCode(() => parseCosignerVkey(`${name}+${id}+${Buffer.concat([raw, Buffer.from([0])]).toString('base64')}`), 'malformed_key', '33-byte key');
    throwsCode(() => parseCosignerVkey(`${name}+${id}+${b64}==`), 'malformed_key', 'padded standard base64');
    throwsCode(() => parseCosignerVkey(`${name}+${id}+${b64.replace(/\+/g, '-')}`), 'malformed_key', 'padded standard base64');
  });
});

describe('cosignature/v1 signatures', () => {
  it('verifies the cosignature transparency-dev/formats made, and the log signature beside it still verifies', () => {
    const key = parseCosignerVkey(vector.witness_vkey_cosignature_v1);
    const note = parseSignedNote(vector.cosigned_note);
    assert.equal(note.text, vector.checkpoint_text);
    const line = note.signatures.find((s) => s.name === key.name && s.keyHint.equals(key.keyId));
    assert.ok(line, 'the note carries a line with the 0x04 key ID');
    const { timestamp } = verifyCosignature(key, note.text, line.signature);
    assert.ok(timestamp > 1_700_000_000 && timestamp < Date.now() / 1000 + 60, `plausible timestamp ${timestamp}`);
    // A log-key verifier ignores the witness line: clients tolerate it.
    const verified = verifyNote(vector.cosigned_note, [ed25519NoteVerifier(vector.log_vkey)]);
    assert.equal(verified.verified.length, 1);
    assert.equal(verified.unverified.length, 1);
  });

  it('signs exactly "cosignature/v1\\ntime <t>\\n" ‖ text, as the spec example spells it', () => {
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    assert.equal(cosignatureMessage(text, 1679315147n).toString('utf8'), `cosignature/v1\ntime 1679315147\n${text}`);
    throwsCode(() => cosignatureMessage(text, -1n), 'invalid_input', 'outside');
  });

  it('refuses a cosignature over other text, with another key, without a timestamp, or of the wrong length', () => {
    const { privateKey, publicKey } = freshKey();
    const key = parseCosignerVkey(formatCosignerVkey('w.example', publicKey));
    const text = 'log.example\n1\nJzaMmpjhRXlhPt6eQBsAzb+Wm3UnSmDgaXwydZqdXPo=\n';
    const at = (t: bigint, body = text): Buffer => encodeTimestampedSignature(t, sign(null, cosignatureMessage(body, t), privateKey));
    assert.equal(verifyCosignature(key, text, at(1_800_000_000n)).timestamp, 1_800_000_000);
    throwsCode(() => verifyCosignature(key, text.replace('\n1\n', '\n2\n'), at(1_800_000_000n)), 'verification_failed', 'does not verify');
    const signedAt = at(1_800_000_000n);
    signedAt.writeBigUInt64BE(1_800_000_001n, 0);
    throwsCode(() => verifyCosignature(key, text, signedAt), 'verification_failed', 'does not verify');
    throwsCode(() => verifyCosignature(key, text, at(0n)), 'verification_failed', 'without a timestamp');
    throwsCode(() => verifyCosignature(key, text, at(1n).subarray(0, 71)), 'verification_failed', '71-byte cosignature');
    const other = parseCosignerVkey(formatCosignerVkey('w.example', freshKey().publicKey));
    throwsCode(() => verifyCosignature(other, text, at(1_800_000_000n)), 'verification_failed', 'does not verify');
  });
});
