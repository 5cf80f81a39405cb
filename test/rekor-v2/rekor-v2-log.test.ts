/**
 * The Rekor v2 log on a real database (src/rekor-v2/rekor-v2-log.ts): appends through the shared
 * Sequencer answer with an inclusion proof that src/core verifies against the Ed25519-signed
 * checkpoint; duplicates (logged, or twice in one batch) are refused with the index; many
 * concurrent appends get distinct indexes; tiles and entry bundles by C2SP path; the tree, key
 * binding and witness hook survive a reopen; a tampered tile stops writes but not reads; and the
 * v1 tree in the same database is untouched.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import { verifyConsistency, verifyInclusion, leafHash as coreLeafHash } from '../../src/core/merkle.js';
import { DuplicateEntryError, isSealhouseError } from '../../src/errors.js';
import { nodeCrypto, nodeSha256 } from '../../src/node-crypto.js';
import { ed25519KeyHash } from '../../src/note/ed25519-note.js';
import { hashedRekordEntry } from '../../src/rekor-v2/hashedrekord-v002.js';
import { RekorV2Log, REKOR_V2_TREE, type RekorV2LogOptions, type V2SequencedEntry } from '../../src/rekor-v2/rekor-v2-log.js';
import { TreeIntegrityError } from '../../src/storage/tree-integrity.js';
import type { SequencedEntry } from '../../src/log/sequencer.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { v2Request } from './requests.js';

const ORIGIN = 'rekor.example.test';
const key = generateKeyPairSync('ed25519').privateKey;
const options = (extra: Partial<RekorV2LogOptions> = {}): RekorV2LogOptions => ({ key, origin: ORIGIN, maxBatch: 64, maxDelayMs: 2, maxQueue: 10_000, ...extra });

/** Checked by core exactly as a client checks a bundle's v2 entry. */
function assertProven(log: RekorV2Log, e: SequencedEntry): void {
  const cp = parseCheckpoint(e.proof.checkpoint);
  assert.equal(cp.origin, ORIGIN);
  assert.equal(verifyCheckpointSignature(nodeCrypto, cp, { logId: log.logId, spki: log.spki, names: [ORIGIN] }), ORIGIN);
  assert.equal(cp.size, e.proof.treeSize);
  verifyInclusion(nodeSha256, e.index, cp.size, coreLeafHash(nodeSha256, e.body), e.proof.hashes, cp.rootHash);
}

