/**
 * src/core/der.ts, the one DER reader: each case the three former readers disagreed on
 * (non-minimal lengths, long form below 128, truncated or non-minimal OID arcs, indefinite
 * lengths, values past their container), plus the writer round trip.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { children, decodeOid, decodeTime, DerError, positiveInteger, readOne, readTlv, TAG } from '../../src/core/der.js';
import { encodeLength, encodeTime, tlv, unsignedInteger } from '../../src/core/der-writer.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/ /g, ''), 'hex'));
const refuses = (fn: () => unknown, message: RegExp): void => assert.throws(fn, (err: unknown) => err instanceof DerError && err.code === 'invalid_input' && message.test(err.message));

describe('DER lengths', () => {
  it('reads short and minimal long forms', () => {
    assert.equal(readOne(hex('04 03 616263'), TAG.OCTET_STRING, 'x').value.length, 3);
    const long = Uint8Array.from([0x04, 0x81, 0x80, ...new Uint8Array(128)]);
    assert.equal(readOne(long, TAG.OCTET_STRING, 'x').value.length, 128);
  });
  it('refuses a long form for a length below 128', () => refuses(() => readOne(hex('04 81 03 616263'), TAG.OCTET_STRING, 'blob'), /^blob: non-minimal length \(long form for 3\)/));
  it('refuses a length with a leading zero octet', () => {
    const padded = Uint8Array.from([0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128)]);
    refuses(() => readOne(padded, TAG.OCTET_STRING, 'blob'), /non-minimal length \(leading zero octet\)/);
  });
  it('refuses the indefinite length form', () => refuses(() => readTlv(hex('30 80 0000'), 0, 'seq'), /^seq: indefinite length is not DER/));
  it('refuses lengths of more than four octets', () => refuses(() => readTlv(hex('04 85 0100000000'), 0, 'big'), /too large/));
  it('refuses a value that runs past its container, naming what was read', () => {
    refuses(() => readTlv(hex('04 05 6162'), 0, 'signature'), /^signature: length 5 runs past the end/);
    // A child may not run past its parent even when the buffer continues.
    refuses(() => children(readTlv(hex('30 03 04 05 61 6263646566'), 0, 'outer'), 'inner'), /^inner: length 5 runs past/);
  });
  it('refuses truncated headers, multi-byte tags and trailing bytes', () => {
    refuses(() => readTlv(hex('30'), 0, 'h'), /truncated header/);
    refuses(() => readTlv(hex('04 82 01'), 0, 'h'), /truncated length/);
    refuses(() => readTlv(hex('1f 01 00'), 0, 'h'), /multi-byte tags/);
    refuses(() => readOne(hex('05 00 00'), TAG.NULL, 'n'), /trailing bytes/);
    refuses(() => readOne(hex('05 00'), TAG.SEQUENCE, 'n'), /expected tag 0x30, found 0x5/);
  });
});

describe('DER OBJECT IDENTIFIER', () => {
  it('decodes well-formed OIDs', () => {
    assert.equal(decodeOid(hex('2a864886f70d010101')), '1.2.840.113549.1.1.1');
    assert.equal(decodeOid(hex('2b0601040183bf300101')), '1.3.6.1.4.1.57264.1.1');
    assert.equal(decodeOid(hex('8837')), '2.999');
  });
  // Found by test/fuzz: a lone continuation octet decoded as "2.NaN"; two readers dropped an unfinished last arc.
  it('refuses a truncated last arc', () => {
    refuses(() => decodeOid(hex('81')), /truncated/);
    refuses(() => decodeOid(hex('2a864886')), /truncated/);
  });
  it('refuses non-minimal arcs, empty and oversized OIDs', () => {
    refuses(() => decodeOid(hex('80')), /non-minimal/);
    refuses(() => decodeOid(hex('2a808648')), /non-minimal/);
    refuses(() => decodeOid(new Uint8Array(0)), /empty/);
    refuses(() => decodeOid(hex('2a' + 'ff'.repeat(9) + '7f')), /too large/);
  });
});

describe('DER values', () => {
  it('INTEGER: positive and minimal only', () => {
    assert.deepEqual(positiveInteger(readOne(hex('02 02 00ff'), TAG.INTEGER, 'i'), 'i'), hex('ff'));
    refuses(() => positiveInteger(readOne(hex('02 02 0001'), TAG.INTEGER, 'i'), 'r'), /non-minimal INTEGER/);
    refuses(() => positiveInteger(readOne(hex('02 01 80'), TAG.INTEGER, 'i'), 'r'), /negative/);
    refuses(() => positiveInteger(readOne(hex('02 01 00'), TAG.INTEGER, 'i'), 'r'), /zero/);
  });
  it('times: the RFC 5280 forms only, and real dates', () => {
    assert.equal(decodeTime(readOne(encodeTime(new Date('2026-01-02T03:04:05Z')), TAG.UTC_TIME, 't')).toISOString(), '2026-01-02T03:04:05.000Z');
    assert.equal(decodeTime(readOne(encodeTime(new Date('2051-01-02T03:04:05Z')), TAG.GENERALIZED_TIME, 't')).toISOString(), '2051-01-02T03:04:05.000Z');
    const utc = (text: string): Uint8Array => tlv(TAG.UTC_TIME, Buffer.from(text));
    const gen = (text: string): Uint8Array => tlv(TAG.GENERALIZED_TIME, Buffer.from(text));
    refuses(() => decodeTime(readTlv(gen('20260102030405.5Z'), 0, 't'), 'notAfter'), /^notAfter: unsupported time value/);
    refuses(() => decodeTime(readTlv(utc('2601020304Z'), 0, 't')), /unsupported time value/);
    refuses(() => decodeTime(readTlv(utc('261340030405Z'), 0, 't')), /not a valid date/);
  });
});

describe('DER writer', () => {
  it('writes minimal lengths that the reader accepts back', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
      const der = tlv(TAG.OCTET_STRING, new Uint8Array(n));
      assert.equal(readOne(der, TAG.OCTET_STRING, 'x').value.length, n, `length ${n}`);
    }
    assert.deepEqual(encodeLength(128), hex('8180'));
    assert.deepEqual(unsignedInteger(hex('0000ff')), hex('020200ff'));
    assert.deepEqual(unsignedInteger(hex('7f')), hex('02017f'));
  });
});
