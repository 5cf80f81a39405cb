/**
 * RFC 6962 consistency proofs over a stored tree, for add-checkpoint's proof lines. The witness
 * service reads the tree through its own TreeStore handle: tiles are read from the database by
 * width, so it sees exactly what the log committed, without reaching into the log's objects.
 */
import { proveConsistency } from '../merkle/prove.js';
import type { Sql } from '../storage/sql.js';
import { TreeStore } from '../storage/tree-store.js';
import type { Consistency } from './submitter.js';

export async function treeConsistency(sql: Sql, treeName: string): Promise<Consistency> {
  const tree = await TreeStore.open(sql, treeName);
  return (size1, size2) => proveConsistency(size1, size2, tree);
}
