/**
 * The CT log service (RFC 6962) on a real store — PGlite, or Postgres with DATABASE_URL: SCTs that
 * verify over what was logged, entries whose leaf_input is the MerkleTreeLeaf the SCT signed,
 * audit and consistency proofs that verify against signed tree heads, resubmissions answered with
 * the original timestamp, and a tree that survives a restart but not a key change.
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CtLog } from '../../src/ct/ct-log.js';
import { precertEntry, x509Entry } from '../../src/ct/ct-submission.js';
import { parseExtraData, verifyTreeHead } from '../../src/ct/ct-wire.js';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { merkleTreeLeaf, verifySct } from '../../src/ct/sct.js';
import { isSealhouseError } from '../../src/errors.js';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { mth } from '../helpers/naive-tree.js';
import { EMAIL_EXTENSIONS, keyPair, makeCa } from '../ca/fixtures.js';

const ca = makeCa();
const chain = ca.material.chain as Buffer[];
const ctKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function precert(): Buffer {
  return new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'alice@example.com' }, extensions: EMAIL_EXTENSIONS }).precertificate();
}

describe('CT log service', () => {
  let db: TestDatabase;
  let log: CtLog;
  const open = (key: KeyObject = ctKey.privateKey): Promise<CtLog> => CtLog.open(db.sql, { key, roots: [chain[1] as Buffer], maxBatch: 64, maxDelayMs: 2, maxQueue: 1000 });

  before(async () => {
    db = await openTestDatabase();
    log = await open();
  });
  after(async () => {
    await log.close();
    await db.close();
  });

  it('starts empty with a signed head for size 0', async () => {
    const sth = await log.sth();
    assert.equal(sth.treeSize, 0);
    assert.ok(verifyTreeHead(sth, ctKey.publicKey));
  });

  it('add-pre-chain: the SCT verifies, and the entry, its chain and its proof are served', async () => {
    const pre = precert();
    const sct = await log.addPreChain([pre, ...chain]);
    const entry = precertEntry(pre, chain[0] as Buffer);
    assert.ok(verifySct(sct, entry, ctKey.publicKey));

    const sth = await log.sth();
    assert.equal(sth.treeSize, 1);
    assert.ok(verifyTreeHead(sth, ctKey.publicKey));
    const [row] = await log.entries(0, 10);
    assert.ok(row);
    assert.deepEqual(row.leafInput, merkleTreeLeaf(entry, sct.timestamp), 'leaf_input is the MerkleTreeLeaf the SCT signed');
    assert.deepEqual(parseExtraData('precert', row.extraData), [pre, ...chain]);
    const proof = await log.proofByHash(leafHash(row.leafInput), 1);
    assert.equal(proof.leafIndex, 0);
    verifyInclusion(nodeSha256, 0, 1, leafHash(row.leafInput), proof.auditPath, sth.rootHash);
  });

  it('add-chain: logs a final certificate as an x509 entry, adding the root the submitter left out', async () => {
    const draft = new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'bob@example.com' }, extensions: EMAIL_EXTENSIONS });
    const cert = draft.certificate();
    const sct = await log.addChain([cert, chain[0] as Buffer]);
    assert.ok(verifySct(sct, x509Entry(cert), ctKey.publicKey));
    const rows = await log.entries(1, 1);
    assert.deepEqual(parseExtraData('x509', rows[0]?.extraData ?? Buffer.alloc(0)), chain, 'certificate_chain holds intermediate and root');
  });

  it('refuses chains that do not lead to its root, precerts on add-chain, and certificates on add-pre-chain', async () => {
    const other = makeCa();
    const foreign = new LeafDraft(other.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'x@example.com' }, extensions: EMAIL_EXTENSIONS });
    const invalid = (re: RegExp) => (err: unknown) => isSealhouseError(err, 'invalid_input') && re.test(err.message);
    await assert.rejects(log.addPreChain([foreign.precertificate(), ...(other.material.chain as Buffer[])]), invalid(/accepted root/));
    await assert.rejects(log.addChain([precert(), ...chain]), invalid(/add-pre-chain/));
    await assert.rejects(log.addPreChain([new LeafDraft(ca.material, { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'y@example.com' }, extensions: EMAIL_EXTENSIONS }).certificate(), ...chain]), invalid(/not a precertificate/));
    assert.equal((await log.sth()).treeSize, 2, 'nothing was logged');
  });

  it('answers a resubmission with the original timestamp and no new leaf, in a later batch or the same one', async () => {
    const pre = precert();
    const first = await log.addPreChain([pre, ...chain]);
    const again = await log.addPreChain([pre, ...chain]);
    assert.equal(again.timestamp, first.timestamp);
    const twice = await Promise.all([precert(), precert()].flatMap((p) => [log.addPreChain([p, ...chain]), log.addPreChain([p, ...chain])]));
    assert.equal(twice[0]?.timestamp, twice[1]?.timestamp);
    assert.equal(twice[2]?.timestamp, twice[3]?.timestamp);
    assert.equal((await log.sth()).treeSize, 5);
  });

  it('batches concurrent submissions into one consistent tree', async () => {
    const before = await log.sth();
    const scts = await Promise.all(Array.from({ length: 150 }, () => precert()).map((p) => log.addPreChain([p, ...chain])));
    assert.equal(scts.length, 150);
    const after = await log.sth();
    assert.equal(after.treeSize, before.treeSize + 150);
    const rows = await log.entries(0, after.treeSize - 1);
    assert.deepEqual(rows.map((r) => r.index), [...Array(after.treeSize).keys()]);
    assert.deepEqual(mth(rows.map((r) => leafHash(r.leafInput))), after.rootHash, 'the STH root is the RFC 6962 root of the logged leaves');
    verifyConsistency(nodeSha256, before.treeSize, after.treeSize, before.rootHash, after.rootHash, await log.consistency(before.treeSize, after.treeSize));
  });

  it('clamps and checks ranges like the Go CT front end', async () => {
    const { treeSize } = await log.sth();
    assert.equal((await log.entries(treeSize - 2, treeSize + 50)).length, 2, 'end is clamped to the tree');
    assert.equal((await log.entries(0, 5000)).length, Math.min(treeSize, 1000), 'at most 1000 per call');
    const outOfRange = (err: unknown) => isSealhouseError(err, 'out_of_range');
    await assert.rejects(log.entries(treeSize, treeSize + 1), outOfRange);
    await assert.rejects(log.entries(3, 2), outOfRange);
    await assert.rejects(log.consistency(1, treeSize + 1), outOfRange);
    await assert.rejects(log.proofByHash(Buffer.alloc(32), treeSize), (err: unknown) => isSealhouseError(err, 'not_found'));
    assert.deepEqual(await log.consistency(0, treeSize), []);
  });

  it('reopens on the same tree with the same key, and refuses another key', async () => {
    const head = await log.sth();
    const reopened = await open();
    assert.equal(reopened.treeId, log.treeId);
    assert.deepEqual((await reopened.sth()).rootHash, head.rootHash);
    await reopened.close();
    await assert.rejects(open(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /does not match the key tree/);
  });
});
