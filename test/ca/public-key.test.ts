/**
 * The SubjectPublicKeyInfo an issued certificate carries (public-key.ts): the client's canonical
 * encoding kept byte for byte, and EC encodings Go's x509 parser cannot read refused as Fulcio
 * refuses them (reference §1.1, "could not be parsed").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { parsePublicKey } from '../../src/ca/public-key.js';

describe('the SPKI a certificate carries', () => {
  it('keeps a canonical uncompressed EC key byte for byte and refuses a compressed one, as Fulcio does', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    assert.deepEqual(parsePublicKey(der).spki, der);
    const jwk = publicKey.export({ format: 'jwk' });
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      Buffer.from([2 + ((y[31] ?? 0) & 1)]),
      Buffer.from(jwk.x ?? '', 'base64url'),
    ]);
    assert.ok(createPublicKey({ key: compressed, format: 'der', type: 'spki' }).equals(publicKey), 'the compressed form is the same key');
    assert.throws(() => parsePublicKey(compressed), /could not be parsed: EC keys must be encoded with a named curve and an uncompressed point/);
  });
});
