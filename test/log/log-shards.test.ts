/**
 * The Rekor v1 log across a key rotation (storage/log-shards.ts, log/log-service.ts): a new
 * shard with a new key takes the entries, the frozen one stays readable and verifiable with
 * its own key, log indexes go on globally, and a process that has not yet seen the rotation
 * fails its next batch over to the new shard instead of losing or refusing anything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logFromSpki } from '../../src/core/trust.js';
import { passedChecks, verifyEntry } from '../../src/core/verify-entry.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { entryIdOf } from '../../src/log/entry-id.js';
import { toLogEntryAnon } from '../../src/log/log-entry-json.js';
import type { LogService, ProvenEntry } from '../../src/log/log-service.js';
import { REKOR_TREE } from '../../src/log/log-service.js';
import type { LogKey } from '../../src/log/log-key.js';
import { logShards, rotateShard, ShardFrozenError } from '../../src/storage/log-shards.js';
import { TreeStore } from '../../src/storage/tree-store.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freshLogKey, openLog, syntheticEntry } from '../helpers/log.js';
import { nextSecond } from '../helpers/next-second.js';

const spkiOf = (key: LogKey): Buffer => key.publicKey.export({ type: 'spki', format: 'der' });
const trusted = (key: LogKey) => logFromSpki(nodeCrypto, spkiOf(key), { name: 'log.test.example' });

/** The offline verifier a client runs: the entry's log by logID among `keys`, SET over the global index, inclusion in its shard. */
function assertVerifies(entry: ProvenEntry, keys: readonly LogKey[]): void {
  const wire = toLogEntryAnon(entry, entry.proof, entry.shard.logIdHex);
  const v = verifyEntry(entryIdOf(entry.shard.treeId, entry.leafHash), wire, { logs: keys.map(trusted), crypto: nodeCrypto });
  assert.ok(v.verified, v.summary);
  assert.deepEqual(passedChecks(v), ['uuid', 'log-key', 'set', 'checkpoint', 'inclusion']);
}

/** Waits a second: a shard started in this second cannot be rotated again in it. */

