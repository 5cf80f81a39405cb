import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { certificatesFromPem, pemBlocks, toPem } from '../../src/ca/pem.js';
import { isSealhouseError } from '../../src/errors.js';

// Found while writing test/fuzz: the lazy BEGIN…END regex was quadratic in the number of BEGIN lines without END.
test('pemBlocks is linear: 1 MiB of unterminated BEGIN lines is refused in well under a second', () => {
  const hostile = '-----BEGIN CERTIFICATE-----\n'.repeat(Math.ceil((1 << 20) / 28));
  const t0 = performance.now();
  assert.deepEqual(pemBlocks(hostile), []);
  assert.throws(() => certificatesFromPem(hostile), (err: unknown) => isSealhouseError(err, 'malformed_key'));
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms (was ~50 s before the fix)`);
});

test('pemBlocks still reads blocks between comments and refuses mismatched or bad blocks', () => {
  const a = Buffer.from('3003020101', 'hex');
  const b = Buffer.from('0500', 'hex');
  const text = `Bag Attributes\n${toPem(a)}-----BEGIN junk\nsubject=/CN=x\n${toPem(b, 'PUBLIC KEY')}trailer\n`;
  assert.deepEqual(pemBlocks(text).map((x) => [x.label, x.der.toString('hex')]), [['CERTIFICATE', '3003020101'], ['PUBLIC KEY', '0500']]);
  assert.deepEqual(certificatesFromPem(text), [a]);
  assert.throws(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PUBLIC KEY-----\n'), /BEGIN CERTIFICATE closed by END PUBLIC KEY/);
  assert.throws(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----\n'), /not valid base64/);
  assert.throws(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n'), /not valid base64/);
});
