/**
 * What the monitor exists to find: evidence that the log is not an append-only tree honestly
 * signed by its key. An Inconsistency names the checkpoint the monitor trusted and the one the
 * log served now, so the report can be handed to the operator (or a court) as it is.
 */
import { toHex } from '../core/bytes.js';

export interface CheckpointSummary {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array | string;
}

const rootHex = (r: Uint8Array | string): string => (typeof r === 'string' ? r : toHex(r));

export const describeCheckpoint = (c: CheckpointSummary): string => `origin "${c.origin}", size ${c.size}, root ${rootHex(c.rootHash)}`;

export class Inconsistency extends Error {
  constructor(
    readonly reason: string,
    readonly saved: CheckpointSummary | undefined,
    readonly current: CheckpointSummary | undefined,
    /** The checkpoint note as served, when it is the evidence (a bad signature). */
    readonly evidence?: string,
  ) {
    super(reason);
  }

  report(): string {
    const lines = [`LOG INCONSISTENCY: ${this.reason}`];
    lines.push(`  saved checkpoint:   ${this.saved ? describeCheckpoint(this.saved) : '(none)'}`);
    lines.push(`  served checkpoint:  ${this.current ? describeCheckpoint(this.current) : '(not usable)'}`);
    if (this.evidence !== undefined) lines.push('  as served:', ...this.evidence.split('\n').map((l) => `    ${l}`));
    return lines.join('\n');
  }
}
