/**
 * A running Sealhouse with SEALHOUSE_WITNESSES naming the test witness: after v2 appends, GET
 * /checkpoint (and /tlog/v2/checkpoint) carries the witness's cosignature line after the log's
 * own, the line verifies with the witness key, and src/core's checkpoint verification still
 * accepts the note. With the witness down, appends still succeed, /metrics shows it, and the
 * log catches up once the witness is back.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { verifyCheckpoint as sigstoreVerifyCheckpoint } from '@sigstore/verify/dist/tlog/checkpoint.js';
import { checkpointSignerNames, parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import type { RekorV2Log } from '../../src/rekor-v2/rekor-v2-log.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { parseCosignerVkey, verifyCosignature } from '../../src/witness/cosignature.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestWitness } from '../helpers/witness.js';
import { v2Request } from '../rekor-v2/requests.js';

async function append(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2Request().request) });
  const json = (await res.json()) as { logIndex?: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return Number(json.logIndex ?? 0);
}

async function checkpointText(url: string, path = '/checkpoint'): Promise<string> {
  const res = await fetch(`${url}${path}`);
  assert.equal(res.status, 200);
  return res.text();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('witness cosignatures on a running Sealhouse', () => {
  let witness: TestWitness;
  let server: TestServer;
  let v2: RekorV2Log;

  before(async () => {
    witness = await TestWitness.start('witness.test/e2e');
    server = await startTestServer({ SEALHOUSE_WITNESSES: witness.configEntry });
    assert.ok(server.running.rekorV2, 'the v2 log is on by default');
    v2 = server.running.rekorV2;
    witness.trustLog(v2.origin, v2.vkey);
  });
  after(async () => {
    await server?.close();
    await witness?.close();
  });

  /** The served checkpoint, checked as a client checks it; with the witness's timestamps, if any. */
  function check(note: string): { size: number; cosignedAt: number[] } {
    const cp = parseCheckpoint(note);
    const name = verifyCheckpointSignature(nodeCrypto, cp, { logId: v2.logId, spki: v2.spki, names: checkpointSignerNames(server.url) ?? [] });
    assert.equal(name, v2.origin);
    assert.equal(cp.signatures[0]?.name, v2.origin, "the log's own signature comes first");
    const key = parseCosignerVkey(witness.vkey);
    const cosignedAt = cp.signatures.filter((s) => s.name === key.name).map((s) => verifyCosignature(key, cp.text, s.signature).timestamp);
    return { size: cp.size, cosignedAt };
  }

  it('serves the cosignature on /checkpoint and /tlog/v2/checkpoint, and clients still verify the note', async () => {
    for (let i = 0; i < 3; i++) await append(server.url);
    const served = await waitFor('a cosigned checkpoint', async () => {
      const note = await checkpointText(server.url);
      return check(note).cosignedAt.length > 0 ? note : undefined;
    });
    const { size, cosignedAt } = check(served);
    assert.equal(size, 3);
    assert.equal(cosignedAt.length, 1);
    assert.ok(Math.abs(cosignedAt[0] as number - Date.now() / 1000) < 120);
    assert.equal(witness.latest(v2.origin)?.size, 3);
    assert.equal(await checkpointText(server.url, '/tlog/v2/checkpoint'), served);
    // sigstore-js's checkpoint check (which reads every line's name as a RegExp) passes too.
    type Entry = Parameters<typeof sigstoreVerifyCheckpoint>[0];
    const entry = { inclusionProof: { checkpoint: { envelope: served } } } as unknown as Entry;
    const tlog = { logID: v2.logId, baseURL: server.url, publicKey: createPublicKey({ key: v2.spki, format: 'der', type: 'spki' }), validFor: { start: new Date(0), end: new Date(8.64e15) } };
    assert.equal(sigstoreVerifyCheckpoint(entry, [tlog]).logSize, 3n);
  });

  it('keeps appending while the witness is down, shows it on /metrics, and catches up when it is back', async () => {
    witness.mode = 'down';
    const first = await append(server.url);
    const second = await append(server.url);
    assert.equal(second, first + 1);
    const metrics = await waitFor('the outage on /metrics', async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return /sealhouse_witness_submissions_total\{[^}]*outcome="unavailable"[^}]*\} [1-9]/.test(text) ? text : undefined;
    });
    assert.match(metrics, /sealhouse_witness_up\{witness="witness\.test\/e2e\+[0-9a-f]{8}"\} 0/);
    const stale = check(await checkpointText(server.url));
    assert.equal(stale.size, 5);
    assert.equal(stale.cosignedAt.length, 0, 'no cosignature for a size the witness never saw');
    witness.mode = 'ok';
    await waitFor('catch-up', async () => (check(await checkpointText(server.url)).cosignedAt.length === 1 ? true : undefined));
    assert.equal(witness.latest(v2.origin)?.size, 5);
    assert.ok(witness.requests.some((r) => r.status === 200 && r.old === 3 && r.treeSize === 5 && r.proofLines > 0), 'proved from 3 to 5');
  });
});
