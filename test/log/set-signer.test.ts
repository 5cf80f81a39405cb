/**
 * SetSigner (src/log/set-signer.ts): a large batch is signed in the worker thread, a batch of one
 * inline, and either way every SET verifies for its own index; without a worker, and after
 * close(), batches are signed inline.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifySet } from '../../src/log/set.js';
import { SetSigner } from '../../src/log/set-signer.js';
import { freshLogKey } from '../helpers/log.js';

const LOG_ID = 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d';
const batch = (n: number) => ({ bodies: Array.from({ length: n }, (_, i) => Buffer.from(`body ${i}`)), firstIndex: 1000, integratedTime: 1_700_000_000 });

function assertSets(b: ReturnType<typeof batch>, sigs: Buffer[], key: ReturnType<typeof freshLogKey>): void {
  assert.equal(sigs.length, b.bodies.length);
  sigs.forEach((sig, i) => {
    const fields = { body: b.bodies[i] as Buffer, integratedTime: b.integratedTime, logIdHex: LOG_ID, logIndex: b.firstIndex + i };
    assert.ok(verifySet(fields, sig, key.publicKey), `SET ${i}`);
    assert.ok(!verifySet({ ...fields, logIndex: fields.logIndex + 1 }, sig, key.publicKey), `SET ${i} is bound to its index`);
  });
}

describe('SetSigner', () => {
  it('signs a batch of several in the worker and a batch of one inline', async () => {
    const key = freshLogKey();
    const signer = new SetSigner(key.privateKey, LOG_ID);
    try {
      const large = batch(64);
      assertSets(large, await signer.sign(large), key);
      assert.equal(signer.workerBatches, 1, 'the large batch was signed by the worker thread');
      const small = batch(1);
      assertSets(small, await signer.sign(small), key);
      assert.equal(signer.workerBatches, 1, 'the small batch stayed inline');
    } finally {
      await signer.close();
    }
    const after = batch(40);
    assertSets(after, await signer.sign(after), key);
    assert.equal(signer.workerBatches, 1, 'after close the batch was signed inline');
  });

  it('signs inline when asked to run without a worker', async () => {
    const key = freshLogKey();
    const signer = new SetSigner(key.privateKey, LOG_ID, false);
    const b = batch(40);
    assertSets(b, await signer.sign(b), key);
    assert.equal(signer.workerBatches, 0);
    await signer.close();
  });
});
