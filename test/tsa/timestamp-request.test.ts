/** Timestamp requests: DER TimeStampReq from openssl and Go's shape, the JSON form, and every refusal as a 400. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { TAG } from '../../src/core/der.js';
import { tlv, unsignedInteger } from '../../src/core/der-writer.js';
import { encodeOid } from '../../src/ca/x509-sign.js';
import { isSealhouseError } from '../../src/errors.js';
import { parseJsonTimestampRequest, parseTimestampQuery, TSA_POLICY_OID } from '../../src/tsa/timestamp-request.js';
import { opensslQuery } from './fixtures.js';

const data = 'the signature bytes sigstore clients timestamp';
const sha = (alg: string): Buffer => createHash(alg).update(data).digest();
const SHA256 = '2.16.840.1.101.3.4.2.1';
const seq = (...p: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...p);
const int = (n: number): Uint8Array => tlv(TAG.INTEGER, Uint8Array.of(n));

/** A TimeStampReq assembled by hand: version, imprint, then whatever optional fields are given. */
function query(opts: { version?: number; alg?: Uint8Array; digest?: Uint8Array; rest?: Uint8Array[] } = {}): Uint8Array {
  const alg = opts.alg ?? seq(encodeOid(SHA256), Uint8Array.of(TAG.NULL, 0));
  return seq(int(opts.version ?? 1), seq(alg, tlv(TAG.OCTET_STRING, opts.digest ?? sha('sha256'))), ...(opts.rest ?? []));
}

