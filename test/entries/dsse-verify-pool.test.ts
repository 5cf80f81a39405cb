/**
 * DSSE matching off the main thread (dsse-verify-pool.ts): a costly envelope is matched in the
 * worker with the same answer and the same typed errors as inline, a cheap one stays inline,
 * and the main thread keeps turning while the worker checks P-521 signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { matchIndexes, pae } from '../../src/entries/dsse-envelope.js';
import { dsseWorkerJobs, dsseWorkersStarted, matchIndexesOffThread } from '../../src/entries/dsse-verify-pool.js';
import { parseVerifierMaterial } from '../../src/entries/keys.js';
import { isSealhouseError } from '../../src/errors.js';

const message = pae('application/vnd.in-toto+json', Buffer.from('{}'));
function keys(n: number, namedCurve: string) {
  return Array.from({ length: n }, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const m = parseVerifierMaterial(Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })), 'k');
    return { privateKey, match: { key: m.key, id: m.canonicalPem } };
  });
}
const sigsBy = (ks: ReturnType<typeof keys>) => ks.map((k) => {
  const bytes = sign('sha256', message, k.privateKey);
  return { sig: bytes.toString('base64'), bytes };
});

test('a cheap envelope is matched inline, a costly one in the worker with the same answer', async () => {
  const one = keys(1, 'P-256');
  const before = dsseWorkerJobs();
  assert.deepEqual(await matchIndexesOffThread(message, sigsBy(one), one.map((k) => k.match), [0]), [0]);
  assert.equal(dsseWorkerJobs(), before, 'one P-256 pair stays inline');

  const ks = keys(4, 'P-521');
  const sigs = sigsBy([...ks].reverse().slice(0, 2));
  const hints = [0, 1];
  const expected = matchIndexes(message, sigs, ks.map((k) => k.match), hints);
  assert.deepEqual(expected, [3, 2]);
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  const got = await matchIndexesOffThread(message, sigs, ks.map((k) => k.match), hints);
  clearInterval(timer);
  assert.deepEqual(got, expected);
  assert.equal(dsseWorkerJobs(), before + 1, 'answered by the worker');
  assert.ok(dsseWorkersStarted() >= 1, 'a worker thread really came online');
  assert.ok(turns > 0, 'the main thread kept turning while the worker verified');
});

test('errors from the worker keep their code and message', async () => {
  const before = dsseWorkerJobs();
  const ks = keys(8, 'P-521');
  const strangers = sigsBy(keys(1, 'P-256'));
  await assert.rejects(matchIndexesOffThread(message, strangers, ks.map((k) => k.match), [0]), (err: unknown) => {
    assert.ok(isSealhouseError(err, 'invalid_input'), String(err));
    assert.match((err as Error).message, /signature 1 of 1 does not verify over the DSSE PAE with any of the 8 verifiers/);
    return true;
  });
  assert.equal(dsseWorkerJobs(), before + 1, 'the refusal came from the worker, not an inline fallback');
});
