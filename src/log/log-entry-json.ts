/**
 * The Rekor v1 wire shape of a logged entry (rekor-api.md §1.6): `LogEntryAnon`, keyed by the
 * 80-hex entry ID in responses. Hashes and logID are hex, body and SET base64, numbers JSON
 * numbers; `logIndex` is the global index across shards and `inclusionProof.logIndex` the
 * index inside the entry's shard, which the proof is built for.
 */
import type { LogEntryAnon as ApiLogEntry } from '../core/verify-entry.js';
import type { InclusionProof } from './sequencer.js';

export interface EntryForWire {
  /** The global index across shards. */
  readonly logIndex: number;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly setSignature: Buffer;
  readonly leafHash: Buffer;
}

export interface LogEntryAnon extends ApiLogEntry {
  verification: {
    signedEntryTimestamp: string;
    inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
  };
}

export function toLogEntryAnon(entry: EntryForWire, proof: InclusionProof, logIdHex: string): LogEntryAnon {
  return {
    body: entry.body.toString('base64'),
    integratedTime: entry.integratedTime,
    logID: logIdHex,
    logIndex: entry.logIndex,
    verification: {
      signedEntryTimestamp: entry.setSignature.toString('base64'),
      inclusionProof: {
        logIndex: proof.logIndex,
        treeSize: proof.treeSize,
        rootHash: proof.rootHash.toString('hex'),
        hashes: proof.hashes.map((h) => h.toString('hex')),
        checkpoint: proof.checkpoint,
      },
    },
  };
}

/** The last checkpoint seen and its JSON string form: every entry of a batch carries the same one. */
let lastCheckpoint = '';
let lastCheckpointJson = '""';

/**
 * `JSON.stringify({ [entryId]: toLogEntryAnon(entry, proof, logIdHex) })`, byte for byte,
 * written as one string: the POST response is on the server's limiting thread, and this skips
 * building and walking the object per entry. Every value is a number, hex or base64 (nothing to
 * escape) except the checkpoint, which is escaped once per batch.
 */
export function logEntryJson(entryId: string, entry: EntryForWire, proof: InclusionProof, logIdHex: string): string {
  if (proof.checkpoint !== lastCheckpoint) {
    lastCheckpoint = proof.checkpoint;
    lastCheckpointJson = JSON.stringify(proof.checkpoint);
  }
  let hashes = '';
  for (const h of proof.hashes) hashes += (hashes === '' ? '"' : ',"') + h.toString('hex') + '"';
  return (
    `{"${entryId}":{"body":"${entry.body.toString('base64')}","integratedTime":${JSON.stringify(entry.integratedTime)},` +
    `"logID":"${logIdHex}","logIndex":${JSON.stringify(entry.logIndex)},"verification":{"signedEntryTimestamp":"${entry.setSignature.toString('base64')}",` +
    `"inclusionProof":{"logIndex":${JSON.stringify(proof.logIndex)},"treeSize":${JSON.stringify(proof.treeSize)},"rootHash":"${proof.rootHash.toString('hex')}",` +
    `"hashes":[${hashes}],"checkpoint":${lastCheckpointJson}}}}}`
  );
}
