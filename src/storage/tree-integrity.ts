/**
 * A tree the log cannot vouch for: its stored tiles, head row and latest signed checkpoint do
 * not agree. Signing a checkpoint over such a tree would publish a forked or rewritten history
 * under the log's key, so the log stops accepting writes (503 with this message) while reads go
 * on; an operator restores the rows (see `sealhouse fsck`) and restarts.
 *
 * `row` names the row that disagrees (or the rows that disagree with each other), `expected`
 * and `found` what was compared, so the error log line says where to look.
 */
import { SealhouseError } from '../errors.js';

export interface IntegrityDetail {
  readonly treeId: number;
  /** e.g. "tiles (level 0, idx 3)", "trees.root_hash", "rekor_entries idx 41". */
  readonly row: string;
  readonly expected: string;
  readonly found: string;
}

export class TreeIntegrityError extends SealhouseError {
  readonly detail: IntegrityDetail;

  constructor(detail: IntegrityDetail, what: string) {
    super(
      'unavailable',
      `the log accepts no new entries: tree ${detail.treeId} cannot be vouched for (${what}: ${detail.row} ` +
        `expected ${detail.expected}, found ${detail.found}); reads still work; run \`sealhouse fsck\``,
      // Only an operator can fix this: tell clients to come back in minutes, not at once.
      { retryAfterSeconds: 300 },
    );
    this.name = 'TreeIntegrityError';
    this.detail = detail;
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
