import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOid } from '../../src/ca/der.js';
import { isSealhouseError } from '../../src/errors.js';

const bad = (hex: string, message: RegExp): void =>
  assert.throws(() => decodeOid(Buffer.from(hex, 'hex')), (err: unknown) => isSealhouseError(err, 'invalid_input') && message.test(err.message));

test('decodeOid decodes well-formed OIDs', () => {
  assert.equal(decodeOid(Buffer.from('2a864886f70d010101', 'hex')), '1.2.840.113549.1.1.1');
  assert.equal(decodeOid(Buffer.from('2b0601040183bf300101', 'hex')), '1.3.6.1.4.1.57264.1.1');
});

// Found by test/fuzz: a lone continuation octet decoded as "2.NaN", an unfinished last arc was dropped.
test('decodeOid refuses truncated, non-minimal and oversized arcs', () => {
  bad('80', /non-minimal/);
  bad('81', /truncated OID/);
  bad('2a864886', /truncated OID/);
  bad('2a808648', /non-minimal/);
  bad('2a' + 'ff'.repeat(9) + '7f', /too large/);
});
