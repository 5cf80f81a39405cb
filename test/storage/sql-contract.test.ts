/** The Sql seam behaves the same on both adapters: types, transactions, rollback, hooks. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import { openTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('Sql adapter contract', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => db.close());

  it('returns bigint as number and bytea as Buffer, including arrays through unnest', async () => {
    const rows = await db.sql.query<{ n: number; b: Buffer }>(
      'SELECT * FROM unnest($1::bigint[], $2::bytea[]) AS t(n, b)',
      [[2 ** 40 + 3, 0], [Buffer.from('hello'), Buffer.alloc(0)]],
    );
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.n, 2 ** 40 + 3);
    assert.equal(typeof rows[1]?.n, 'number');
    assert.ok(Buffer.isBuffer(rows[0]?.b));
    assert.equal(rows[0]?.b.toString(), 'hello');
  });

  it('refuses int8 values beyond 2^53 instead of silently rounding them', async () => {
    await assert.rejects(db.sql.query('SELECT 9007199254740993::bigint AS n'));
  });

  it('commits, rolls back, and runs after-commit hooks only on commit', async () => {
    await db.sql.exec('CREATE TABLE contract_t (v int)');
    let hooked = 0;
    await db.sql.tx(async (tx) => {
      await tx.query('INSERT INTO contract_t VALUES (1)');
      tx.afterCommit(() => hooked++);
    });
    await assert.rejects(
      db.sql.tx(async (tx) => {
        await tx.query('INSERT INTO contract_t VALUES (2)');
        tx.afterCommit(() => hooked++);
        throw new Error('boom');
      }),
      /boom/,
    );
    const rows = await db.sql.query<{ v: number }>('SELECT v FROM contract_t ORDER BY v');
    assert.deepEqual(rows.map((r) => r.v), [1]);
    assert.equal(hooked, 1);
  });

  it('keeps working after a failed statement inside a transaction', async () => {
    await assert.rejects(db.sql.tx(async (tx) => tx.query('SELECT * FROM no_such_table')));
    const [row] = await db.sql.query<{ one: number }>('SELECT 1::int AS one');
    assert.equal(row?.one, 1);
  });

  it('applies migrations once, in order, and records them', async () => {
    assert.deepEqual(await migrate(db.sql), [], 'already applied by the helper');
    const rows = await db.sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), loadMigrations().map((m) => m.version));
  });
});