describe('Rekor v2 log', () => {
  let db: TestDatabase;
  let log: RekorV2Log;
  before(async () => {
    db = await openTestDatabase();
    log = await RekorV2Log.open(db.sql, options());
  });
  after(async () => {
    await log?.close();
    await db?.close();
  });

  it('is identified by the full note key ID of its origin and key', () => {
    const pub = Buffer.from(log.spki.subarray(log.spki.length - 32));
    assert.deepEqual(log.logId, ed25519KeyHash(ORIGIN, pub));
    assert.match(log.vkey, new RegExp(`^${ORIGIN.replace(/\./g, '\\.')}\\+${log.logId.subarray(0, 4).toString('hex')}\\+`));
  });

  it('signs an empty checkpoint before the first entry', async () => {
    const cp = parseCheckpoint(await log.checkpoint());
    assert.equal(cp.size, 0);
    verifyCheckpointSignature(nodeCrypto, cp, { logId: log.logId, spki: log.spki, names: [ORIGIN] });
  });

  it('appends with an inclusion proof against the signed checkpoint, and refuses the same entry again', async () => {
    const entry = hashedRekordEntry(v2Request().request);
    const done = await log.append(entry);
    assert.equal(done.index, 0);
    assert.deepEqual(done.body, entry.body);
    assertProven(log, done);
    await assert.rejects(log.append(entry), (err: unknown) => err instanceof DuplicateEntryError && err.index === 0);
    assert.equal(await log.checkpoint(), done.proof.checkpoint);
  });

  it('gives many concurrent appends distinct indexes, each proven, and refuses a repeat inside one batch', async () => {
    const entries = Array.from({ length: 300 }, () => hashedRekordEntry(v2Request().request));
    const repeat = entries[7] as (typeof entries)[number];
    const results = await Promise.allSettled([...entries, repeat].map((e) => log.append(e)));
    const ok = results.filter((r): r is PromiseFulfilledResult<V2SequencedEntry> => r.status === 'fulfilled').map((r) => r.value);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(ok.length, 300);
    assert.equal(failed.length, 1);
    assert.ok((failed[0] as PromiseRejectedResult).reason instanceof DuplicateEntryError);
    assert.deepEqual(new Set(ok.map((e) => e.index)), new Set(Array.from({ length: 300 }, (_, i) => i + 1)));
    for (const e of ok) assertProven(log, e);
  });

  it('serves tiles and entry bundles by C2SP path, and consistency proofs', async () => {
    const head = await log.head();
    assert.equal(head.treeSize, 301);
    const full = await log.tile('tile/0/000');
    assert.equal(full.length, 256 * 32);
    const partial = await log.tile('tile/0/001.p/45');
    assert.equal(partial.length, 45 * 32);
    const bundle = await log.tile('tile/entries/001.p/45');
    const bodies: Buffer[] = [];
    for (let at = 0; at < bundle.length; ) {
      const len = bundle.readUInt16BE(at);
      bodies.push(bundle.subarray(at + 2, at + 2 + len));
      at += 2 + len;
    }
    assert.equal(bodies.length, 45);
    // Entry 256 is the first of bundle 001, and its leaf hash the first hash of tile 0/001.
    assert.deepEqual(Buffer.from(coreLeafHash(nodeSha256, bodies[0] as Buffer)), partial.subarray(0, 32));
    await assert.rejects(log.tile('tile/0/001.p/46'), (err: unknown) => isSealhouseError(err, 'not_found'));
    const cp1 = await log.latestCheckpoint();
    const first = parseCheckpoint(await (async () => (await log.append(hashedRekordEntry(v2Request().request))).proof.checkpoint)());
    assert.ok(cp1);
    verifyConsistency(nodeSha256, cp1.treeSize, first.size, cp1.rootHash, first.rootHash, await log.consistency(cp1.treeSize, first.size));
  });

  it('hands each new checkpoint to the witness hook once, and serves its cosigned note', async () => {
    const seen: number[] = [];
    log.attachWitnesses({ checkpointPublished: (cp) => void seen.push(cp.treeSize), cosigned: async (note) => `${note}— witness.example AAAAAA==\n` });
    await new Promise((r) => setTimeout(r, 50));
    const latest = (await log.head()).treeSize;
    assert.deepEqual(seen, [latest]); // the latest stored checkpoint, offered on attach
    const batch = await Promise.all(Array.from({ length: 5 }, () => log.append(hashedRekordEntry(v2Request().request))));
    const sizes = [...new Set(batch.map((e) => e.proof.treeSize))].sort((a, b) => a - b);
    assert.deepEqual(seen.slice(1), sizes);
    assert.match(await log.checkpoint(), /— witness\.example AAAAAA==\n$/);
  });

  it('keeps its tree across a reopen, and refuses another key for it', async () => {
    const before = await log.head();
    await log.close();
    log = await RekorV2Log.open(db.sql, options());
    assert.deepEqual(await log.head(), before);
    assert.equal(log.integrityProblem, undefined);
    const next = await log.append(hashedRekordEntry(v2Request().request));
    assert.equal(next.index, before.treeSize);
    assertProven(log, next);
    await assert.rejects(RekorV2Log.open(db.sql, options({ key: generateKeyPairSync('ed25519').privateKey })), /does not match the key tree/);
  });

  it('writes only its own tree and entries table (the v1 tables stay empty)', async () => {
    const rows = await db.sql.query<{ log_name: string; tree_size: number }>('SELECT log_name, tree_size FROM trees ORDER BY log_name');
    assert.deepEqual(rows.map((r) => r.log_name), [REKOR_V2_TREE]);
    const v1 = await db.sql.query('SELECT 1 FROM rekor_entries');
    assert.equal(v1.length, 0);
  });

  it('stops writes but serves reads when a stored tile was changed', async () => {
    const size = (await log.head()).treeSize;
    await log.close();
    await db.sql.query(`UPDATE tiles SET hashes = overlay(hashes PLACING '\\x00000000'::bytea FROM 1 FOR 4) WHERE tree_id = $1 AND level = 0 AND idx = 1`, [log.treeId]);
    log = await RekorV2Log.open(db.sql, options());
    assert.ok(log.integrityProblem instanceof TreeIntegrityError);
    await assert.rejects(log.append(hashedRekordEntry(v2Request().request)), (err: unknown) => err instanceof TreeIntegrityError);
    assert.equal(parseCheckpoint(await log.checkpoint()).size, size);
  });
});
