/**
 * migrations/0009 on a tree written before it: entries stored under the unique leaf-hash B-tree,
 * some with raw (pre-codec) bodies, stay readable byte-identical after the index becomes a hash
 * index; a resubmitted old entry is still a duplicate, new entries append, and fsck is clean.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuplicateEntryError } from '../../src/errors.js';
import { auditRekorLog } from '../../src/log/log-audit.js';
import { withAuditSnapshot } from '../../src/storage/audit-store.js';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import { Findings } from '../../src/storage/tree-audit.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';
import { hashedrekord } from '../helpers/hostile-keys.js';
import { freshLogKey, openLog } from '../helpers/log.js';

describe('migration 0009 (leaf-hash hash index) on an existing tree', () => {
  let db: TestDatabase;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const proposal = (artifact: string): unknown => hashedrekord(pem, sign('sha256', Buffer.from(artifact), privateKey), artifact);
  const key = freshLogKey();

  before(async () => {
    db = await openTestDatabase(loadMigrations().filter((m) => m.version < 9));
  });
  after(async () => db.close());

  it('keeps old rows readable and unique, and appends after them', async () => {
    const old = await openLog(db.sql, { key });
    const bodies: Buffer[] = [];
    for (let i = 0; i < 4; i++) bodies.push((await old.submit(proposal(`pre-0009 ${i}`))).body);
    await old.close();
    // Rows from before the codec: the body as it is.
    await db.sql.query('UPDATE rekor_entries SET body = $2 WHERE idx = $1', [1, bodies[1]]);
    await db.sql.query('UPDATE rekor_entries SET body = $2 WHERE idx = $1', [3, bodies[3]]);

    await migrate(db.sql);
    // This test's schema only: pg_indexes spans every schema, and indexdef of another test's
    // index being dropped meanwhile failed with "cache lookup failed for attribute 1".
    const [index] = await db.sql.query<{ def: string }>("SELECT indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'rekor_entries_leaf_hash'");
    assert.match(index?.def ?? '', /USING hash \(leaf_hash\)/);

    const log = await openLog(db.sql, { key });
    try {
      const entries = await log.entriesByIndex([0, 1, 2, 3]);
      assert.deepEqual(entries.map((e) => e.body.toString()), bodies.map((b) => b.toString()));
      for (const i of [0, 1, 3]) {
        await assert.rejects(log.submit(JSON.parse((bodies[i] as Buffer).toString())), (err: unknown) => err instanceof DuplicateEntryError);
      }
      assert.equal((await log.submit(proposal('post-0009'))).index, 4);
      const findings = await withAuditSnapshot(db.sql, async (store) => {
        const f = new Findings();
        await auditRekorLog(store, f, 3);
        return f;
      });
      assert.equal(findings.count, 0, JSON.stringify(findings.kept));
    } finally {
      await log.close();
    }
  });
});
