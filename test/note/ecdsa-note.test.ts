/** Rekor v1 ECDSA P-256 note keys: logID, key hint = logID[0:4], round trips and tampering. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ecdsaNoteSigner, ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { logIdOf, rekorKeyHint } from '../../src/note/log-id.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { signNote, verifyNote } from '../../src/note/verify-note.js';
import { readVector, readVectorJson } from '../helpers/vectors.js';
import { throwsCode } from './assert-error.js';

interface ProductionKey { spki_der_b64: string; logID_hex: string; checkpoint_key_hint_hex: string }
const production = readVectorJson<ProductionKey>('rekor/production_rekor_key.json');

describe('log ID and key hint', () => {
  it('computes the production Rekor logID and key hint from rekor.pub', () => {
    const key = createPublicKey(readVector('rekor/rekor.pub'));
    assert.equal(logIdOf(key).toString('hex'), production.logID_hex);
    assert.equal(rekorKeyHint(key).toString('hex'), production.checkpoint_key_hint_hex);
    assert.equal(ecdsaNoteVerifier('rekor.sigstore.dev', key).keyHint.toString('hex'), 'c0d23d6a');
    const der = createPublicKey({ key: Buffer.from(production.spki_der_b64, 'base64'), format: 'der', type: 'spki' });
    assert.equal(logIdOf(der).toString('hex'), production.logID_hex);
  });
});

describe('ECDSA P-256 note signer and verifier', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = ecdsaNoteSigner('rekor.example.com', privateKey);
  const verifier = ecdsaNoteVerifier('rekor.example.com', publicKey);
  const text = 'rekor.example.com - 42\n7\nA5BYxvLAy0ksUzsKTRTvd8wPeKvMztUofYShogEc+4E=\n';

  it('uses logID[0:4] as key hint and signs with one DER ECDSA signature line', () => {
    assert.deepEqual(signer.keyHint, logIdOf(publicKey).subarray(0, 4));
    assert.deepEqual(verifier.keyHint, signer.keyHint);
    const note = signNote(text, signer);
    const parsed = parseSignedNote(note);
    assert.equal(parsed.signatures.length, 1);
    assert.equal(parsed.signatures[0]?.signature[0], 0x30, 'a DER SEQUENCE');
    assert.deepEqual(verifyNote(note, [verifier]).verified, parsed.signatures);
    assert.deepEqual(ecdsaNoteVerifier('rekor.example.com', privateKey).keyHint, signer.keyHint);
  });

  it('fails when any byte of the text or the signature is changed', () => {
    const note = signNote(text, signer);
    const sigStart = note.indexOf('\u2014');
    const raw = Buffer.from(note.slice(sigStart + '\u2014 rekor.example.com '.length, -1), 'base64');
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\n') continue;
      const changed = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + note.slice(i + 1);
      throwsCode(() => verifyNote(changed, [verifier]), 'verification_failed', /invalid signature for key rekor.example.com\+/, `text byte ${i}`);
    }
    for (let i = 4; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      const changed = `${note.slice(0, sigStart)}\u2014 rekor.example.com ${bad.toString('base64')}\n`;
      throwsCode(() => verifyNote(changed, [verifier]), 'verification_failed', undefined, `signature byte ${i}`);
    }
  });

  it('rejects other curves, RSA, public signing keys and bad names with malformed_key', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    throwsCode(() => ecdsaNoteSigner('h', p384.privateKey), 'malformed_key', /ECDSA P-256 key, got EC secp384r1/);
    throwsCode(() => ecdsaNoteVerifier('h', generateKeyPairSync('ed25519').publicKey), 'malformed_key', /got ed25519/);
    throwsCode(() => ecdsaNoteSigner('h', publicKey), 'malformed_key', /needs a private key/);
    throwsCode(() => ecdsaNoteSigner('https://rekor example', privateKey), 'malformed_key', /no spaces or "\+"/);
  });
});
