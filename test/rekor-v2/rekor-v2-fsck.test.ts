/**
 * `sealhouse fsck --tree rekor-v2` (src/rekor-v2/rekor-v2-audit.ts): clean after 300 appends
 * (tiles, checkpoints, consistency, every body rebuilt from its own digest and signature), then
 * an edited body and an edited checkpoint note are each named by table and key, exit 1.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashedRekordEntry } from '../../src/rekor-v2/hashedrekord-v002.js';
import { RekorV2Log } from '../../src/rekor-v2/rekor-v2-log.js';
import { migrate } from '../../src/storage/migrate.js';
import { openSql } from '../../src/storage/open-sql.js';
import type { Sql } from '../../src/storage/sql.js';
import { runCli } from '../helpers/cli.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../helpers/db.js';
import { v2Request } from './requests.js';

const ORIGIN = 'fsck.example';

describe('sealhouse fsck --tree rekor-v2', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-v2fsck-'));
  let db: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  let treeId = 0;

  async function withSql(fn: (sql: Sql) => Promise<void>): Promise<void> {
    if (db) return fn(db.sql);
    const sql = await openSql({ databaseUrl: undefined, dataDir });
    try {
      await migrate(sql);
      await fn(sql);
    } finally {
      await sql.close();
    }
  }

  before(async () => {
    if (usingPostgres()) db = await openTestDatabase();
    env = { ...process.env, SEALHOUSE_URL: `https://${ORIGIN}`, ...(db ? db.env : { SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: '' }) };
    await withSql(async (sql) => {
      const log = await RekorV2Log.open(sql, { key: generateKeyPairSync('ed25519').privateKey, origin: ORIGIN, maxBatch: 40, maxDelayMs: 2, maxQueue: 1000 });
      treeId = log.treeId;
      await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(hashedRekordEntry(v2Request(i % 3 ? 'PKIX_ECDSA_P256_SHA_256' : 'PKIX_ED25519_PH').request))));
      await log.close();
    });
  });
  after(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is clean after ordinary appends', async () => {
    const r = await runCli(['fsck', '--tree', 'rekor-v2'], { env, timeoutMs: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`rekor-v2 tree ${treeId}: 300 entries, 3 tiles, \\d+ checkpoints, \\d+ consistency proofs, 300 bodies rebuilt`));
    assert.doesNotMatch(r.stdout, /MISMATCH/);
  });

  it('names an edited body and an edited checkpoint note; exit 1', async () => {
    await withSql(async (sql) => {
      // A different but valid JSON body: its leaf hash no longer matches, and it is not canonical.
      await sql.query(`UPDATE rekor_v2_entries SET body = convert_to(convert_from(body, 'UTF8') || ' ', 'UTF8') WHERE tree_id = $1 AND idx = 7`, [treeId]);
      await sql.query(`UPDATE checkpoints SET note = replace(note, '${ORIGIN}\n', 'other.example\n') WHERE tree_id = $1 AND tree_size = (SELECT min(tree_size) FROM checkpoints WHERE tree_id = $1)`, [treeId]);
    });
    const r = await runCli(['fsck', '--tree', 'rekor-v2'], { env, timeoutMs: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /MISMATCH rekor_v2_entries \[tree \d+, idx 7 \(body\)\]: expected the canonical body/);
    assert.match(r.stdout, /MISMATCH rekor_v2_entries \[tree \d+, idx 7 \(leaf_hash\)\]: expected data hashing to the stored leaf_hash/);
    assert.match(r.stdout, /MISMATCH checkpoints \[tree \d+, tree_size \d+ \(note\)\]: expected origin "fsck\.example"/);
  });
});
