/**
 * The v2 log's witness service against the test witness (test/helpers/witness.ts): cosigning,
 * the 409 path, refused cosignatures, a witness that is down or gone, catching up, one request
 * in flight with the latest checkpoint winning, and what survives a restart.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { signCheckpoint } from '../../src/note/checkpoint.js';
import { ed25519NoteSigner, ed25519NoteVerifier, generateEd25519NoteKey } from '../../src/note/ed25519-note.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { verifyNote } from '../../src/note/verify-note.js';
import { proveConsistency, rootAt } from '../../src/merkle/prove.js';
import { TreeStore } from '../../src/storage/tree-store.js';
import { parseCosignerVkey, verifyCosignature } from '../../src/witness/cosignature.js';
import { parseWitnesses } from '../../src/witness/witness-config.js';
import { WitnessService, type PublishedCheckpoint } from '../../src/witness/witness-service.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { MemoryTiles } from '../helpers/memory-tiles.js';
import { TestWitness } from '../helpers/witness.js';

const ORIGIN = 'log.test';
const logKey = generateEd25519NoteKey(ORIGIN);
const logSigner = ed25519NoteSigner(logKey.skey);

/** An in-memory v2 tree whose checkpoints are signed like the log's. */
class FakeLog {
  readonly tiles = new MemoryTiles();
  size = 0;

