/**
 * Tampering with a stored tree the way an attacker with database access would, for the tests
 * that must catch it (the integrity check before signing, the tiles API, the monitor).
 */
import assert from 'node:assert/strict';
import type { Sql } from '../../src/storage/sql.js';

/** Flips one bit of leaf `leaf`'s hash in the stored level-0 tile 0 of the tree named `tree`. */
export async function editLeafHash(sql: Sql, tree: string, leaf: number, bit = 0x80): Promise<void> {
  const [row] = await sql.query<{ tree_id: number; hashes: Buffer }>(
    'SELECT t.tree_id, t.hashes FROM tiles t JOIN trees r ON r.tree_id = t.tree_id WHERE r.log_name = $1 AND t.level = 0 AND t.idx = 0',
    [tree],
  );
  assert.ok(row, `tree ${tree} has a level-0 tile 0`);
  const edited = Buffer.from(row.hashes);
  edited[leaf * 32] = (edited[leaf * 32] as number) ^ bit;
  await sql.query('UPDATE tiles SET hashes = $2 WHERE tree_id = $1 AND level = 0 AND idx = 0', [row.tree_id, edited]);
}
