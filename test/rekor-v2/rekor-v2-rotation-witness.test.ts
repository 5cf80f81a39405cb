/**
 * Witnesses across a live Rekor v2 rotation (Postgres: `sealhouse rotate rekor-v2` runs in a
 * second process while the server runs): when the server switches to shard 2 it opens a witness
 * submitter for shard 2's tree. Every shard keeps the log's origin (core/shard-paths.ts: the
 * clients insist on it), so a witness, which keeps one state per origin, must be re-registered
 * with the new key by its operator; then shard 2's checkpoints come back cosigned on
 * /shards/2/checkpoint, while frozen shard 1 keeps serving its last checkpoint with the
 * cosignature it had.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { ed25519KeySigner } from '../../src/note/ed25519-note.js';
import { runCli } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestWitness } from '../helpers/witness.js';
import { v2Request } from './requests.js';

async function append(url: string): Promise<void> {
  const r = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', body: JSON.stringify(v2Request().request) });
  assert.equal(r.status, 201, await r.text());
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cosignedBy = (note: string, name: string): boolean => parseCheckpoint(note).signatures.some((s) => s.name === name);

describe('witnesses across a live Rekor v2 rotation', { skip: usingPostgres() ? false : 'SKIPPED on PGlite: a live rotation needs a second process on the same database (set DATABASE_URL)' }, () => {
  let witness: TestWitness;
  let server: TestServer;
  const name = 'witness.test/rotation';

  before(async () => {
    witness = await TestWitness.start(name);
    server = await startTestServer({ SEALHOUSE_WITNESSES: witness.configEntry, SEALHOUSE_ROTATION_POLL_MS: '200' });
    const v2 = server.running.rekorV2;
    assert.ok(v2);
    witness.trustLog(v2.origin, v2.vkey);
  });
  after(async () => {
    await server?.close();
    await witness?.close();
  });

  it('cosigns shard 1, then shard 2 after the switch, and keeps serving shard 1 cosigned', async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) await append(server.url);
    await waitFor('shard 1 cosigned', async () => (witness.latest('127.0.0.1')?.size === 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, Math.max(0, 1_200 - (Date.now() - started))));
    const r = await runCli(['rotate', 'rekor-v2'], { env: { ...process.env, ...server.env, LOG_LEVEL: 'warn' } });
    assert.equal(r.status, 0, r.stderr);
    const newKey = createPrivateKey(readFileSync(join(server.dataDir, 'rekor-v2-key.pem'), 'utf8'));
    // The witness operator registers the new key for the origin, forgetting the frozen tree's state.
    witness.trustLog('127.0.0.1', ed25519KeySigner('127.0.0.1', newKey).vkey);
    witness.forget('127.0.0.1');
    await waitFor('the switch', async () => (server.running.rekorV2?.activeShard.ordinal === 2 ? true : undefined));
    for (let i = 0; i < 2; i++) await append(server.url);
    await waitFor('shard 2 cosigned', async () => (witness.latest('127.0.0.1')?.size === 2 ? true : undefined));
    const shard2 = await waitFor('a cosigned shard 2 checkpoint', async () => {
      const note = await (await fetch(`${server.url}/shards/2/checkpoint`)).text();
      return cosignedBy(note, name) ? note : undefined;
    });
    assert.equal(parseCheckpoint(shard2).origin, '127.0.0.1');
    const shard1 = await (await fetch(`${server.url}/checkpoint`)).text();
    assert.equal(parseCheckpoint(shard1).size, 3);
    assert.ok(cosignedBy(shard1, name), 'frozen shard 1 still carries its cosignature');
  });
});
