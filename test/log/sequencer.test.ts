/**
 * The sequencer and log service on a real database (PGlite, or Postgres with DATABASE_URL):
 * indexes, duplicates, SETs, checkpoints, proofs, index keys, failed batches and restarts.
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateEntryError, SealhouseError } from '../../src/errors.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { logFromSpki } from '../../src/core/trust.js';
import { passedChecks, verifyEntry } from '../../src/core/verify-entry.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { entryIdOf } from '../../src/log/entry-id.js';
import { toLogEntryAnon } from '../../src/log/log-entry-json.js';
import { LogService } from '../../src/log/log-service.js';
import { verifySet } from '../../src/log/set.js';
import { verifyCheckpoint } from '../../src/note/checkpoint.js';
import { ecdsaNoteVerifier } from '../../src/note/ecdsa-note.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freshLogKey, openLog, syntheticEntry } from '../helpers/log.js';

describe('sequencer', () => {
  let db: TestDatabase;
  const key = freshLogKey();
  let log: LogService;

  before(async () => {
    db = await openTestDatabase();
    log = await openLog(db.sql, { key });
  });
  after(async () => {
    await log.close();
    await db.close();
  });

  it('assigns dense, unique indexes to concurrent appends and signs a verifiable SET for each', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(syntheticEntry(`e${i}`))));
    const indexes = results.map((r) => r.index).sort((a, b) => a - b);
    assert.deepEqual(indexes, Array.from({ length: 300 }, (_, i) => i));
    for (const r of results) {
      assert.ok(verifySet({ body: r.body, integratedTime: r.integratedTime, logIdHex: log.signer.logIdHex, logIndex: r.index }, r.setSignature, key.publicKey));
      assert.ok(r.checkpoint.treeSize > r.index);
      assert.equal(r.proof.treeSize, r.checkpoint.treeSize);
      verifyInclusion(nodeSha256, r.index, r.proof.treeSize, r.leafHash, r.proof.hashes, r.checkpoint.rootHash);
    }
    const head = await log.head();
    assert.equal(head.treeSize, 300);
  });

  it('answers each append with a checkpoint that verifies and an inclusion proof against it', async () => {
    const verifier = ecdsaNoteVerifier('log.test.example', key.publicKey);
    const r = await log.append(syntheticEntry('proof-me'));
    const proof = r.proof;
    const checkpoint = verifyCheckpoint(proof.checkpoint, [verifier]);
    assert.equal(checkpoint.origin, `log.test.example - ${log.treeId}`);
    assert.equal(checkpoint.size, proof.treeSize);
    assert.ok(checkpoint.rootHash.equals(proof.rootHash));
    verifyInclusion(nodeSha256, r.index, proof.treeSize, r.leafHash, proof.hashes, checkpoint.rootHash);
    // The same offline verifier that accepts production Rekor entries accepts ours.
    const wire = toLogEntryAnon(r, proof, log.signer.logIdHex);
    const trusted = logFromSpki(nodeCrypto, key.publicKey.export({ type: 'spki', format: 'der' }), { name: 'log.test.example' });
    const v = verifyEntry(entryIdOf(log.treeId, r.leafHash), wire, { logs: [trusted], crypto: nodeCrypto });
    assert.ok(v.verified, v.summary);
    assert.deepEqual(passedChecks(v), ['uuid', 'log-key', 'set', 'checkpoint', 'inclusion']);
  });

  it('resolves duplicates to the existing index, both across batches and inside one batch', async () => {
    const first = await log.append(syntheticEntry('dup'));
    await assert.rejects(log.append(syntheticEntry('dup')), (err: unknown) => err instanceof DuplicateEntryError && err.index === first.index);
    const twins = await Promise.allSettled([log.append(syntheticEntry('twin')), log.append(syntheticEntry('twin'))]);
    const ok = twins.filter((t) => t.status === 'fulfilled');
    const dup = twins.filter((t): t is PromiseRejectedResult => t.status === 'rejected');
    assert.equal(ok.length, 1);
    assert.equal(dup.length, 1);
    assert.ok(dup[0]?.reason instanceof DuplicateEntryError);
    assert.equal((dup[0]?.reason as DuplicateEntryError).index, (ok[0] as PromiseFulfilledResult<{ index: number }>).value.index);
  });

  it('reads entries back by index and leaf hash with proofs against the latest checkpoint', async () => {
    const r = await log.append(syntheticEntry('read-back'));
    const byIndex = await log.entryByIndex(r.index);
    assert.ok(byIndex);
    assert.ok(byIndex.body.equals(r.body));
    const [byHash] = await log.entriesByLeafHash([r.leafHash]);
    assert.equal(byHash?.index, r.index);
    const latest = await log.latestCheckpoint();
    assert.equal(byIndex.proof.treeSize, latest?.treeSize);
    verifyInclusion(nodeSha256, r.index, byIndex.proof.treeSize, r.leafHash, byIndex.proof.hashes, byIndex.proof.rootHash);
    assert.equal(await log.entryByIndex(10_000_000), undefined);
  });

  it('writes index keys with the entry and searches them with and/or', async () => {
    const a = await log.append(syntheticEntry('searchable'));
    const hits = await log.search([['label:searchable']], 'or');
    assert.deepEqual(hits.map((h) => h.leafHash.toString('hex')), [a.leafHash.toString('hex')]);
    const both = await log.search([['label:searchable'], ['label:e1']], 'and');
    assert.equal(both.length, 0);
    const either = await log.search([['label:searchable'], ['label:e1']], 'or');
    assert.equal(either.length, 2);
  });

  it('proves consistency between every stored checkpoint and the head', async () => {
    const verifier = ecdsaNoteVerifier('log.test.example', key.publicKey);
    const checkpoints = await log.checkpoints();
    assert.ok(checkpoints.length > 3);
    const head = checkpoints[checkpoints.length - 1];
    assert.ok(head);
    for (const cp of checkpoints) {
      verifyCheckpoint(cp.note, [verifier]);
      const { hashes, rootHash } = await log.consistency(cp.treeSize, head.treeSize);
      assert.ok(rootHash.equals(head.rootHash));
      verifyConsistency(nodeSha256, cp.treeSize, head.treeSize, cp.rootHash, head.rootHash, hashes);
    }
    await assert.rejects(log.consistency(1, head.treeSize + 1), /greater than what is currently observable/);
    await assert.rejects(log.consistency(5, 4), /must be less than/);
  });

  it('serves tiles by C2SP path, partial tiles at the width asked for', async () => {
    const head = await log.head();
    const width = head.treeSize % 256;
    const tile = await log.tile(`tile/0/001.p/${Math.min(width, 5)}`);
    assert.equal(tile.length, Math.min(width, 5) * 32);
    const bundle = await log.tile('tile/entries/000');
    assert.ok(bundle.length > 256 * 2);
    await assert.rejects(log.tile('tile/0/999'), (e: unknown) => e instanceof SealhouseError && e.code === 'not_found');
    await assert.rejects(log.tile('tile/0/1'), (e: unknown) => e instanceof SealhouseError && e.code === 'malformed_tile_path');
  });

  it('rolls a failed batch back completely and keeps appending correctly afterwards', async () => {
    const before = await log.head();
    // A trigger that fails the transaction part-way, after tiles and the head row were written.
    await db.sql.exec(`
      CREATE FUNCTION fail_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF position('poison' in convert_from(NEW.body, 'UTF8')) > 0 THEN RAISE EXCEPTION 'poisoned batch'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER poison BEFORE INSERT ON rekor_entries FOR EACH ROW EXECUTE FUNCTION fail_poison();`);
    const outcomes = await Promise.allSettled([log.append(syntheticEntry('poison')), log.append(syntheticEntry('innocent-bystander'))]);
    assert.ok(outcomes.every((o) => o.status === 'rejected'), 'the whole batch fails together');
    assert.deepEqual(await log.head(), before, 'the head did not move');
    await db.sql.exec('DROP TRIGGER poison ON rekor_entries; DROP FUNCTION fail_poison();');
    const r = await log.append(syntheticEntry('innocent-bystander'));
    assert.equal(r.index, before.treeSize);
    const proof = r.proof;
    verifyInclusion(nodeSha256, r.index, proof.treeSize, r.leafHash, proof.hashes, proof.rootHash);
  });

  it('keeps its tree ID and refuses a different signing key after a restart', async () => {
    const again = await LogService.open(db.sql, { key, host: 'log.test.example', maxBatch: 8, maxDelayMs: 1, maxQueue: 10 });
    assert.equal(again.treeId, log.treeId);
    const r = await again.append(syntheticEntry('after-restart'));
    assert.equal(r.index, (await log.head()).treeSize - 1);
    await again.close();
    await assert.rejects(
      LogService.open(db.sql, { key: freshLogKey(), host: 'log.test.example', maxBatch: 8, maxDelayMs: 1, maxQueue: 10 }),
      /does not match the key tree/,
    );
  });

  it('refuses new entries once drained, after committing what was queued', async () => {
    const other = await openLog(db.sql, { key });
    const pending = other.append(syntheticEntry('queued-before-close'));
    await other.close();
    assert.ok((await pending).index >= 0);
    await assert.rejects(other.append(syntheticEntry('too-late')), (e: unknown) => e instanceof SealhouseError && e.code === 'unavailable');
  });
});
