/**
 * `sealhouse fsck` against a real store: clean after ordinary appends to the Rekor and CT logs
 * (exit 0, counts in the summary), then with one row of each kind edited behind the logs' backs
 * — a full tile, an entry body, a SET, a checkpoint note, an STH signature, a missing and an
 * orphaned search key — exit 1 with every one of them named by table and key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtLog } from '../../src/ct/ct-log.js';
import { indexKeyHash } from '../../src/storage/rekor-store.js';
import { migrate } from '../../src/storage/migrate.js';
import { openSql } from '../../src/storage/open-sql.js';
import type { Sql } from '../../src/storage/sql.js';
import { runCli } from '../helpers/cli.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../helpers/db.js';
import { hashedrekord } from '../helpers/hostile-keys.js';
import { openLog, syntheticEntry } from '../helpers/log.js';

const ENTRIES = 300; // more than one full level-0 tile, so a full tile and a level-1 tile exist

describe('sealhouse fsck', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-fsck-'));
  let db: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  let rekorTree = 0;
  let ctTree = 0;
  let signedIndex = -1;

  async function connect(): Promise<Sql> {
    if (db) return db.sql;
    const sql = await openSql({ databaseUrl: undefined, dataDir });
    await migrate(sql);
    return sql;
  }
  const release = async (sql: Sql): Promise<void> => {
    if (!db) await sql.close();
  };

  before(async () => {
    if (usingPostgres()) db = await openTestDatabase();
    env = { ...process.env, ...(db ? db.env : { SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: '' }) };
    const sql = await connect();
    const log = await openLog(sql, { maxBatch: 40 });
    rekorTree = log.treeId;
    await Promise.all(Array.from({ length: ENTRIES }, (_, i) => log.append(syntheticEntry(`fsck ${i}`))));
    // One real hashedrekord: its index keys can be re-derived from the stored body.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signature = sign('sha256', Buffer.from('fsck artifact'), privateKey);
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    signedIndex = (await log.submit(hashedrekord(pem, signature, 'fsck artifact'))).index;
    await log.close();
    const ct = await CtLog.open(sql, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, roots: [], maxBatch: 10, maxDelayMs: 2, maxQueue: 1000 });
    ctTree = ct.treeId;
    await Promise.all(Array.from({ length: 25 }, () => ct.submit({ entry: { type: 'x509', certificate: randomBytes(64) }, extraData: Buffer.alloc(3) })));
    await ct.close();
    await release(sql);
  });
  after(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a clean store: exit 0, every tree counted', async (t) => {
    const r = await runCli(['fsck'], { env, timeoutMs: 120_000 });
    t.diagnostic(r.stdout);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // Synthetic entries carry two keys each; the hashedrekord its digest and its key's hash.
    assert.match(r.stdout, new RegExp(`rekor tree ${rekorTree}: ${ENTRIES + 1} entries, 3 tiles, \\d+ checkpoints, \\d+ consistency proofs, ${ENTRIES + 1} SETs, ${2 * ENTRIES + 2} index keys \\(1 entries re-derived\\)`));
    assert.match(r.stdout, new RegExp(`ct tree ${ctTree}: 25 entries, \\d+ tiles, \\d+ signed tree heads`));
    assert.match(r.stdout, /: clean \(\d+\.\d s\)/);
    assert.doesNotMatch(r.stdout, /MISMATCH/);
  });

  it('usage mistakes exit 2', async () => {
    const r = await runCli(['fsck', '--tree', 'bogus'], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr + r.stdout, /--tree must be rekor, rekor-v2, ct or all/);
  });

  it('every edited row is named, with what was expected and found; exit 1', async (t) => {
    const sql = await connect();
    try {
      const flip = async (table: string, column: string, where: string, params: unknown[], at = 0): Promise<void> => {
        const [row] = await sql.query<Record<string, Buffer>>(`SELECT ${column} AS v FROM ${table} WHERE ${where}`, params);
        assert.ok(row?.v, `${table} row exists`);
        const bytes = Buffer.from(row.v);
        bytes[at] = (bytes[at] as number) ^ 0x01;
        await sql.query(`UPDATE ${table} SET ${column} = $${params.length + 1} WHERE ${where}`, [...params, bytes]);
      };
      await flip('tiles', 'hashes', 'tree_id = $1 AND level = 0 AND idx = 0', [rekorTree], 32 * 9); // full tile, hash 9
      await sql.query(`UPDATE rekor_entries SET body = convert_to('{"edited":1}', 'UTF8') WHERE tree_id = $1 AND idx = 100`, [rekorTree]);
      await flip('rekor_entries', 'set_signature', 'tree_id = $1 AND idx = 7', [rekorTree], 10);
      await sql.query(`UPDATE checkpoints SET note = replace(note, '— ', '— x') WHERE tree_id = $1 AND tree_size = (SELECT min(tree_size) FROM checkpoints WHERE tree_id = $1)`, [rekorTree]);
      await flip('ct_sths', 'signature', 'tree_id = $1 AND tree_size = 25', [ctTree], 12);
      const signedKey = `sha256:${createHash('sha256').update('fsck artifact').digest('hex')}`;
      await sql.query('DELETE FROM rekor_index_keys WHERE tree_id = $1 AND idx = $2 AND key_hash = $3', [rekorTree, signedIndex, indexKeyHash(signedKey)]);
      await sql.query('INSERT INTO rekor_index_keys (key_hash, tree_id, idx) VALUES ($1, $2, $3)', [indexKeyHash('orphan'), rekorTree, ENTRIES + 50]);
    } finally {
      await release(sql);
    }
    const r = await runCli(['fsck'], { env, timeoutMs: 120_000 });
    t.diagnostic(r.stdout);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const expect = [
      new RegExp(`MISMATCH tiles \\[tree ${rekorTree}, level 0, idx 0, hash 9\\]: expected [0-9a-f]{64}, found [0-9a-f]{64}`),
      new RegExp(`MISMATCH rekor_entries \\[tree ${rekorTree}, idx 100 \\(leaf_hash\\)\\]`),
      new RegExp(`MISMATCH rekor_entries \\[tree ${rekorTree}, idx 100 \\(set_signature\\)\\]`),
      new RegExp(`MISMATCH rekor_entries \\[tree ${rekorTree}, idx 7 \\(set_signature\\)\\]: expected a SET by the log key`),
      new RegExp(`MISMATCH checkpoints \\[tree ${rekorTree}, tree_size \\d+ \\(note\\)\\]: expected a checkpoint signed by the log key`),
      new RegExp(`MISMATCH ct_sths \\[tree ${ctTree}, tree_size 25 \\(signature\\)\\]: expected a tree head signature by the CT key, found a signature that does not verify`),
      new RegExp(`MISMATCH rekor_index_keys \\[tree ${rekorTree}, idx ${signedIndex}, key "${'sha256:[0-9a-f]{64}'}"\\]: expected key_hash [0-9a-f]{32}, found no row`),
      new RegExp(`MISMATCH rekor_index_keys \\[tree ${rekorTree}, idx ${ENTRIES + 50}, key_hash [0-9a-f]{32}\\]: expected an entry at that index, found none`),
      /: \d+ mismatches \(\d+\.\d s\)/,
    ];
    for (const re of expect) assert.match(r.stdout, re);
    // The root of every checkpoint after the edited tile still matches: the recompute uses the
    // entries, not the tiles, so one edited tile is one finding, not one per checkpoint.
    assert.doesNotMatch(r.stdout, /MISMATCH checkpoints \[[^\]]*\]: expected root/);
  });
});
