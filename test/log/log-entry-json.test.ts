/**
 * logEntryJson is the POST response's hand-written JSON: it must be byte-identical to
 * JSON.stringify of toLogEntryAnon (the shape every other v1 response uses), whatever the
 * checkpoint text holds and however the checkpoint changes between calls.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { logEntryJson, toLogEntryAnon } from '../../src/log/log-entry-json.js';

const checkpoints = [
  'sealhouse.test - 1\n5\nq83vEjRWeJA=\n\n— sealhouse.test AAAA\n',
  'a "quoted" \\ back\tslash \u0001 \u2028 line\n',
  'sealhouse.test - 1\n6\nq83vEjRWeJA=\n\n— sealhouse.test BBBB\n',
];

describe('logEntryJson', () => {
  it('equals JSON.stringify({ id: toLogEntryAnon(…) }) byte for byte', () => {
    for (let i = 0; i < 40; i++) {
      const entry = { logIndex: i * 1_000_003, body: randomBytes(50 + i), integratedTime: 1_700_000_000 + i, setSignature: randomBytes(70), leafHash: randomBytes(32) };
      const proof = {
        logIndex: i,
        treeSize: i + 1 + (i % 3),
        rootHash: randomBytes(32),
        hashes: Array.from({ length: i % 5 }, () => randomBytes(32)),
        checkpoint: checkpoints[Math.floor(i / 3) % checkpoints.length] as string,
      };
      const id = `00000000000000${(i % 16).toString(16)}1${entry.leafHash.toString('hex')}`;
      const logId = randomBytes(32).toString('hex');
      assert.equal(logEntryJson(id, entry, proof, logId), JSON.stringify({ [id]: toLogEntryAnon(entry, proof, logId) }));
    }
  });
});
