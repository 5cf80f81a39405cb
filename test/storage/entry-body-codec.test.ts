/**
 * The stored-body codec (src/storage/entry-body-codec.ts): real bodies of every kind come back
 * byte-identical and smaller; anything the packing cannot reproduce exactly is stored as it is;
 * rows written before the codec read unchanged; a corrupted packed form is an error, not a
 * wrong body; and format 1's tables are pinned, since stored rows depend on them forever.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { PEM_LABELS, SKELETONS, StoredBodyError, packBody, unpackBody } from '../../src/storage/entry-body-codec.js';
import { canonicalBodies, vectorBodies } from './entry-body-samples.js';

const isPacked = (stored: Buffer): boolean => stored[0] === 0 && stored[1] === 1;

function roundTrips(body: Buffer): Buffer {
  const stored = packBody(body);
  assert.ok(unpackBody(stored).equals(body), `round trip of ${JSON.stringify(body.toString('latin1').slice(0, 80))}`);
  return stored;
}

describe('entry body codec', () => {
  let samples = new Map<string, Buffer>();
  before(async () => {
    samples = new Map([...vectorBodies(), ...(await canonicalBodies())]);
  });

  it('packs real bodies of every kind byte-exactly, to at most 70 % of their size', () => {
    assert.ok(samples.size >= 10, `samples: ${[...samples.keys()].join(', ')}`);
    for (const [name, body] of samples) {
      const stored = roundTrips(body);
      assert.ok(isPacked(stored), `${name} is packed`);
      assert.ok(stored.length <= body.length * 0.7, `${name}: ${body.length} → ${stored.length} B`);
    }
    // The bench's shape: a P-256 hashedrekord (557 B) packs to well under half.
    const p256 = samples.get('hashedrekord P-256') as Buffer;
    assert.ok(packBody(p256).length < 250, `P-256 hashedrekord packs to ${packBody(p256).length} B`);
  });

  it('reads bodies stored before the codec (raw JSON) unchanged', () => {
    for (const body of samples.values()) assert.equal(unpackBody(body), body);
    const old = Buffer.from('{"edited":true}');
    assert.equal(unpackBody(old), old);
  });

  it('stores as it is what it cannot reproduce, and still returns the exact bytes', () => {
    // A fixed, padded signature value (a random DER signature may need no padding at all).
    const sig = Buffer.alloc(70, 7).toString('base64');
    const real = (samples.get('hashedrekord P-256') as Buffer).toString('latin1');
    const p256 = real.replace(/("signature":\{"content":")[^"]+/, `$1${sig}`);
    assert.ok(sig.endsWith('==') && isPacked(packBody(Buffer.from(p256, 'latin1'))));
    const cases: Record<string, string> = {
      'non-canonical base64 (trailing bits set)': p256.replace(sig, sig.replace(/.(=*)$/, (_m, pad: string) => `${pad ? 'B' : 'z'}${pad}`)),
      'base64 without padding': p256.replace(sig, sig.replace(/=+$/, '')),
      'odd whitespace': p256.replaceAll('":', '" : ').replace('{', '{\n  '),
      'escapes in strings': p256.replace('sha256', 'sha\\u0032\\"56'),
      'PEM with CRLF': p256.replace(/"publicKey":\{"content":"([^"]+)"/, (_m, b64: string) => `"publicKey":{"content":"${Buffer.from(Buffer.from(b64, 'base64').toString('latin1').replaceAll('\n', '\r\n'), 'latin1').toString('base64')}"`),
      'PEM wrapped at 76': p256.replace(/"publicKey":\{"content":"([^"]+)"/, (_m, b64: string) => {
        const pem = Buffer.from(b64, 'base64').toString('latin1');
        const der = pem.replace(/-----[^-]+-----|\n/g, '');
        const rewrapped = `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,76}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`;
        return `"publicKey":{"content":"${Buffer.from(rewrapped, 'latin1').toString('base64')}"`;
      }),
      'upper-case hex': p256.replace(/"value":"([0-9a-f]+)"/, (_m, h: string) => `"value":"${h.toUpperCase()}"`),
      'unterminated string': p256.slice(0, 200),
      'not JSON': 'hello "world',
      'empty': '',
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.notEqual(text, p256, name);
      roundTrips(Buffer.from(text, 'latin1'));
    }
    for (const raw of [Buffer.from('{"k":"\u00e9t\u00e9 ' + 'ab'.repeat(20) + '"}', 'utf8'), Buffer.from([0, 1, 2, 3]), Buffer.from([0]), Buffer.from([0, 0, 0x7b])]) {
      const stored = roundTrips(raw);
      assert.ok(!isPacked(stored) || raw[0] !== 0, 'a body starting with 0x00 is stored tagged raw, never mistaken for a packed one');
    }
  });

  it('round-trips mutated real bodies (bytes flipped, cut, inserted)', () => {
    let seed = 13;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const bodies = [...samples.values()];
    for (let i = 0; i < 3000; i++) {
      const body = Buffer.from(bodies[i % bodies.length] as Buffer);
      const at = rand(body.length);
      const kind = i % 3;
      const mutated = kind === 0 ? (body.writeUInt8(rand(256), at), body) : kind === 1 ? body.subarray(0, at) : Buffer.concat([body.subarray(0, at), Buffer.from([rand(128)]), body.subarray(at)]);
      roundTrips(mutated);
    }
  });

  it('refuses a corrupted packed form instead of returning other bytes', () => {
    const stored = packBody(samples.get('hashedrekord P-256') as Buffer);
    for (const bad of [Buffer.from([0, 1, 0x7f]), Buffer.from([0, 9, 1]), stored.subarray(0, stored.length - 3), Buffer.from([0, 1, 2, 200]), Buffer.from([0, 1, 5, 77, 0, 1, 0])]) {
      assert.throws(() => unpackBody(bad), StoredBodyError);
    }
  });

  it('keeps format 1 tables frozen (append only)', () => {
    assert.equal(new Set(SKELETONS).size, SKELETONS.length, 'no skeleton twice');
    // Stored rows name skeletons and labels by position: these entries must never change.
    const digest = (xs: readonly string[]): string => createHash('sha256').update(xs.join('\0')).digest('hex');
    assert.equal(digest(SKELETONS.slice(0, 22)), FORMAT_1_SKELETONS);
    assert.equal(digest(PEM_LABELS.slice(0, 2)), FORMAT_1_LABELS);
  });
});

const FORMAT_1_SKELETONS = '67d6a99e04f502ad7938a5f49e03aab7662347fbfe0f284d50f8da1775f462d8';
const FORMAT_1_LABELS = '877fd6eeb41b7f94bca269bef37fec280d26c1e15ea82aec87d26a0c0c2b19fc';
