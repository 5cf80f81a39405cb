/**
 * Packed bodies (src/storage/entry-body-codec.ts) through the log and fsck: a real hashedrekord
 * is stored packed and read back byte-identical (entry, leaf hash, SET); fsck is clean; then a
 * packed body edited behind the log's back — one that no longer decodes, and one that decodes
 * to other bytes — is named by fsck, as is an old raw body next to them that still reads.
 * Since migrations/0009 the leaf-hash index is not unique: a leaf resubmitted is still a
 * duplicate (the head lock), and a leaf stored twice behind the log's back is an fsck finding.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { auditRekorLog } from '../../src/log/log-audit.js';
import type { LogService } from '../../src/log/log-service.js';
import { leafHash } from '../../src/merkle/hash.js';
import { withAuditSnapshot } from '../../src/storage/audit-store.js';
import { toBuffer } from '../../src/storage/sql.js';
import { Findings } from '../../src/storage/tree-audit.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { hashedrekord } from '../helpers/hostile-keys.js';
import { openLog } from '../helpers/log.js';

describe('packed entry bodies under fsck', () => {
  let db: TestDatabase;
  let log: LogService;
  const submitted: { index: number; body: Buffer }[] = [];

  before(async () => {
    db = await openTestDatabase();
    log = await openLog(db.sql, { maxBatch: 8 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    for (let i = 0; i < 3; i++) {
      const artifact = `codec fsck artifact ${i}`;
      const done = await log.submit(hashedrekord(pem, sign('sha256', Buffer.from(artifact), privateKey), artifact));
      submitted.push({ index: done.index, body: done.body });
    }
  });
  after(async () => {
    await log.close();
    await db.close();
  });

  const audit = (): Promise<Findings> =>
    withAuditSnapshot(db.sql, async (store) => {
      const findings = new Findings();
      await auditRekorLog(store, findings, 2);
      return findings;
    });
  const stored = async (index: number): Promise<Buffer> => {
    const [row] = await db.sql.query<{ body: Buffer }>('SELECT body FROM rekor_entries WHERE tree_id = $1 AND idx = $2', [log.treeId, index]);
    return toBuffer(row?.body as Buffer);
  };

  it('stores the body packed and serves the exact bytes', async () => {
    for (const s of submitted) {
      const raw = await stored(s.index);
      assert.deepEqual([raw[0], raw[1]], [0, 1], 'packed, format 1');
      assert.ok(raw.length < s.body.length / 2, `${s.body.length} B body stored in ${raw.length} B`);
      const [entry] = await log.entriesByIndex([s.index]);
      assert.ok(entry?.body.equals(s.body));
      assert.ok(entry?.leafHash.equals(leafHash(s.body)));
    }
    assert.equal((await audit()).count, 0);
  });

  it('fsck names a packed body that no longer decodes or decodes to other bytes', async () => {
    const [a, b, c] = submitted as unknown as [{ index: number }, { index: number }, { index: number }];
    const broken = Buffer.concat([(await stored(a.index)).subarray(0, 5), Buffer.from([0x7f])]);
    const flipped = Buffer.from(await stored(b.index));
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 1; // inside the key's DER
    const update = 'UPDATE rekor_entries SET body = $3 WHERE tree_id = $1 AND idx = $2';
    await db.sql.query(update, [log.treeId, a.index, broken]);
    await db.sql.query(update, [log.treeId, b.index, flipped]);
    // An old row's raw form of entry c still reads as that body: not a finding.
    await db.sql.query(update, [log.treeId, c.index, submitted[2]?.body]);
    const findings = await audit();
    const keys = findings.kept.map((f) => `${f.table} ${f.key}`);
    const at = (i: number, what: string): string => `rekor_entries tree ${log.treeId}, idx ${i} (${what})`;
    assert.ok(keys.includes(at(a.index, 'body')), keys.join('\n'));
    assert.ok(keys.includes(at(a.index, 'leaf_hash')), keys.join('\n'));
    assert.ok(keys.includes(at(b.index, 'leaf_hash')), keys.join('\n'));
    assert.ok(!keys.some((k) => k.includes(`idx ${c.index} `)), keys.join('\n'));
  });

  it('a resubmitted entry is a duplicate, and a leaf stored twice is an fsck finding', async () => {
    const first = submitted[0] as { index: number; body: Buffer };
    await assert.rejects(log.submit(JSON.parse(first.body.toString())), (err: Error) => /already|exist|duplicate/i.test(`${err.name} ${err.message}`));
    const [{ n } = { n: 0 }] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM rekor_entries WHERE tree_id = $1', [log.treeId]);
    assert.equal(n, submitted.length);
    await db.sql.query(
      `INSERT INTO rekor_entries (tree_id, idx, leaf_hash, body, integrated_time, set_signature)
       SELECT tree_id, 1000, leaf_hash, body, integrated_time, set_signature FROM rekor_entries WHERE tree_id = $1 AND idx = $2`,
      [log.treeId, first.index],
    );
    const findings = await audit();
    const dup = findings.kept.find((f) => f.key === `tree ${log.treeId}, idx ${first.index}, 1000 (leaf_hash)`);
    assert.ok(dup, findings.kept.map((f) => `${f.table} ${f.key}`).join('\n'));
    assert.equal(dup.expected, 'each leaf once per tree');
  });
});
