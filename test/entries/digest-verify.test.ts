/**
 * Verification over a given digest: every supported key type and digest algorithm, high-S and
 * raw r‖s ECDSA, malformed signatures; and the native addon and the pure-JS fallback agreeing on
 * the whole corpus. The native tests skip only when the addon could not be built (the build
 * script recorded why) or was switched off; an addon that should be there and is not fails.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { verifyDigest, verifyDigestOffThread } from '../../src/entries/digest-verify.js';
import { nativeBuildSkipped, nativeVerifier, nativeVerifierStatus } from '../../src/entries/native-verify.js';
import { buildCorpus, type VerifyCase } from './verify-corpus.js';

let corpus: VerifyCase[] = [];

/** Why the native tests cannot run, or false when they must. */
function nativeSkip(): string | false {
  if (nativeVerifier() !== undefined) return false;
  if (process.env.SEALHOUSE_NATIVE_VERIFY === '0') return 'native verification disabled by SEALHOUSE_NATIVE_VERIFY=0';
  const skipped = nativeBuildSkipped();
  return skipped === undefined ? false : `the native addon could not be built here: ${skipped}`;
}
before(async () => {
  corpus = await buildCorpus();
});

describe('verifyDigest', () => {
  it('the pure-JS path gives the expected result on every corpus case', () => {
    assert.ok(corpus.length > 300);
    const wrong = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'js') !== c.expected).map((c) => c.name);
    assert.deepEqual(wrong, []);
  });

  it('the native addon is loaded wherever it could be built', { skip: nativeSkip() }, () => {
    assert.ok(nativeVerifier() !== undefined, `the addon was expected (npm install builds it; no build failure was recorded): ${nativeVerifierStatus().detail}`);
  });

  it('the native addon gives the expected result on every corpus case', { skip: nativeSkip() }, () => {
    assert.ok(nativeVerifier() !== undefined, nativeVerifierStatus().detail);
    const wrong = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'native') !== c.expected).map((c) => c.name);
    assert.deepEqual(wrong, []);
  });

  it('native and fallback agree case by case', { skip: nativeSkip() }, () => {
    // Without the addon 'native' would quietly run the fallback and compare it with itself.
    assert.ok(nativeVerifier() !== undefined, nativeVerifierStatus().detail);
    const differ = corpus.filter((c) => verifyDigest(c.key, c.alg, c.digest, c.sig, 'native') !== verifyDigest(c.key, c.alg, c.digest, c.sig, 'js'));
    assert.deepEqual(differ.map((c) => c.name), []);
  });

  it('the native addon rejects a key with trailing bytes and wrong argument types', { skip: nativeSkip() }, () => {
    const native = nativeVerifier();
    const c = corpus.find((x) => x.key.algorithm === 'ecdsa' && x.expected);
    assert.ok(native !== undefined && c !== undefined);
    assert.equal(native.verifyDigest(Buffer.concat([c.key.spki, Buffer.from([0])]), c.alg, c.digest, c.sig), false);
    assert.throws(() => native.verifyDigest(c.key.spki, 'md5', c.digest, c.sig), TypeError);
  });

  it('off the JavaScript thread (libuv pool) it gives verifyDigest\'s result on every corpus case, all in flight at once', { skip: nativeSkip() }, async () => {
    assert.ok(nativeVerifier()?.verifyEcdsaAsync !== undefined, 'the addon was built without verifyEcdsaAsync (rebuild: node scripts/build-native.js)');
    const results = await Promise.all(corpus.map((c) => verifyDigestOffThread(c.key, c.alg, c.digest, c.sig)));
    const differ = corpus.filter((c, i) => results[i] !== verifyDigest(c.key, c.alg, c.digest, c.sig));
    assert.deepEqual(differ.map((c) => c.name), []);
    assert.ok(results.some((r) => r) && results.some((r) => !r));
  });

  it('the async native verifier copes with oversized input and rejects wrong argument types', { skip: nativeSkip() }, async () => {
    const native = nativeVerifier();
    const c = corpus.find((x) => x.key.algorithm === 'ecdsa' && x.expected);
    assert.ok(native?.verifyEcdsaAsync !== undefined && c !== undefined);
    assert.equal(await native.verifyEcdsaAsync('P-256', Buffer.alloc(200, 4), c.digest, c.sig), false);
    assert.equal(await native.verifyEcdsaAsync('P-256', Buffer.alloc(65, 4), Buffer.alloc(100), c.sig), false);
    assert.throws(() => native.verifyEcdsaAsync?.('P-999', Buffer.alloc(65, 4), c.digest, c.sig), TypeError);
  });
});
