/**
 * Interop with transparency-dev/witness (the witness omniwitness runs, built from
 * test/witness/go-witness): a running Sealhouse submits its v2 checkpoints — first from old 0,
 * then with consistency proofs, then after a restart from the size it stored — and serves the
 * cosignatures that witness returns, each verified with its cosignature/v1 vkey.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { ed25519KeySigner } from '../../src/note/ed25519-note.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { parseCosignerVkey, verifyCosignature } from '../../src/witness/cosignature.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { v2Request } from '../rekor-v2/requests.js';
import { goMissing, startGoWitness, type GoWitness } from './go-witness.js';

const ORIGIN = '127.0.0.1';
const skip = goMissing();

async function append(url: string): Promise<void> {
  const res = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2Request().request) });
  assert.equal(res.status, 201, await res.text());
}

describe('transparency-dev/witness cosigns Sealhouse v2 checkpoints', { skip }, () => {
  let witness: GoWitness;
  let server: TestServer;
  let restarted: RunningServer | undefined;
  let keyDir = '';

  before(async () => {
    // The log key is made first: the witness must trust its vkey before Sealhouse starts.
    const { privateKey } = generateKeyPairSync('ed25519');
    const logVkey = ed25519KeySigner(ORIGIN, privateKey).vkey;
    witness = await startGoWitness(ORIGIN, logVkey);
    keyDir = mkdtempSync(join(tmpdir(), 'sealhouse-v2-key-'));
    const keyPath = join(keyDir, 'rekor-v2.pem');
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    server = await startTestServer({ SEALHOUSE_REKOR_V2_KEY: keyPath, SEALHOUSE_WITNESSES: `${witness.vkey} ${witness.url}` });
    assert.equal(server.running.rekorV2?.vkey, logVkey);
  });
  after(async () => {
    await restarted?.close();
    await server?.close();
    await witness?.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  /** Waits until `url`'s /checkpoint is at `size` with a cosignature that verifies; returns its timestamp. */
  async function cosignedAt(url: string, size: number): Promise<number> {
    const key = parseCosignerVkey(witness.vkey);
    const end = Date.now() + 20_000;
    for (;;) {
      const cp = parseCheckpoint(await (await fetch(`${url}/checkpoint`)).text());
      const line = cp.signatures.find((s) => s.name === key.name && Buffer.from(s.keyHint).equals(key.keyId));
      if (cp.size === size && line) return verifyCosignature(key, cp.text, line.signature).timestamp;
      if (Date.now() > end) assert.fail(`no cosignature at size ${size} (checkpoint size ${cp.size}); witness stderr:\n${witness.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('cosigns the first checkpoint, then each larger one through a consistency proof', async () => {
    await append(server.url);
    await append(server.url);
    assert.ok((await cosignedAt(server.url, 2)) > 1_700_000_000);
    for (let i = 0; i < 5; i++) await append(server.url);
    await cosignedAt(server.url, 7);
  });

  it('after a restart submits from the size it stored and is cosigned again', async () => {
    await server.stop();
    restarted = await startServer(loadConfig(server.env), pino({ level: 'silent' }));
    const url = restarted.address;
    // The stored cosignature is served at once: nothing was appended yet.
    await cosignedAt(url, 7);
    await append(url);
    await cosignedAt(url, 8);
  });
});
