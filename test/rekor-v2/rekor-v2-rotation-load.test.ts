/**
 * `sealhouse rotate rekor-v2` from a separate process while a server takes a steady stream of
 * v2 hashedrekord entries on the same Postgres database: no request fails, the server switches
 * to the new shard without a restart, and nothing acknowledged is lost — every acknowledged
 * entry is in its shard's entry bundles, its response's proof verifies against its checkpoint,
 * and an inclusion proof in the shard's final tree verifies against the checkpoint the shard
 * serves, signed by that shard's key (read from the key files the rotation left: the old one
 * kept as rekor-v2-key.retired-1.pem, the new one as rekor-v2-key.pem). Each shard holds
 * exactly the entries acknowledged in it.
 *
 * Postgres only: the embedded PGlite belongs to one process, so no second process can rotate
 * while the server runs (the CLI refuses, and says to stop the server).
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import { leafHash as coreLeafHash, verifyInclusion } from '../../src/core/merkle.js';
import { proveInclusion } from '../../src/merkle/prove.js';
import { TILE_WIDTH, formatEntriesPath } from '../../src/merkle/tiles.js';
import { nodeCrypto, nodeSha256 } from '../../src/node-crypto.js';
import { ed25519KeyHash } from '../../src/note/ed25519-note.js';
import { runCli } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { v2Request } from './requests.js';

interface Acked {
  readonly logId: string;
  readonly index: number;
  readonly body: Buffer;
  readonly treeSize: number;
  readonly hashes: Buffer[];
  readonly checkpoint: string;
}

interface EntryJson {
  logIndex: string;
  logId: { keyId: string };
  canonicalizedBody: string;
  inclusionProof: { treeSize: string; hashes: string[]; checkpoint: { envelope: string } };
}

const WORKERS = 6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spkiOfFile(path: string): Buffer {
  return createPublicKey(readFileSync(path, 'utf8')).export({ type: 'spki', format: 'der' });
}

describe('rotate rekor-v2 under load, from another process', { skip: usingPostgres() ? false : 'SKIPPED on PGlite: the embedded database belongs to the server process, so no second process can rotate while it runs (set DATABASE_URL)' }, () => {
  let server: TestServer;
  const acked: Acked[] = [];
  const failures: string[] = [];
  let cli: Awaited<ReturnType<typeof runCli>>;

  before(async () => {
    server = await startTestServer({ SEALHOUSE_ROTATION_POLL_MS: '200' });
    const startedAt = Date.now();
    let stop = false;
    const shards: { newUrl?: string } = {};
    const worker = async (n: number): Promise<void> => {
      while (!stop) {
        // Once the new shard exists, half the workers use its URL: both must land in the active shard.
        const url = `${server.url}${shards.newUrl && n % 2 === 1 ? shards.newUrl : ''}/api/v2/log/entries`;
        try {
          const r = await fetch(url, { method: 'POST', body: JSON.stringify(v2Request().request) });
          const text = await r.text();
          if (r.status !== 201) {
            failures.push(`${r.status} ${text}`);
            continue;
          }
          const json = JSON.parse(text) as EntryJson;
          acked.push({
            logId: json.logId.keyId,
            index: Number(json.logIndex),
            body: Buffer.from(json.canonicalizedBody, 'base64'),
            treeSize: Number(json.inclusionProof.treeSize),
            hashes: json.inclusionProof.hashes.map((h) => Buffer.from(h, 'base64')),
            checkpoint: json.inclusionProof.checkpoint.envelope,
          });
        } catch (err) {
          failures.push(`request failed: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    // A shard's validFor has whole seconds: the rotation's must come after shard 1's start.
    await sleep(Math.max(0, 2_100 - (Date.now() - startedAt)));
    cli = await runCli(['rotate', 'rekor-v2'], { env: { ...process.env, ...server.env, LOG_LEVEL: 'warn' } });
    shards.newUrl = '/shards/2';
    await sleep(1_500); // the stream goes on into shard 2
    stop = true;
    await load;
  });
  after(() => server?.close());

  it('rotates from the CLI while the server runs, and the server switches without a restart', () => {
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /the Rekor v2 log: shard 2 .*origin 127\.0\.0\.1\).*shard 1 .* is frozen at \d+ entries/);
    assert.equal(server.running.rekorV2?.activeShard.ordinal, 2);
  });

  it('fails no request', (t) => {
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(failures.length, 0);
    const ids = [...new Set(acked.map((a) => a.logId))];
    assert.equal(ids.length, 2, 'entries were acknowledged in both shards');
    t.diagnostic(`acknowledged: ${ids.map((id) => acked.filter((a) => a.logId === id).length).join(' in shard 1, ')} in shard 2`);
  });

  it("keeps every acknowledged entry in its shard's tiles, provable against the checkpoint that shard's key signed", async () => {
    const shardKeys = [
      { ordinal: 1, path: '', origin: '127.0.0.1', spki: spkiOfFile(join(server.dataDir, 'rekor-v2-key.retired-1.pem')) },
      { ordinal: 2, path: '/shards/2', origin: '127.0.0.1', spki: spkiOfFile(join(server.dataDir, 'rekor-v2-key.pem')) },
    ];
    assert.notDeepEqual(shardKeys[0]?.spki, shardKeys[1]?.spki);
    let seen = 0;
    for (const k of shardKeys) {
      const logId = ed25519KeyHash(k.origin, k.spki.subarray(k.spki.length - 32));
      const mine = acked.filter((a) => a.logId === logId.toString('base64'));
      seen += mine.length;
      const keyed = { logId, spki: k.spki, names: [k.origin] };
      const cp = parseCheckpoint(await (await fetch(`${server.url}${k.path}/checkpoint`)).text());
      assert.equal(cp.origin, k.origin);
      verifyCheckpointSignature(nodeCrypto, cp, keyed);
      // Exactly the acknowledged entries: none lost, none extra, indexes 0..n-1.
      assert.equal(cp.size, mine.length, `shard ${k.ordinal} holds what was acknowledged in it`);
      assert.deepEqual(new Set(mine.map((a) => a.index)).size, mine.length);
      const bundles = new Map<number, Buffer[]>();
      for (let b = 0; b * TILE_WIDTH < cp.size; b++) {
        const width = Math.min(TILE_WIDTH, cp.size - b * TILE_WIDTH);
        const bytes = Buffer.from(await (await fetch(`${server.url}${k.path}/${formatEntriesPath(b, width)}`)).arrayBuffer());
        const bodies: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += 2 + bytes.readUInt16BE(at)) bodies.push(bytes.subarray(at + 2, at + 2 + bytes.readUInt16BE(at)));
        assert.equal(bodies.length, width);
        bundles.set(b, bodies);
      }
      const shard = server.running.rekorV2?.shard(k.ordinal);
      assert.ok(shard);
      for (const a of mine) {
        assert.deepEqual(bundles.get(Math.floor(a.index / TILE_WIDTH))?.[a.index % TILE_WIDTH], a.body);
        const leaf = coreLeafHash(nodeSha256, a.body);
        const own = parseCheckpoint(a.checkpoint);
        verifyCheckpointSignature(nodeCrypto, own, keyed);
        verifyInclusion(nodeSha256, a.index, a.treeSize, leaf, a.hashes, own.rootHash);
        verifyInclusion(nodeSha256, a.index, cp.size, leaf, await proveInclusion(a.index, cp.size, shard.tree), cp.rootHash);
      }
    }
    assert.equal(seen, acked.length);
  });
});
