/**
 * A shared corpus of (key, digest, signature, expected) cases over every key type and digest
 * algorithm: valid DER and raw r‖s, high-S and low-S, and many ways to be wrong. Used by the
 * native/fallback equivalence test and the benchmark.
 */
import type { DigestAlgorithm } from '../../src/core/algorithms.js';
import { CURVE_ORDER, parseEcdsaSignature, toCompact, toDer } from '../../src/entries/ecdsa-signature.js';
import { parseVerifierMaterial, type PublicKeyInfo } from '../../src/entries/keys.js';
import { digestOf, signData, testKey, type KeySpec } from './fixtures.js';

export interface VerifyCase {
  name: string;
  key: PublicKeyInfo;
  alg: DigestAlgorithm;
  digest: Buffer;
  sig: Buffer;
  expected: boolean;
}

const ALGS: DigestAlgorithm[] = ['sha256', 'sha384', 'sha512'];

function flip(b: Buffer, at = b.length - 1): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x01;
  return c;
}

export async function buildCorpus(specs: KeySpec[] = ['P-256', 'P-384', 'P-521', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519']): Promise<VerifyCase[]> {
  const out: VerifyCase[] = [];
  for (const spec of specs) {
    const tk = await testKey(spec);
    const key = parseVerifierMaterial(Buffer.from(tk.pem), 'test key').key;
    const algs = spec === 'Ed25519' ? (['sha512'] as const) : ALGS;
    for (const alg of algs) {
      for (let i = 0; i < 3; i++) {
        const data = Buffer.from(`message ${spec} ${alg} ${i}`);
        const digest = digestOf(alg, data);
        const sig = signData(tk, alg, data);
        const add = (name: string, s: Buffer, expected: boolean, d = digest): void => {
          out.push({ name: `${spec}/${alg}/${i}: ${name}`, key, alg, digest: d, sig: s, expected });
        };
        add('valid', sig, true);
        add('wrong digest', sig, false, flip(digest, 0));
        add('bit flipped', flip(sig), false);
        add('truncated', sig.subarray(0, sig.length - 1), false);
        add('empty', Buffer.alloc(0), false);
        add('garbage', Buffer.from('not a signature at all, not even close'), false);
        if (key.curve !== undefined) {
          const curve = key.curve;
          const parsed = parseEcdsaSignature(sig, curve);
          if (parsed === undefined) throw new Error('test signature must parse');
          const n = CURVE_ORDER[curve];
          const other = { r: parsed.r, s: n - parsed.s };
          const high = parsed.s > n / 2n ? parsed : other;
          const low = parsed.s > n / 2n ? other : parsed;
          add('high-S DER', toDer(high), true);
          add('low-S DER', toDer(low), true);
          add('high-S raw r||s', toCompact(high, curve), true);
          add('raw r||s from OpenSSL', signData(tk, alg, data, true), true);
          add('r = 0', toCompact({ r: 0n, s: parsed.s }, curve), false);
          add('s = n', Buffer.concat([toCompact(parsed, curve).subarray(0, toCompact(parsed, curve).length / 2), Buffer.from(n.toString(16).padStart(toCompact(parsed, curve).length, '0'), 'hex')]), false);
          add('DER + trailing byte', Buffer.concat([toDer(parsed), Buffer.from([0])]), false);
          add('DER + 2 trailing bytes', Buffer.concat([toDer(parsed), Buffer.from([0, 0])]), false);
        }
        if (key.algorithm === 'rsa') {
          add('other digest algorithm claimed', sig, false, digestOf(alg === 'sha256' ? 'sha512' : 'sha256', data));
          add('leading zero prepended', Buffer.concat([Buffer.from([0]), sig]), false);
        }
      }
    }
  }
  return out;
}
