/**
 * What signCheckpoint emits must pass sigstore-js's own checkpoint code (@sigstore/verify
 * dist/tlog/checkpoint.js): it splits at the FIRST blank line, matches /\u2014 (\S+) (\S+)\n/g,
 * needs keyHint == logID[0:4] and the signer name inside the tlog baseURL, then verifies.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type LogCheckpoint, verifyCheckpoint as sigstoreVerifyCheckpoint } from '@sigstore/verify/dist/tlog/checkpoint.js';
import { rekorOrigin, signCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteSigner } from '../../src/note/ecdsa-note.js';
import { logIdOf } from '../../src/note/log-id.js';
import { readVector } from '../helpers/vectors.js';

type Entry = Parameters<typeof sigstoreVerifyCheckpoint>[0];
type Authority = Parameters<typeof sigstoreVerifyCheckpoint>[1][number];

function sigstoreVerify(envelope: string, publicKey: KeyObject, baseURL: string): LogCheckpoint {
  // Only inclusionProof.checkpoint.envelope is read by this function.
  const entry = { inclusionProof: { checkpoint: { envelope } } } as unknown as Entry;
  const tlog: Authority = { logID: logIdOf(publicKey), baseURL, publicKey, validFor: { start: new Date(0), end: new Date(8.64e15) } };
  return sigstoreVerifyCheckpoint(entry, [tlog]);
}

describe('sigstore-js accepts our checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = ecdsaNoteSigner('rekor.example.com', privateKey);
  const cp: Checkpoint = {
    origin: rekorOrigin('rekor.example.com', '1193050959916656506'),
    size: 9007199254740991,
    rootHash: Buffer.alloc(32, 0xab),
    extensions: [],
  };

  it('verifies a signed checkpoint and reads back origin, size and root', () => {
    const got = sigstoreVerify(signCheckpoint(cp, signer), publicKey, 'https://rekor.example.com');
    assert.equal(got.origin, cp.origin);
    assert.equal(got.logSize, BigInt(cp.size));
    assert.deepEqual(got.logHash, cp.rootHash);
    assert.deepEqual(got.rest, []);
  });

  it('also with extension lines and a size of 0', () => {
    const got = sigstoreVerify(signCheckpoint({ ...cp, size: 0, extensions: ['Timestamp: 1'] }, signer), publicKey, 'https://rekor.example.com:8443/');
    assert.equal(got.logSize, 0n);
    assert.deepEqual(got.rest, ['Timestamp: 1']);
  });

  it('is not vacuous: the wrong key or a baseURL without our hostname fails', () => {
    const note = signCheckpoint(cp, signer);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    assert.throws(() => sigstoreVerify(note, other, 'https://rekor.example.com'), /invalid checkpoint signature/);
    assert.throws(() => sigstoreVerify(note, publicKey, 'https://log.example.org'), /invalid checkpoint signature/);
  });

  it('agrees with us on the production checkpoint', () => {
    const note = readVector('checkpoints/production_rekor_checkpoint_from_sigstore-python.txt');
    const got = sigstoreVerify(note, createPublicKey(readVector('rekor/rekor.pub')), 'https://rekor.sigstore.dev');
    assert.equal(got.logSize, 32658497n);
  });
});
