/**
 * The CA's worker threads: signatures are valid signatures by the CA key over exactly the given
 * bytes (P-384 and Ed25519 CA keys), proof-of-possession answers and refusals are the same as
 * inline ones (error code and message intact), and jobs run inline once the workers are gone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { CryptoWorkers } from '../../src/ca/crypto-workers.js';
import { verifyPublicKeyProof } from '../../src/ca/pop.js';
import { isSealhouseError } from '../../src/errors.js';
import { keyPair } from './fixtures.js';

const ALLOWED = ['ecdsa-sha2-256-nistp256'];

describe('CryptoWorkers', () => {
  for (const kind of ['P-384', 'ed25519'] as const) {
    it(`signs in workers with a ${kind} CA key, and inline after close`, async () => {
      const { privateKey, publicKey } = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: kind });
      const workers = new CryptoWorkers(privateKey, 2);
      const messages = Array.from({ length: 20 }, (_, i) => Buffer.from(`tbs ${i}`));
      const signatures = await Promise.all(messages.map((m) => workers.sign(m)));
      const hash = kind === 'ed25519' ? null : 'sha384';
      signatures.forEach((sig, i) => assert.ok(verify(hash, messages[i] as Buffer, publicKey, sig), `signature ${i}`));
      assert.equal(workers.stats.workerAnswers, 20, 'every signature came from a worker thread');
      assert.equal(workers.stats.started, 2);
      await workers.close();
      assert.ok(verify(hash, Buffer.from('late'), publicKey, await workers.sign(Buffer.from('late'))));
      assert.equal(workers.stats.workerAnswers, 20, 'after close the signature was made inline');
    });
  }

  it('checks proofs of possession exactly as inline, refusals included', async () => {
    const workers = new CryptoWorkers(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 1);
    try {
      const k = keyPair('P-256');
      const request = { publicKey: k.pem, proofOfPossession: sign('sha256', Buffer.from('me@example.com'), k.privateKey).toString('base64'), challenges: ['me@example.com'] };
      const inWorker = await workers.provePublicKey(request, ALLOWED);
      const inline = verifyPublicKeyProof(request, ALLOWED);
      assert.deepEqual([inWorker.spki, inWorker.algorithm], [inline.spki, inline.algorithm]);
      assert.equal(workers.stats.workerAnswers, 1, 'the proof was checked by the worker');
      await assert.rejects(workers.provePublicKey({ ...request, challenges: ['someone@else.example'] }, ALLOWED), (err: unknown) => {
        assert.ok(isSealhouseError(err, 'invalid_input'));
        assert.match(err.message, /^The signature supplied in the request could not be verified: /);
        return true;
      });
      await assert.rejects(workers.proveCsr('garbage', ALLOWED), (err: unknown) => isSealhouseError(err, 'invalid_input') && /could not be parsed/.test(err.message));
      assert.equal(workers.stats.workerAnswers, 3, 'the refusals came from the worker too');
    } finally {
      await workers.close();
    }
  });
});