function assertBadRequest(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSealhouseError(err, 'invalid_input'), `a 400, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('DER TimeStampReq (application/timestamp-query)', () => {
  it('reads openssl queries for SHA-256, SHA-384 and SHA-512, with and without nonce, certReq and our policy', () => {
    const a = parseTimestampQuery(opensslQuery(data, ['-sha256', '-cert']));
    assert.equal(a.hash, 'sha256');
    assert.deepEqual(Buffer.from(a.hashedMessage), sha('sha256'));
    assert.equal(a.certReq, true);
    assert.equal(a.nonce?.[0], TAG.INTEGER, 'openssl sends a nonce by default');

    const b = parseTimestampQuery(opensslQuery(data, ['-sha384', '-no_nonce']));
    assert.equal(b.hash, 'sha384');
    assert.deepEqual(Buffer.from(b.hashedMessage), sha('sha384'));
    assert.equal(b.certReq, false);
    assert.equal(b.nonce, undefined);

    const c = parseTimestampQuery(opensslQuery(data, ['-sha512', '-tspolicy', TSA_POLICY_OID]));
    assert.equal(c.hash, 'sha512');
    assert.deepEqual(Buffer.from(c.hashedMessage), sha('sha512'));
  });

  it('reads the request sigstore-go sends (digitorus Marshal: version 1, NULL parameters, nothing optional) and keeps its AlgorithmIdentifier to echo', () => {
    const req = parseTimestampQuery(query());
    assert.equal(req.hash, 'sha256');
    assert.equal(req.certReq, false);
    assert.deepEqual(Buffer.from(req.hashAlgorithm), Buffer.from(seq(encodeOid(SHA256), Uint8Array.of(TAG.NULL, 0))));
    // Parameters absent (RFC 5754 §2) is the other accepted form.
    assert.deepEqual(Buffer.from(parseTimestampQuery(query({ alg: seq(encodeOid(SHA256)) })).hashAlgorithm), Buffer.from(seq(encodeOid(SHA256))));
  });

  it('echoes a nonce byte for byte, a negative one included', () => {
    const nonce = tlv(TAG.INTEGER, Uint8Array.of(0xff, 0x01, 0x02));
    assert.deepEqual(parseTimestampQuery(query({ rest: [nonce] })).nonce, nonce);
  });

  const refusals: [string, () => Uint8Array, RegExp][] = [
    ['SHA-1 (openssl -sha1)', () => opensslQuery(data, ['-sha1']), /SHA-1 message imprints are refused as too weak/],
    ['MD5 (openssl -md5)', () => opensslQuery(data, ['-md5']), /unsupported hash algorithm 1\.2\.840\.113549\.2\.5/],
    ['SHA-224', () => query({ alg: seq(encodeOid('2.16.840.1.101.3.4.2.4')), digest: new Uint8Array(28) }), /unsupported hash algorithm 2\.16\.840\.1\.101\.3\.4\.2\.4/],
    ['another policy (openssl -tspolicy)', () => opensslQuery(data, ['-tspolicy', '1.2.3.4.5']), /unaccepted policy 1\.2\.3\.4\.5: this TSA issues timestamps under policy 1\.3\.6\.1\.4\.1\.57264\.2 only/],
    ['a 20-byte digest labelled SHA-256', () => query({ digest: new Uint8Array(20) }), /the message imprint is 20 bytes, but a SHA-256 digest is 32/],
    ['a SHA-512 digest labelled SHA-256', () => query({ digest: sha('sha512') }), /64 bytes, but a SHA-256 digest is 32/],
    ['version 2', () => query({ version: 2 }), /version must be 1/],
    ['request extensions', () => query({ rest: [tlv(0xa0, seq(encodeOid('1.2.3'), tlv(TAG.OCTET_STRING, Uint8Array.of(1))))] }), /request extensions are not supported/],
    ['certReq before the nonce', () => query({ rest: [tlv(TAG.BOOLEAN, Uint8Array.of(0xff)), int(5)] }), /unexpected field \(tag 0x2\)/],
    ['two nonces', () => query({ rest: [int(5), int(6)] }), /unexpected field/],
    ['a BER BOOLEAN 0x01', () => query({ rest: [tlv(TAG.BOOLEAN, Uint8Array.of(0x01))] }), /certReq is not a DER BOOLEAN/],
    ['a non-minimal nonce', () => query({ rest: [tlv(TAG.INTEGER, Uint8Array.of(0, 5))] }), /nonce INTEGER is not minimally encoded/],
    ['an empty nonce', () => query({ rest: [tlv(TAG.INTEGER)] }), /empty INTEGER/],
    ['a 65-byte nonce', () => query({ rest: [unsignedInteger(new Uint8Array(65).fill(0x11))] }), /at most 64 are accepted/],
    ['hash parameters other than NULL', () => query({ alg: seq(encodeOid(SHA256), int(0)) }), /parameters other than NULL/],
    ['an unknown field', () => query({ rest: [tlv(TAG.UTF8_STRING, Uint8Array.of(0x41))] }), /unexpected field/],
    ['trailing bytes', () => Uint8Array.of(...query(), 0), /not a DER TimeStampReq .*trailing bytes/],
    ['a truncated query', () => query().subarray(0, 20), /not a DER TimeStampReq/],
    ['an indefinite length (BER)', () => Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01, 0, 0), /not a DER TimeStampReq .*indefinite length/],
    ['JSON sent as DER', () => new TextEncoder().encode('{"artifactHash":"x"}'), /not a DER TimeStampReq/],
    ['an empty SEQUENCE', () => Uint8Array.of(0x30, 0), /not a DER TimeStampReq .*version: missing/],
  ];
  for (const [name, make, pattern] of refusals) {
    it(`refuses ${name} with a 400 that says why`, () => assertBadRequest(() => parseTimestampQuery(make()), pattern));
  }

  it('refuses random bytes and every one-byte corruption of a valid query with a 400, never anything else', () => {
    const valid = opensslQuery(data, ['-sha256', '-cert']);
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) inputs.push(randomBytes(1 + (i % 120)));
    for (let i = 0; i < valid.length; i++) {
      for (const v of [0x00, 0xff, (valid[i] as number) ^ 0x01, (valid[i] as number) ^ 0x80]) {
        const copy = Uint8Array.from(valid);
        copy[i] = v;
        inputs.push(copy);
      }
    }
    let accepted = 0;
    for (const input of inputs) {
      try {
        parseTimestampQuery(input);
        accepted++;
      } catch (err) {
        assert.ok(isSealhouseError(err, 'invalid_input'), `only 400s: ${String(err)}`);
      }
    }
    // Corruptions inside the digest or nonce still parse; structural ones must not.
    assert.ok(accepted < inputs.length / 2, `${accepted} of ${inputs.length} accepted`);
  });
});

describe('JSON timestamp request (application/json)', () => {
  const b64 = (alg: string): string => sha(alg).toString('base64');

  it('reads what sigstore-js sends, and the optional fields timestamp-authority takes', () => {
    const js = parseJsonTimestampRequest({ artifactHash: b64('sha256'), hashAlgorithm: 'sha256' });
    assert.equal(js.hash, 'sha256');
    assert.deepEqual(Buffer.from(js.hashedMessage), sha('sha256'));
    assert.equal(js.certReq, false);
    assert.equal(js.nonce, undefined);
    const full = parseJsonTimestampRequest({ artifactHash: b64('sha384'), hashAlgorithm: 'SHA384', certificates: true, nonce: 1234567890123, tsaPolicyOID: TSA_POLICY_OID });
    assert.equal(full.hash, 'sha384');
    assert.equal(full.certReq, true);
    assert.deepEqual(full.nonce, unsignedInteger(Uint8Array.of(0x01, 0x1f, 0x71, 0xfb, 0x04, 0xcb)));
    assert.deepEqual(parseJsonTimestampRequest({ artifactHash: b64('sha512'), hashAlgorithm: 'sha512', nonce: 0 }).nonce, Uint8Array.of(2, 1, 0));
  });

  it('reads Go clients\' nulls as absent', () => {
    const req = parseJsonTimestampRequest({ artifactHash: b64('sha256'), hashAlgorithm: 'sha256', certificates: null, nonce: null, tsaPolicyOID: null });
    assert.equal(req.certReq, false);
    assert.equal(req.nonce, undefined);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['SHA-1', { artifactHash: createHash('sha1').update(data).digest('base64'), hashAlgorithm: 'sha1' }, /SHA-1 message imprints are refused as too weak/],
    ['MD5', { artifactHash: b64('md5'), hashAlgorithm: 'md5' }, /unsupported hash algorithm "md5"/],
    ['no hash algorithm', { artifactHash: b64('sha256') }, /unsupported hash algorithm ""/],
    ['a numeric hash algorithm', { artifactHash: b64('sha256'), hashAlgorithm: 256 }, /hashAlgorithm must be a string/],
    ['a digest of the wrong length', { artifactHash: b64('sha256'), hashAlgorithm: 'sha512' }, /the message imprint is 32 bytes, but a SHA-512 digest is 64/],
    ['no artifactHash', { hashAlgorithm: 'sha256' }, /the message imprint is 0 bytes/],
    ['artifactHash that is not base64', { artifactHash: '!!!!', hashAlgorithm: 'sha256' }, /artifactHash is not standard base64/],
    ['another policy', { artifactHash: b64('sha256'), hashAlgorithm: 'sha256', tsaPolicyOID: '1.2.3' }, /unaccepted policy 1\.2\.3/],
    ['a nonce beyond 2^53', { artifactHash: b64('sha256'), hashAlgorithm: 'sha256', nonce: 2 ** 60 }, /nonce must be a non-negative integer below 2\^53/],
    ['a negative nonce', { artifactHash: b64('sha256'), hashAlgorithm: 'sha256', nonce: -1 }, /non-negative integer/],
    ['a string nonce', { artifactHash: b64('sha256'), hashAlgorithm: 'sha256', nonce: '5' }, /non-negative integer/],
    ['certificates "yes"', { artifactHash: b64('sha256'), hashAlgorithm: 'sha256', certificates: 'yes' }, /certificates must be true or false/],
    ['an array', [], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
  ];
  for (const [name, body, pattern] of refusals) {
    it(`refuses ${name} with a 400 that says why`, () => assertBadRequest(() => parseJsonTimestampRequest(body), pattern));
  }
});
