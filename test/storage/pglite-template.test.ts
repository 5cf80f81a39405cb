/**
 * The prepared embedded database (src/storage/pglite-template.ts): a fresh data directory comes
 * up already migrated from the build's template, an existing one is never replaced, and a
 * template made from other migrations or another PGlite is not used.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import { PgliteSql } from '../../src/storage/pglite-sql.js';
import { PGLITE_TEMPLATE, saveTemplate, usableTemplate } from '../../src/storage/pglite-template.js';

const dir = mkdtempSync(join(tmpdir(), 'sealhouse-template-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const appliedVersions = async (sql: PgliteSql): Promise<number[]> => {
  const [exists] = await sql.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists?.t) return [];
  return (await sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
};
const allVersions = loadMigrations().map((m) => m.version);

describe('the PGlite template', () => {
  it('is built by npm run build for these migrations', () => {
    assert.ok(usableTemplate(), `${PGLITE_TEMPLATE} is missing or stale: npm run build makes it`);
  });

  it('gives a new data directory every migration without running one, private to this user', async () => {
    const data = join(dir, 'fresh');
    const sql = await PgliteSql.open(data, { fromTemplate: true });
    assert.deepEqual(await appliedVersions(sql), allVersions);
    assert.deepEqual(await migrate(sql), [], 'nothing left to apply');
    await sql.close();
    assert.equal(statSync(data).mode & 0o077, 0, 'the unpacked tree is 0700');
    assert.equal(statSync(join(data, 'PG_VERSION')).mode & 0o077, 0, 'and its files 0600');
  });

  it('never replaces a database that exists', async () => {
    const data = join(dir, 'existing');
    const first = await PgliteSql.open(data, { fromTemplate: true });
    await first.exec('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await first.close();
    const again = await PgliteSql.open(data, { fromTemplate: true });
    assert.deepEqual(await again.query('SELECT v FROM kept'), [{ v: 42 }]);
    await again.close();
  });

  it('is not used when made from other migrations or another PGlite (its fingerprint differs)', async () => {
    const tar = join(dir, 'other.tar');
    const source = await PgliteSql.open(undefined, { fromTemplate: true });
    saveTemplate(await source.dump(), tar);
    await source.close();
    assert.ok(usableTemplate(tar), 'a template with this build\'s fingerprint is usable');
    writeFileSync(`${tar}.sha256`, `${'0'.repeat(64)}\n`);
    assert.equal(usableTemplate(tar), undefined);
    assert.equal(usableTemplate(join(dir, 'absent.tar')), undefined);
  });

  it('is opened only when asked: a plain in-memory database starts empty', async () => {
    const sql = await PgliteSql.open();
    assert.deepEqual(await appliedVersions(sql), []);
    await sql.close();
  });
});