describe('log shards', () => {
  let db: TestDatabase;
  const oldKey = freshLogKey();
  const newKey = freshLogKey();
  let currentKey: LogKey = oldKey;
  let log: LogService;

  before(async () => {
    db = await openTestDatabase();
    log = await openLog(db.sql, { key: oldKey, findKey: (spki) => (spkiOf(currentKey).equals(spki) ? currentKey : undefined) });
  });
  after(async () => {
    await log.close();
    await db.close();
  });

  it('starts as one shard: global index = shard index, no inactive shards', async () => {
    const e = await log.append(syntheticEntry('before-0'));
    assert.equal(e.logIndex, e.index);
    assert.equal(e.shard.firstIndex, 0);
    assert.deepEqual(await log.inactiveShards(), []);
    const shards = await logShards(db.sql, REKOR_TREE);
    assert.equal(shards.length, 1);
    assert.ok(shards[0]?.publicKey?.equals(spkiOf(oldKey)));
  });

  let oldTree: number;
  let beforeRotation: ProvenEntry[];

  it('a rotation freezes the shard in use; the next append fails over to the new shard with the new key', async () => {
    for (let i = 1; i < 5; i++) await log.append(syntheticEntry(`before-${i}`));
    oldTree = log.treeId;
    await nextSecond();
    currentKey = newKey; // the key source holds the new key, as `sealhouse rotate log` leaves it
    const shards = await rotateShard(db.sql, REKOR_TREE, spkiOf(newKey), new Date());
    assert.equal(shards.length, 2);
    assert.equal(shards[0]?.frozenSize, 5);
    assert.equal(shards[1]?.firstIndex, 5);
    // This LogService has not been told: its batch locks the frozen tree and fails over.
    const after = await log.append(syntheticEntry('after-0'));
    assert.notEqual(after.treeId, oldTree);
    assert.equal(after.index, 0);
    assert.equal(after.logIndex, 5);
    assert.equal(log.treeId, after.treeId);
    assert.equal(after.shard.logIdHex, log.signer.logIdHex);
    assert.ok(log.signer.spki.equals(spkiOf(newKey)));
  });

  it('the frozen tree refuses appends to anyone who locks it', async () => {
    await assert.rejects(
      db.sql.tx((tx) => TreeStore.byId(db.sql, oldTree).lockHead(tx)),
      (err: unknown) => err instanceof ShardFrozenError && err.treeId === oldTree,
    );
  });

  it('reads span the shards: by global index, by UUID, by 80-hex ID; each entry verifies with its own shard key', async () => {
    beforeRotation = await log.entriesByIndex([0, 1, 2, 3, 4]);
    assert.deepEqual(beforeRotation.map((e) => e.logIndex), [0, 1, 2, 3, 4]);
    for (const e of beforeRotation) {
      assert.equal(e.shard.treeId, oldTree);
      assert.equal(e.proof.treeSize, 5);
      assertVerifies(e, [oldKey, newKey]);
    }
    const [fresh] = await log.entriesByIndex([5]);
    assert.ok(fresh);
    assert.equal(fresh.index, 0);
    assert.equal(fresh.proof.logIndex, 0);
    assertVerifies(fresh, [oldKey, newKey]);
    // Neither key verifies the other shard's entries.
    assert.equal(verifyEntry(entryIdOf(oldTree, beforeRotation[0]!.leafHash), toLogEntryAnon(beforeRotation[0]!, beforeRotation[0]!.proof, beforeRotation[0]!.shard.logIdHex), { logs: [trusted(newKey)], crypto: nodeCrypto }).verified, false);

    const old0 = beforeRotation[0] as ProvenEntry;
    assert.equal((await log.entriesByLeafHash([old0.leafHash]))[0]?.logIndex, 0);
    assert.equal((await log.entriesByLeafHash([old0.leafHash], oldTree))[0]?.logIndex, 0);
    assert.deepEqual(await log.entriesByLeafHash([old0.leafHash], log.treeId), []);
    assert.deepEqual(await log.entriesByLeafHash([old0.leafHash], 12345), []);
    assert.equal(await log.entryByIndex(6), undefined);
  });

  it('index search finds entries in every shard, in log order', async () => {
    const hits = await log.search([['label:before-2'], ['label:after-0']], 'or');
    assert.deepEqual(hits.map((h) => h.treeId), [oldTree, log.treeId]);
  });

  it('deduplicates within the shard in use only, as Rekor does: a body of the frozen shard can be logged again', async () => {
    const again = await log.append(syntheticEntry('before-0'));
    assert.equal(again.treeId, log.treeId);
    assert.equal(again.logIndex, 6);
    const both = await log.entriesByLeafHash([again.leafHash]);
    assert.deepEqual(both.map((e) => e.logIndex), [6, 0]); // the shard in use first
  });

  it('GET /api/v1/log material: the frozen shard with its final checkpoint, and each shard key by tree ID', async () => {
    const inactive = await log.inactiveShards();
    assert.equal(inactive.length, 1);
    assert.equal(inactive[0]?.treeId, oldTree);
    assert.equal(inactive[0]?.treeSize, 5);
    assert.match(inactive[0]?.checkpoint ?? '', new RegExp(`^log\\.test\\.example - ${oldTree}\\n5\\n`));
    assert.equal(await log.publicKeyPem(oldTree), oldKey.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(await log.publicKeyPem(), newKey.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(await log.publicKeyPem(99), undefined);
    const proof = await log.consistency(2, 5, oldTree);
    assert.equal(proof.rootHash.toString('hex'), inactive[0]?.rootHash.toString('hex'));
    await assert.rejects(log.consistency(2, 6, oldTree), /greater than what is currently observable\(5\)/);
  });

  it('a second process on the same database follows the rotation: it reopens on the new shard and reads the old', async () => {
    const other = await openLog(db.sql, { key: newKey });
    try {
      assert.equal(other.treeId, log.treeId);
      assert.equal((await other.entryByIndex(3))?.shard.treeId, oldTree);
      const e = await other.append(syntheticEntry('from-the-other-process'));
      assert.equal(e.logIndex, 7);
    } finally {
      await other.close();
    }
    // Started with the old key, a process is refused: the shard in use is bound to the new one.
    await assert.rejects(openLog(db.sql, { key: oldKey }), /does not match the key tree/);
  });

  it('refuses to rotate to a key that already signed a shard', async () => {
    await nextSecond();
    await assert.rejects(rotateShard(db.sql, REKOR_TREE, spkiOf(oldKey), new Date()), /already signed shard 1/);
  });

  it('under load: every append made while the log rotates is committed, once, in one shard or the other', async () => {
    const thirdKey = freshLogKey();
    await nextSecond();
    const append = (i: number) => log.append(syntheticEntry(`load-${i}`));
    // 150 appends in flight, the first of them committed in the old shard; then the rotation runs
    // while those still queued and 240 more arrive; 10 more once it has committed. Where the
    // in-flight ones land is the race under test; that each lands once is the assertion.
    const early = Array.from({ length: 150 }, (_, i) => append(i));
    await early[0];
    currentKey = thirdKey;
    const rotating = rotateShard(db.sql, REKOR_TREE, spkiOf(thirdKey), new Date());
    const during = Array.from({ length: 240 }, (_, i) => append(150 + i));
    await rotating;
    const late = Array.from({ length: 10 }, (_, i) => append(390 + i));
    const results = await Promise.all([...early, ...during, ...late]);
    const byShard = new Map<number, number>();
    for (const r of results) byShard.set(r.treeId, (byShard.get(r.treeId) ?? 0) + 1);
    assert.equal(byShard.size, 2, 'entries landed on both sides of the rotation');
    const logIndexes = results.map((r) => r.logIndex).sort((a, b) => a - b);
    assert.equal(new Set(logIndexes).size, 400);
    // Global indexes are dense across the shards: nothing skipped, nothing doubled.
    const shards = await logShards(db.sql, REKOR_TREE);
    const total = shards.reduce((n, s) => n + (s.frozenSize ?? 0), 0) + (await log.head()).treeSize;
    const all = await log.entriesByIndex(Array.from({ length: total }, (_, i) => i));
    assert.deepEqual(all.map((e) => e.logIndex), Array.from({ length: total }, (_, i) => i));
    for (const r of results.slice(0, 5).concat(results.slice(-5))) {
      const [stored] = await log.entriesByIndex([r.logIndex]);
      assert.ok(stored?.leafHash.equals(r.leafHash));
      assertVerifies(stored as ProvenEntry, [oldKey, newKey, thirdKey]);
    }
  });

  it('holds a batch while the new key is not in place, and writes it once it is', async () => {
    const fourthKey = freshLogKey();
    await nextSecond();
    await rotateShard(db.sql, REKOR_TREE, spkiOf(fourthKey), new Date());
    // The key source still has the old key: the batch waits …
    const pending = log.append(syntheticEntry('waits-for-the-key'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await assert.rejects(log.refreshShards(), /not that shard's key/);
    currentKey = fourthKey; // … until the operator's new key file is there
    const e = await pending;
    assert.ok(log.signer.spki.equals(spkiOf(fourthKey)));
    assert.equal(e.treeId, log.treeId);
  });
});
