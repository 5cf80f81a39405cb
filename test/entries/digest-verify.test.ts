/**
 * Verification over a given digest: every supported key type and digest algorithm, high-S and
 * raw r‖s ECDSA, malformed signatures; and the native addon and the pure-JS fallback agreeing on
 * the whole corpus.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { verifyDigest } from '../../src/entries/digest-verify.js';
import { nativeVerifier, nativeVerifierStatus } from '../../src/entries/native-verify.js';
import { buildCorpus, type VerifyCase } from './verify-corpus.js';

let corpus: VerifyCase[] = [];
before(async () => {
  corpus = await buildCorpus();
});

describe('verifyDigest', () => {
  it('the pure-JS path gives the expected result on every corpus case', () => {
    assert.ok(corpus.length > 300);
    const wrong = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'js') !== c.expected).map((c) => c.name);
    assert.deepEqual(wrong, []);
  });

  it('the native addon gives the expected result on every corpus case', { skip: nativeVerifier() === undefined ? `native addon unavailable: ${nativeVerifierStatus().detail}` : false }, () => {
    const wrong = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'native') !== c.expected).map((c) => c.name);
    assert.deepEqual(wrong, []);
  });

  it('native and fallback agree case by case', () => {
    const differ = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'native') !== verifyDigest(c.key, c.alg, c.digest, c.sig, 'js'));
    assert.deepEqual(differ.map((c) => c.name), []);
  });

  it('the native addon rejects a key with trailing bytes and wrong argument types', { skip: nativeVerifier() === undefined }, () => {
    const native = nativeVerifier();
    const c = corpus.find((x) => x.key.algorithm === 'ecdsa' && x.expected);
    assert.ok(native !== undefined && c !== undefined);
    assert.equal(native.verifyDigest(Buffer.concat([c.key.spki, Buffer.from([0])]), c.alg, c.digest, c.sig), false);
    assert.throws(() => native.verifyDigest(c.key.spki, 'md5', c.digest, c.sig), TypeError);
  });
});
