/** The SET payload is byte-identical to RFC 8785 JCS of the four fields. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import { setPayload, signSet, verifySet } from '../../src/log/set.js';
import { freshLogKey } from '../helpers/log.js';

describe('SET payload', () => {
  it('equals a general JCS serialisation of {body, integratedTime, logID, logIndex}', () => {
    const body = Buffer.from('{"apiVersion":"0.0.1","kind":"hashedrekord"}');
    const fields = { body, integratedTime: 1_700_000_000, logIdHex: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d', logIndex: 2 ** 40 + 1 };
    const jcs = (canonicalize as unknown as (v: unknown) => string)({
      logIndex: fields.logIndex,
      logID: fields.logIdHex,
      integratedTime: fields.integratedTime,
      body: body.toString('base64'),
    });
    assert.equal(setPayload(fields).toString(), jcs);
  });

  it('signs and verifies with the log key, and rejects any changed field', () => {
    const key = freshLogKey();
    const fields = { body: Buffer.from('x'), integratedTime: 1, logIdHex: 'ab', logIndex: 0 };
    const sig = signSet(fields, key.privateKey);
    assert.ok(verifySet(fields, sig, key.publicKey));
    assert.ok(!verifySet({ ...fields, logIndex: 1 }, sig, key.publicKey));
    assert.ok(!verifySet({ ...fields, integratedTime: 2 }, sig, key.publicKey));
  });
});
