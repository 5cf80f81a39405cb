/**
 * src/core/base64.ts: the one strict base64, one case per policy difference, since each
 * policy mirrors a reference decoder (Go's StdEncoding, RawURLEncoding, protojson, DSSE).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Base64Error, decodeBase64, encodeBase64, tryDecodeBase64, type Base64Policy } from '../../src/core/base64.js';

const ok = (text: string, policy: Base64Policy): string | undefined => {
  const b = tryDecodeBase64(text, policy);
  return b === undefined ? undefined : Buffer.from(b).toString('hex');
};

describe('base64 policies', () => {
  it('standard: padded, the §4 alphabet, nothing else', () => {
    assert.equal(ok('YQ==', 'standard'), '61');
    assert.equal(ok('', 'standard'), '');
    for (const bad of ['YQ', 'YQ=', 'Y===', 'YQ==YQ==', 'Y Q==', 'YQ==\n', '-_8=', 'YR==x']) assert.equal(ok(bad, 'standard'), undefined, bad);
    assert.equal(ok('YR==', 'standard'), '61', 'non-zero unused bits are accepted, as Go StdEncoding does');
  });
  it('canonical: one spelling per byte string (signed notes)', () => {
    assert.equal(ok('YQ==', 'canonical'), '61');
    assert.equal(ok('YR==', 'canonical'), undefined);
    assert.equal(ok('YWI=', 'canonical'), '6162');
    assert.equal(ok('YWJ=', 'canonical'), undefined);
  });
  it('go-std: CR and LF anywhere are ignored, nothing else', () => {
    assert.equal(ok('Y\r\nQ=\n=', 'go-std'), '61');
    assert.equal(ok('Y Q==', 'go-std'), undefined);
  });
  it('unpadded and url-unpadded (JWT)', () => {
    assert.equal(ok('YQ', 'unpadded'), '61');
    assert.equal(ok('YQ==', 'unpadded'), undefined);
    assert.equal(ok('-_8', 'url-unpadded'), 'fbff');
    assert.equal(ok('+/8', 'url-unpadded'), undefined);
    assert.equal(ok('Y', 'url-unpadded'), undefined, 'one leftover character is never base64');
  });
  it('pem: whitespace between characters, non-empty', () => {
    assert.equal(ok(' Y Q\t=\r\n= ', 'pem'), '61');
    assert.equal(ok(' \n', 'pem'), undefined);
  });
  it('dsse: standard padded, else URL-safe with or without padding', () => {
    assert.equal(ok('+/8=', 'dsse'), 'fbff');
    assert.equal(ok('-_8', 'dsse'), 'fbff');
    assert.equal(ok('-_8=', 'dsse'), 'fbff');
    assert.equal(ok('+/8', 'dsse'), undefined);
  });
  it('protojson: either alphabet, padded or not, never mixed', () => {
    assert.equal(ok('+/8', 'protojson'), 'fbff');
    assert.equal(ok('-_8=', 'protojson'), 'fbff');
    assert.equal(ok('+_8=', 'protojson'), undefined);
  });
  it('errors name the field and the reason', () => {
    assert.throws(() => decodeBase64('ab*d', 'standard', 'spec.content'), (e: unknown) => e instanceof Base64Error && e.code === 'invalid_input' && /^spec.content is not valid base64: illegal character "\*" at offset 2$/.test(e.message));
    assert.throws(() => decodeBase64('abc', 'standard', 'x'), /length 3 is not a multiple of 4 \(missing padding\?\)/);
  });
});

describe('base64 round trip against Buffer', () => {
  it('encodes and decodes 200 random byte strings exactly as Buffer does', () => {
    for (let n = 0; n < 200; n++) {
      const bytes = randomBytes(n);
      const std = encodeBase64(bytes);
      assert.equal(std, bytes.toString('base64'));
      assert.equal(encodeBase64(bytes, { url: true }), bytes.toString('base64url'));
      assert.deepEqual(Buffer.from(decodeBase64(std, 'canonical')), bytes);
      assert.deepEqual(Buffer.from(decodeBase64(bytes.toString('base64url'), 'url-unpadded')), bytes);
    }
  });
});
