/**
 * src/core/pem.ts, the one PEM module: the lax reading key files and chains need (text between
 * blocks), the strict reading entry bodies need (Rekor's pem.Decode loop), Go-style writing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { certificatesFromPem, PemError, pemBlocks, toPem } from '../../src/core/pem.js';

const a = Buffer.from('3003020101', 'hex');
const b = Buffer.from('0500', 'hex');
const hexes = (text: string, strict = false): string[][] => pemBlocks(text, { strict }).map((x) => [x.label, Buffer.from(x.der).toString('hex')]);
const refuses = (fn: () => unknown, message: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof PemError && e.code === 'malformed_key' && message.test(e.message));

describe('PEM', () => {
  // Found while writing test/fuzz: a lazy BEGIN…END regex was quadratic in BEGIN lines without END.
  it('is linear: 1 MiB of unterminated BEGIN lines is refused in well under a second', () => {
    const hostile = '-----BEGIN CERTIFICATE-----\n'.repeat(Math.ceil((1 << 20) / 28));
    const t0 = performance.now();
    assert.deepEqual(pemBlocks(hostile, { allowNone: true }), []);
    refuses(() => certificatesFromPem(hostile), /no CERTIFICATE block found/);
    refuses(() => pemBlocks(hostile, { strict: true }), /has no matching END line/);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms (was ~50 s before the fix)`);
  });
  it('lax: reads blocks between comments', () => {
    const text = `Bag Attributes\n${toPem(a)}-----BEGIN junk\nsubject=/CN=x\n${toPem(b, 'PUBLIC KEY')}trailer\n`;
    assert.deepEqual(hexes(text), [['CERTIFICATE', '3003020101'], ['PUBLIC KEY', '0500']]);
    assert.deepEqual(certificatesFromPem(text).map((d) => Buffer.from(d)), [a]);
  });
  it('strict: no broken BEGIN line, no data after the last block', () => {
    assert.deepEqual(hexes(`openssl text\n${toPem(a)}\n\n`, true), [['CERTIFICATE', '3003020101']]);
    refuses(() => pemBlocks(`${toPem(a)}trailer`, { strict: true, what: 'public key' }), /^public key: unexpected data after the last PEM block/);
    refuses(() => pemBlocks(`-----BEGIN junk\n${toPem(a)}`, { strict: true }), /malformed PEM BEGIN line/);
    refuses(() => pemBlocks('hello', { strict: true, what: 'public key', expected: 'PUBLIC KEY or CERTIFICATE' }), /^public key: no PEM block found \(expected PUBLIC KEY or CERTIFICATE\)$/);
  });
  it('both: labels match, bodies are base64 (whitespace aside), no legacy headers', () => {
    refuses(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PUBLIC KEY-----\n'), /BEGIN CERTIFICATE closed by END PUBLIC KEY/);
    refuses(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----\n'), /PEM block "CERTIFICATE" does not contain valid base64/);
    refuses(() => pemBlocks('-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n'), /does not contain valid base64/);
    refuses(() => pemBlocks('-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n'), /does not contain valid base64/);
    refuses(() => pemBlocks('-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END EC PRIVATE KEY-----\n'), /PEM headers/);
    assert.deepEqual(hexes('-----BEGIN CERTIFICATE-----\r\nMAMC\r\nAQE=\r\n-----END CERTIFICATE-----\r\n'), [['CERTIFICATE', '3003020101']]);
  });
  it('never quotes a block in an error (it may be a private key)', () => {
    assert.throws(() => pemBlocks('-----BEGIN PRIVATE KEY-----\nSECRETSECRET*\n-----END PRIVATE KEY-----\n'), (e: unknown) => e instanceof Error && !e.message.includes('SECRET'));
  });
  it('writes as Go pem.Encode: 64 columns, LF, trailing newline', () => {
    const pem = toPem(new Uint8Array(100), 'PUBLIC KEY');
    const lines = pem.split('\n');
    assert.equal(lines[0], '-----BEGIN PUBLIC KEY-----');
    assert.equal(lines[1]?.length, 64);
    assert.equal(lines.at(-2), '-----END PUBLIC KEY-----');
    assert.ok(pem.endsWith('-----\n'));
  });
});
