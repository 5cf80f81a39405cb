/**
 * Where the monitor reads a log from: the Rekor v1 API (rekor-v1-source.ts) or a C2SP
 * tlog-tiles log (tiles-source.ts). Both give the same three things, so the round logic in
 * monitor.ts does not care which one it talks to. Every entry a source yields has been checked
 * to be in the log (its leaf hash proven into a signed tree); a source that cannot show that
 * throws an Inconsistency.
 */
import type { VerifiedCheckpoint } from './checkpoints.js';

export interface LoggedEntry {
  readonly logIndex: number;
  /** Hex RFC 6962 leaf hash of the body: the Rekor UUID. */
  readonly uuid: string;
  /** The 80-hex Rekor entry ID, when the log names entries that way. */
  readonly entryId?: string;
  /** The logged (canonical) body bytes. */
  readonly body: Uint8Array;
}

export interface LogSource {
  /** The signed checkpoint note the log serves now. */
  checkpoint(): Promise<string>;
  /** RFC 9162 consistency proof between two sizes (1 ≤ size1 < size2 ≤ head). */
  consistencyProof(size1: number, size2: number, head: VerifiedCheckpoint): Promise<Uint8Array[]>;
  /** Entries [start, end) of the tree `head` describes (its own indexes), in pages, each entry proven included. */
  entries(start: number, end: number, head: VerifiedCheckpoint): AsyncIterable<LoggedEntry[]>;
  /**
   * The final signed checkpoint of the frozen shard whose checkpoints carry `origin`, when the
   * log has rotated its key away from that tree (Rekor v1's inactiveShards); undefined for a log
   * that has no such shard or cannot say.
   */
  frozenShard?(origin: string): Promise<string | undefined>;
}
