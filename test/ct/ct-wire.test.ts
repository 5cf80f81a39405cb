/**
 * The RFC 6962 encodings of ct-wire.ts against independent byte-level reconstructions: the
 * TreeHeadSignature of §3.5, extra_data of §4.6 for both entry types, and entry identities.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { entryIdentity, extraData, parseExtraData, sthToJson, treeHeadSignatureInput, verifyTreeHead } from '../../src/ct/ct-wire.js';
import { CtLogSigner } from '../../src/ct/sct.js';
import { isSealhouseError } from '../../src/errors.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = new CtLogSigner(key.privateKey);
const root = Buffer.alloc(32, 0xab);

describe('CT wire encodings', () => {
  it('TreeHeadSignature is version, tree_hash, timestamp, size and root, in that order', () => {
    const expected = Buffer.alloc(50);
    expected.writeUInt8(0, 0); // v1
    expected.writeUInt8(1, 1); // SignatureType tree_hash
    expected.writeBigUInt64BE(1_772_000_000_123n, 2);
    expected.writeBigUInt64BE(4242n, 10);
    root.copy(expected, 18);
    assert.deepEqual(treeHeadSignatureInput(4242, 1_772_000_000_123, root), expected);
  });

  it('a signed tree head is a DigitallySigned ECDSA/SHA-256 over it, and verifies only for its own fields', () => {
    const signature = signer.digitallySign(treeHeadSignatureInput(7, 1000, root));
    assert.deepEqual([signature[0], signature[1], signature.readUInt16BE(2)], [4, 3, signature.length - 4]);
    assert.ok(verify('sha256', treeHeadSignatureInput(7, 1000, root), { key: key.publicKey, dsaEncoding: 'der' }, signature.subarray(4)));
    const sth = { treeSize: 7, timestamp: 1000, rootHash: root, signature };
    assert.ok(verifyTreeHead(sth, key.publicKey));
    assert.ok(!verifyTreeHead({ ...sth, treeSize: 8 }, key.publicKey));
    assert.ok(!verifyTreeHead({ ...sth, signature: signature.subarray(1) }, key.publicKey));
    assert.deepEqual(sthToJson(sth), { tree_size: 7, timestamp: 1000, sha256_root_hash: root.toString('base64'), tree_head_signature: signature.toString('base64') });
  });

  it('extra_data: certificate_chain for x509 entries, PrecertChainEntry for precerts', () => {
    const [a, b, c] = [Buffer.from('leaf'), Buffer.from('intermediate'), Buffer.from('root')];
    const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
    const chain = Buffer.concat([u24(3 + b.length + 3 + c.length), u24(b.length), b, u24(c.length), c]);
    assert.deepEqual(extraData('x509', [a, b, c]), chain);
    assert.deepEqual(extraData('precert', [a, b, c]), Buffer.concat([u24(a.length), a, chain]));
    assert.deepEqual(parseExtraData('x509', chain), [b, c]);
    assert.deepEqual(parseExtraData('precert', extraData('precert', [a, b, c])), [a, b, c]);
    assert.throws(() => parseExtraData('x509', Buffer.concat([chain, Buffer.from([0])])), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    assert.throws(() => extraData('x509', []), /chain is empty/);
  });

  it('an entry identity ignores the timestamp but not the entry', () => {
    const x = { type: 'x509' as const, certificate: Buffer.from('cert') };
    assert.deepEqual(entryIdentity(x), entryIdentity({ ...x }));
    assert.notDeepEqual(entryIdentity(x), entryIdentity({ type: 'x509', certificate: Buffer.from('cert2') }));
    assert.notDeepEqual(entryIdentity({ type: 'precert', issuerKeyHash: Buffer.alloc(32), tbs: Buffer.from('cert') }), entryIdentity(x));
  });
});
