/**
 * The EC SubjectPublicKeyInfo fast path (src/entries/ec-spki.ts) must agree with OpenSSL: same
 * canonical DER, curve and key as createPublicKey + export for canonical keys, off-curve points
 * refused, and anything unusual (compressed points, other curves) left to the general path.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseCanonicalEcSpki } from '../../src/entries/ec-spki.js';
import { parseVerifierMaterial } from '../../src/entries/index.js';

const CURVES = [
  ['P-256', 'prime256v1'],
  ['P-384', 'secp384r1'],
  ['P-521', 'secp521r1'],
] as const;

describe('canonical EC SPKI fast path', () => {
  for (const [name, openssl] of CURVES) {
    it(`${name}: equals OpenSSL's parse and re-export, without calling it`, () => {
      for (let i = 0; i < 40; i++) {
        const der = generateKeyPairSync('ec', { namedCurve: name }).publicKey.export({ format: 'der', type: 'spki' });
        const result = parseCanonicalEcSpki(der);
        assert.ok(result !== undefined && 'key' in result);
        const viaOpenSsl = createPublicKey({ key: der, format: 'der', type: 'spki' });
        assert.ok(result.key.spki.equals(viaOpenSsl.export({ format: 'der', type: 'spki' })));
        assert.equal(result.key.curve, name);
        assert.equal(result.key.keyObject.asymmetricKeyDetails?.namedCurve, openssl);
        assert.ok(result.key.keyObject.equals(viaOpenSsl));
      }
    });

    it(`${name}: refuses a point off the curve, as OpenSSL and Go do`, () => {
      const der = Buffer.from(generateKeyPairSync('ec', { namedCurve: name }).publicKey.export({ format: 'der', type: 'spki' }));
      der[der.length - 1] = (der[der.length - 1] as number) ^ 1;
      assert.deepEqual(parseCanonicalEcSpki(der), { offCurve: true });
      assert.throws(() => createPublicKey({ key: der, format: 'der', type: 'spki' }));
      const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
      assert.throws(() => parseVerifierMaterial(Buffer.from(pem), 'public key'), /PUBLIC KEY could not be parsed: the EC point is not on the curve/);
    });
  }

  it('leaves compressed points and other curves to the general path', () => {
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    const squeezed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.from([0x02]), der.subarray(27, 59)]);
    assert.equal(parseCanonicalEcSpki(squeezed), undefined);
    assert.equal(parseCanonicalEcSpki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' })), undefined);
    assert.equal(parseCanonicalEcSpki(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' })), undefined);
  });
});