  async grow(n: number): Promise<PublishedCheckpoint> {
    this.tiles.appendData(Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${this.size + i}`)));
    this.size += n;
    return this.checkpoint(this.size);
  }

  async checkpoint(size: number): Promise<PublishedCheckpoint> {
    const rootHash = await rootAt(size, this.tiles);
    return { treeSize: size, rootHash, note: signCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }, logSigner) };
  }

  readonly consistency = (a: number, b: number): Promise<Buffer[]> => proveConsistency(a, b, this.tiles);
}

interface LogLine {
  level: 'warn' | 'error' | 'info' | 'debug';
  obj: Record<string, unknown>;
  msg: string;
}

function captureLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (obj: Record<string, unknown>, msg: string) => lines.push({ level, obj, msg });
  return { warn: at('warn'), error: at('error'), info: at('info'), debug: at('debug') } as unknown as Logger;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, want]) => x.labels[k] === want));
  return v?.value ?? 0;
}

/** The witness lines of a served note, checked with the witness key; throws if one fails. */
function witnessLines(note: string, witness: TestWitness): number[] {
  const key = parseCosignerVkey(witness.vkey);
  const parsed = parseSignedNote(note);
  return parsed.signatures.filter((s) => s.name === key.name && s.keyHint.equals(key.keyId)).map((s) => verifyCosignature(key, parsed.text, s.signature).timestamp);
}

describe('WitnessService', () => {
  let db: TestDatabase;
  let treeId: number;
  // Replaced before each test; null only until the first one starts.
  let witness = null as unknown as TestWitness;
  let log: FakeLog;
  let registry: Registry;
  let lines: LogLine[];
  const services: WitnessService[] = [];

  const open = async (entries = witness.configEntry, consistency = log.consistency): Promise<WitnessService> => {
    const service = await WitnessService.open({
      sql: db.sql,
      treeId,
      witnesses: parseWitnesses(entries),
      consistency,
      logger: captureLogger(lines),
      registry,
      // No test here is about timeouts: the first request of a cold process on a loaded CI machine
      // took over a second, timed out into a backoff, and idle() returned before any request.
      timeoutMs: 10_000,
      backoffMs: 20,
      maxBackoffMs: 60,
    });
    services.push(service);
    return service;
  };

  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    // A fresh tree per test: cosignatures are keyed by tree.
    treeId = (await TreeStore.open(db.sql, `v2-test-${Math.random()}`)).treeId;
    if (witness !== null) await witness.close();
    witness = await TestWitness.start();
    witness.trustLog(ORIGIN, logKey.vkey);
    log = new FakeLog();
    registry = new Registry();
    lines = [];
  });
  after(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    if (witness !== null) await witness.close();
  });

  it('submits with old 0 first, then with a consistency proof; /checkpoint gets a line that verifies, after the log’s own', async () => {
    const service = await open();
    const cp3 = await log.grow(3);
    service.checkpointPublished(cp3);
    await service.idle();
    assert.deepEqual(witness.requests, [{ old: 0, proofLines: 0, treeSize: 3, status: 200 }]);
    const served = await service.cosigned(cp3.note, 3);
    assert.ok(served.startsWith(cp3.note), 'the log note is unchanged, its signature first');
    assert.equal(witnessLines(served, witness).length, 1);
    // A client that trusts only the log key still verifies the note and ignores the extra line.
    const v = verifyNote(served, [ed25519NoteVerifier(logKey.vkey)]);
    assert.equal(v.verified.length, 1);
    assert.equal(v.unverified.length, 1);

    const cp10 = await log.grow(7);
    service.checkpointPublished(cp10);
    await service.idle();
    assert.equal(witness.requests.length, 2);
    assert.equal(witness.requests[1]?.old, 3);
    assert.equal(witness.requests[1]?.proofLines, (await log.consistency(3, 10)).length);
    assert.ok((witness.requests[1]?.proofLines ?? 0) > 0);
    assert.equal(witness.latest(ORIGIN)?.size, 10);
    assert.equal(witnessLines(await service.cosigned(cp10.note, 10), witness).length, 1);
    // The size-3 cosignature is for size 3 only.
    assert.equal(witnessLines(await service.cosigned(cp10.note, 3), witness).length, 0);
    assert.equal(await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'cosigned' }), 2);
    assert.equal(await metric(registry, 'sealhouse_witness_cosigned_tree_size', {}), 10);
    assert.equal(await metric(registry, 'sealhouse_witness_up', {}), 1);
  });

  it('keeps one request in flight and sends only the latest checkpoint published meanwhile', async () => {
    const service = await open();
    for (let i = 0; i < 20; i++) service.checkpointPublished(await log.grow(1));
    await service.idle();
    assert.deepEqual(
      witness.requests.map((r) => [r.old, r.treeSize, r.status]),
      [
        [0, 1, 200],
        [1, 20, 200],
      ],
    );
    assert.equal(service.cosignedSizes()[parseCosignerVkey(witness.vkey).name + '+' + parseCosignerVkey(witness.vkey).keyId.toString('hex')], 20);
  });

  it('on 409 proves from the size the witness answered, at once', async () => {
    const cp5 = await log.grow(5);
    witness.setLatest(ORIGIN, 5, cp5.rootHash);
    const service = await open();
    const cp8 = await log.grow(3);
    service.checkpointPublished(cp8);
    await service.idle();
    assert.deepEqual(
      witness.requests.map((r) => [r.old, r.proofLines > 0, r.status]),
      [
        [0, false, 409],
        [5, true, 200],
      ],
    );
    assert.equal(witnessLines(await service.cosigned(cp8.note, 8), witness).length, 1);
    assert.equal(await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'conflict' }), 1);
  });

  it('waits for the log when the witness holds a larger size than the checkpoint', async () => {
    const cp9 = await log.grow(9);
    witness.setLatest(ORIGIN, 9, cp9.rootHash);
    const service = await open();
    service.checkpointPublished(await log.checkpoint(4));
    await service.idle();
    assert.deepEqual(witness.requests.map((r) => r.status), [409]);
    assert.ok(lines.some((l) => l.level === 'warn' && /holds a larger tree size/.test(l.msg) && l.obj.witnessSize === 9));
    // A later checkpoint past 9 is provable from 9 and goes through.
    const cp12 = await log.grow(3);
    service.checkpointPublished(cp12);
    await service.idle();
    assert.deepEqual(witness.requests.map((r) => [r.old, r.status]), [[0, 409], [9, 200]]);
  });

  for (const mode of ['wrong-key', 'corrupt'] as const) {
    it(`stores nothing from a ${mode} cosignature, says so, and stores the next good one`, async () => {
      witness.mode = mode;
      const service = await open();
      const cp = await log.grow(2);
      service.checkpointPublished(cp);
      await waitFor('a refused cosignature', () => witness.requests.length >= 1 && lines.some((l) => l.obj.outcome === 'bad_cosignature'));
      assert.equal(await service.cosigned(cp.note, 2), cp.note, 'nothing appended');
      assert.ok(lines.some((l) => l.level === 'warn' && /without a valid cosignature/.test(l.msg) && /does not verify/.test(String(l.obj.error))));
      assert.ok((await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'bad_cosignature' })) >= 1);
      assert.equal(await metric(registry, 'sealhouse_witness_up', {}), 0);
      // The witness advanced its state on its 200; the retry learns that from a 409 and re-proves.
      witness.mode = 'ok';
      await waitFor('a stored cosignature', async () => witnessLines(await service.cosigned(cp.note, 2), witness).length === 1);
    });
  }

  it('never blocks publishing while the witness is down or gone, and catches up with the latest checkpoint', async () => {
    witness.mode = 'down';
    const service = await open();
    const started = Date.now();
    for (let i = 0; i < 5; i++) service.checkpointPublished(await log.grow(1));
    assert.ok(Date.now() - started < 500, 'publishing returned without waiting for the witness');
    await waitFor('503s counted', async () => (await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'unavailable' })) >= 2);
    assert.ok(lines.some((l) => l.level === 'warn' && l.obj.status === 503));
    assert.ok(witness.requests.every((r) => r.status === 503));
    witness.mode = 'ok';
    const latest = await log.grow(1);
    service.checkpointPublished(latest);
    await waitFor('catch-up', async () => witnessLines(await service.cosigned(latest.note, 6), witness).length === 1);
    assert.equal(witness.latest(ORIGIN)?.size, 6);
  });

  it('counts an unreachable witness (connection refused) as unavailable and keeps retrying', async () => {
    const url = witness.url;
    await witness.close();
    const service = await open(`${witness.vkey} ${url}`);
    service.checkpointPublished(await log.grow(1));
    await waitFor('two failed attempts', async () => (await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'unavailable' })) >= 2);
    assert.ok(lines.some((l) => l.level === 'warn' && /unreachable/.test(l.msg) && l.obj.error === 'ECONNREFUSED'));
    await service.close();
    witness = await TestWitness.start();
  });

  it('logs a witness that does not know the origin (404) as a refusal', async () => {
    witness.trustLog('some-other.origin', logKey.vkey);
    const other = await TestWitness.start();
    try {
      const service = await open(other.configEntry);
      service.checkpointPublished(await log.grow(1));
      await waitFor('a refusal', () => lines.some((l) => l.obj.outcome === 'refused'));
      assert.ok(lines.some((l) => l.level === 'warn' && l.obj.status === 404 && l.msg === 'witness does not know the checkpoint origin (HTTP 404)'));
    } finally {
      await Promise.all(services.splice(0).map((s) => s.close()));
      await other.close();
    }
  });

  it('treats a bare 409 (transparency-dev/witness: another root at this size) as a refusal and 429 as pushback', async () => {
    witness.override = { status: 409, body: '' };
    const service = await open();
    service.checkpointPublished(await log.grow(1));
    await waitFor('a refusal', () => lines.some((l) => l.obj.outcome === 'refused'));
    assert.ok(lines.some((l) => l.level === 'warn' && /different root for this size/.test(l.msg)));
    witness.override = { status: 429, body: 'slow down' };
    await waitFor('pushback', async () => (await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'unavailable' })) >= 1);
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'witness pushed back (HTTP 429)'));
    witness.override = undefined;
    await waitFor('cosigned', async () => (await metric(registry, 'sealhouse_witness_submissions_total', { outcome: 'cosigned' })) === 1);
  });

  it('after a restart serves the stored lines and starts from the stored size', async () => {
    const first = await open();
    const cp4 = await log.grow(4);
    first.checkpointPublished(cp4);
    await first.idle();
    await first.close();
    const second = await open();
    assert.equal(witnessLines(await second.cosigned(cp4.note, 4), witness).length, 1);
    // Text it was not verified over gets nothing (same size, another root).
    const forged = signCheckpoint({ origin: ORIGIN, size: 4, rootHash: Buffer.alloc(32, 7), extensions: [] }, logSigner);
    assert.equal(await second.cosigned(forged, 4), forged);
    second.checkpointPublished(await log.grow(2));
    await second.idle();
    assert.deepEqual(witness.requests.map((r) => [r.old, r.treeSize, r.status]), [[0, 4, 200], [4, 6, 200]]);
    // A witness no longer configured is no longer served.
    const other = await TestWitness.start();
    try {
      const third = await open(other.configEntry);
      assert.equal(await third.cosigned(cp4.note, 4), cp4.note);
    } finally {
      await other.close();
    }
  });

  it('retries later when the consistency proof cannot be read', async () => {
    let failuresLeft = 1;
    const service = await open(undefined, async (a, b) => {
      if (failuresLeft-- > 0) throw new Error('database unavailable');
      return log.consistency(a, b);
    });
    service.checkpointPublished(await log.grow(2));
    await service.idle();
    const cp = await log.grow(3);
    service.checkpointPublished(cp);
    await waitFor('the retried submission', async () => witnessLines(await service.cosigned(cp.note, 5), witness).length === 1);
    assert.ok(lines.some((l) => l.level === 'error' && /will be retried/.test(l.msg) && l.obj.treeSize === 5));
    assert.deepEqual(witness.requests.map((r) => [r.old, r.treeSize]), [[0, 2], [2, 5]]);
  });

  it('refuses to submit a note that is not a checkpoint of the stated size', async () => {
    const service = await open();
    const cp = await log.grow(2);
    service.checkpointPublished({ ...cp, treeSize: 3 });
    await service.idle();
    assert.equal(witness.requests.length, 0);
    assert.ok(lines.some((l) => l.level === 'error' && /not a checkpoint note of that size/.test(l.msg)));
  });

  it('with no witnesses configured returns the note as it is', async () => {
    const service = await open('');
    const cp = await log.grow(1);
    service.checkpointPublished(cp);
    assert.equal(await service.cosigned(cp.note, 1), cp.note);
    assert.equal(service.witnessCount, 0);
  });
});
