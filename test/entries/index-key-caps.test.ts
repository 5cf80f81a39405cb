/**
 * The per-entry index caps of index-keys.ts (issue 8): in-toto digests stop at 1,024, keys over
 * 512 characters are not indexed, an entry never yields more than 2,048 keys, and the keys that
 * identify the entry come first so they survive every cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalizeIndexKeys, inTotoIndexKeys, IN_TOTO_PAYLOAD_TYPE, MAX_INDEX_KEYS, MAX_INTOTO_INDEX_KEYS } from '../../src/entries/index-keys.js';

const statement = (subject: unknown[], materials: unknown[] = []): Buffer => Buffer.from(JSON.stringify({ subject, predicate: { materials } }));

test('in-toto digests stop at MAX_INTOTO_INDEX_KEYS, subjects before materials', () => {
  const subjects = Array.from({ length: 3000 }, (_, i) => ({ digest: { sha256: `s${i}`, sha512: `t${i}` } }));
  const keys = inTotoIndexKeys(IN_TOTO_PAYLOAD_TYPE, statement(subjects, [{ digest: { sha1: 'm' } }]));
  assert.equal(MAX_INTOTO_INDEX_KEYS, 1024);
  assert.equal(keys.length, 1024);
  assert.deepEqual(keys.slice(0, 3), ['sha256:s0', 'sha512:t0', 'sha256:s1']);
  assert.ok(!keys.includes('sha1:m'));
  assert.deepEqual(inTotoIndexKeys(IN_TOTO_PAYLOAD_TYPE, statement([{ digest: { sha256: 'a' } }], [{ digest: { sha1: 'm' } }])), ['sha256:a', 'sha1:m']);
});

test('finalizeIndexKeys: lower-cases, de-duplicates, drops keys over 512 characters, stops at MAX_INDEX_KEYS', () => {
  assert.deepEqual(finalizeIndexKeys(['SHA256:AB', 'sha256:ab', `x:${'a'.repeat(511)}`, 'c']), ['sha256:ab', 'c']);
  assert.deepEqual(finalizeIndexKeys([`x:${'a'.repeat(510)}`]).map((k) => k.length), [512]);
  const many = finalizeIndexKeys(['first', ...Array.from({ length: 5000 }, (_, i) => `k${i}`)]);
  assert.equal(many.length, MAX_INDEX_KEYS);
  assert.equal(many[0], 'first');
});
