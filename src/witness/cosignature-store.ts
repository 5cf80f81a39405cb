/**
 * The witness_cosignatures table (migrations/0004): verified cosignature lines keyed by tree,
 * tree size and witness, with the note text each was verified over.
 */
import type { Sql } from '../storage/sql.js';
import { toSafeNumber } from '../storage/sql.js';

export interface StoredCosignature {
  readonly treeSize: number;
  /** "<name>+<8 hex key ID>" */
  readonly witness: string;
  readonly checkpointText: string;
  /** POSIX seconds, the cosignature's timestamp. */
  readonly cosignedAt: number;
  /** "— <name> <base64>", without the newline. */
  readonly line: string;
}

interface Row extends Record<string, unknown> {
  tree_size: unknown;
  witness: string;
  checkpoint_text: string;
  cosigned_at: unknown;
  line: string;
}

const fromRow = (r: Row): StoredCosignature => ({
  treeSize: toSafeNumber(r.tree_size),
  witness: r.witness,
  checkpointText: r.checkpoint_text,
  cosignedAt: toSafeNumber(r.cosigned_at),
  line: r.line,
});

export class CosignatureStore {
  constructor(
    private readonly sql: Sql,
    readonly treeId: number,
  ) {}

  /** Stores (or replaces: a witness re-cosigning the same size has a newer timestamp) one line. */
  async put(c: StoredCosignature): Promise<void> {
    await this.sql.query(
      `INSERT INTO witness_cosignatures (tree_id, tree_size, witness, checkpoint_text, cosigned_at, line)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tree_id, tree_size, witness)
       DO UPDATE SET checkpoint_text = EXCLUDED.checkpoint_text, cosigned_at = EXCLUDED.cosigned_at, line = EXCLUDED.line`,
      [this.treeId, c.treeSize, c.witness, c.checkpointText, c.cosignedAt, c.line],
    );
  }

  /** Every stored cosignature of one tree size. */
  async atSize(treeSize: number): Promise<StoredCosignature[]> {
    const rows = await this.sql.query<Row>(
      'SELECT tree_size, witness, checkpoint_text, cosigned_at, line FROM witness_cosignatures WHERE tree_id = $1 AND tree_size = $2 ORDER BY witness',
      [this.treeId, treeSize],
    );
    return rows.map(fromRow);
  }

  /** The latest cosignature of one witness, or undefined when it never cosigned this tree. */
  async latest(witness: string): Promise<StoredCosignature | undefined> {
    const rows = await this.sql.query<Row>(
      'SELECT tree_size, witness, checkpoint_text, cosigned_at, line FROM witness_cosignatures WHERE tree_id = $1 AND witness = $2 ORDER BY tree_size DESC LIMIT 1',
      [this.treeId, witness],
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }
}
