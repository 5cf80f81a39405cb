/**
 * The monitor's tiles mode (C2SP tlog-tiles) against the fixture log in tiles-log.ts: growth
 * across a tile boundary verified from tiles alone, partial tiles that are gone, a watched key
 * found in a Rekor v2 body read from an entry bundle, and the lies a tiles log can tell —
 * rewritten history signed with the real key, a tampered hash tile, an entry bundle whose
 * bodies are not the leaves — each an Inconsistency that leaves the state file as it was.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, afterEach, describe, it } from 'node:test';
import { logsFromTrustedRoot } from '../../src/core/trust.js';
import { LogFetcher } from '../../src/monitor/fetch.js';
import { Inconsistency } from '../../src/monitor/inconsistency.js';
import { runRound, type MatchReport, type RoundContext } from '../../src/monitor/monitor.js';
import { TilesSource } from '../../src/monitor/tiles-source.js';
import { EMPTY_WATCH, parseWatchConfig, type WatchConfig } from '../../src/monitor/watch-config.js';
import { leafHash } from '../../src/merkle/hash.js';
import { tempDir, trustedRootFor } from './fixtures.js';
import { startTilesLog, type TilesLog } from './tiles-log.js';
import { nodeCrypto } from '../../src/node-crypto.js';

const dir = tempDir();
const logs: TilesLog[] = [];
after(() => dir.cleanup());
afterEach(async () => {
  for (const l of logs.splice(0)) await l.close();
});

const body = (i: number, spki?: Buffer): Buffer =>
  Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: { hashedRekordV002: { data: { algorithm: 'SHA2_256', digest: createHash('sha256').update(`artifact ${i}`).digest('base64') }, signature: { content: 'AA==', verifier: { publicKey: { rawBytes: (spki ?? Buffer.from([i])).toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' } } } },
    }),
  );
const bodies = (from: number, to: number): Buffer[] => Array.from({ length: to - from }, (_, i) => body(from + i));

async function fixture(key?: KeyObject): Promise<{ log: TilesLog; ctx: (watch?: WatchConfig, matches?: MatchReport[]) => RoundContext; state: string }> {
  const log = await startTilesLog(key);
  logs.push(log);
  const state = dir.file(`state-${logs.length}-${Date.now()}.json`);
  const trusted = logsFromTrustedRoot(nodeCrypto, trustedRootFor(log.key, log.url), 'checkpoint-signers');
  const fetcher = new LogFetcher({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 });
  return {
    log,
    state,
    ctx: (watch = EMPTY_WATCH, matches: MatchReport[] = []) => ({ url: log.url, source: new TilesSource(log.url, fetcher), logs: trusted, statePath: state, watch, onMatch: (m) => matches.push(m) }),
  };
}

describe('monitor, tiles mode', () => {
  it('trusts the first checkpoint, then verifies growth across a tile boundary from tiles alone', async () => {
    const { log, ctx, state } = await fixture();
    await log.append(bodies(0, 5));
    assert.equal((await runRound(ctx())).status, 'trusted-on-first-use');
    await log.append(bodies(5, 300));
    const out = await runRound(ctx());
    assert.equal(out.status, 'grew');
    assert.equal(out.status === 'grew' && out.from.size, 5);
    assert.equal(JSON.parse(readFileSync(state, 'utf8')).size, 300);
    await log.append(bodies(300, 700));
    assert.equal((await runRound(ctx())).status, 'grew');
    assert.equal(JSON.parse(readFileSync(state, 'utf8')).size, 700);
  });

  it('falls back to the full tile when a partial tile is gone, and finds a watched key in a v2 entry bundle', async () => {
    const { log, ctx } = await fixture();
    await log.append(bodies(0, 200));
    await runRound(ctx());
    const watched = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    await log.append([...bodies(200, 260), body(260, watched), ...bodies(261, 270)]);
    log.dropPartials = true;
    const matches: MatchReport[] = [];
    const watch = parseWatchConfig(`monitoredValues:\n  fingerprints: [${createHash('sha256').update(watched).digest('hex')}]\n`);
    const out = await runRound(ctx(watch, matches));
    assert.equal(out.status === 'grew' && out.entries, 70);
    assert.deepEqual(
      matches.map((m) => [m.logIndex, m.uuid, m.match, m.kind]),
      [[260, leafHash(body(260, watched)).toString('hex'), 'fingerprint', 'hashedrekord']],
    );
  });

  it('follows a log with Ed25519 checkpoints (Rekor v2) across a tile boundary', async () => {
    const { log, ctx, state } = await fixture(generateKeyPairSync('ed25519').privateKey);
    await log.append(bodies(0, 9));
    assert.equal((await runRound(ctx())).status, 'trusted-on-first-use');
    await log.append(bodies(9, 280));
    const out = await runRound(ctx(parseWatchConfig('monitoredValues:\n  fingerprints: ["00"]\n')));
    assert.equal(out.status, 'grew');
    assert.equal(out.status === 'grew' && out.entries, 271, 'entries read from the bundles and proven');
    assert.equal(JSON.parse(readFileSync(state, 'utf8')).size, 280);
  });

  it('refuses an Ed25519 checkpoint signed by another Ed25519 key, leaving the state as it was', async () => {
    const { log, ctx, state } = await fixture(generateKeyPairSync('ed25519').privateKey);
    await log.append(bodies(0, 3));
    await runRound(ctx());
    const impostor = await startTilesLog(generateKeyPairSync('ed25519').privateKey);
    logs.push(impostor);
    await impostor.append(bodies(0, 6));
    const before = readFileSync(state, 'utf8');
    const c = ctx();
    const err = await runRound({ ...c, source: new TilesSource(impostor.url, new LogFetcher({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 })) }).then(
      () => assert.fail('expected an inconsistency'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Inconsistency, String(err));
    assert.match(err.reason, /does not verify with any log key of the trusted root .*key hint/);
    assert.equal(readFileSync(state, 'utf8'), before);
  });

  async function expectInconsistency(run: Promise<unknown>, state: string, reason: RegExp): Promise<Inconsistency> {
    const before = existsSync(state) ? readFileSync(state, 'utf8') : undefined;
    const err = await run.then(
      () => assert.fail('expected an inconsistency'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Inconsistency, String(err));
    assert.match(err.reason, reason);
    assert.ok(err.saved && err.current, 'both checkpoints are named');
    assert.match(err.report(), /saved checkpoint: +origin "tiles\.example\/log", size [0-9]+, root [0-9a-f]{64}/);
    assert.equal(existsSync(state) ? readFileSync(state, 'utf8') : undefined, before, 'state not advanced');
    return err;
  }

  it('refuses rewritten history signed with the log\'s real key', async () => {
    const { log, ctx, state } = await fixture();
    await log.append(bodies(0, 10));
    await runRound(ctx());
    // Another log under the same key and URL-independent trust: history differs at entry 3.
    const forked = await startTilesLog(log.key);
    logs.push(forked);
    await forked.append([...bodies(0, 3), Buffer.from('rewritten'), ...bodies(4, 40)]);
    const c = ctx();
    const err = await expectInconsistency(runRound({ ...c, source: new TilesSource(forked.url, new LogFetcher({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 })) }), state, /does not extend the saved tree at size 10/);
    assert.equal(err.saved?.size, 10);
    assert.equal(err.current?.size, 40);
  });

  it('refuses a tampered hash tile', async () => {
    const { log, ctx, state } = await fixture();
    await log.append(bodies(0, 7));
    await runRound(ctx());
    await log.append(bodies(7, 30));
    log.tamper = (path, bytes) => {
      if (!path.startsWith('tile/0/')) return bytes;
      const copy = Buffer.from(bytes);
      copy[0] = (copy[0] as number) ^ 0xff;
      return copy;
    };
    await expectInconsistency(runRound(ctx()), state, /does not extend the saved tree/);
  });

  it('refuses a hash tile of the wrong length, naming the tile', async () => {
    const { log, ctx, state } = await fixture();
    await log.append(bodies(0, 7));
    await runRound(ctx());
    await log.append(bodies(7, 30));
    log.tamper = (path, bytes) => (path.startsWith('tile/0/') ? bytes.subarray(1) : bytes);
    await expectInconsistency(runRound(ctx()), state, /tile tile\/0\/000\.p\/30 holds 959 bytes, not 30 hashes/);
  });

  it('refuses an entry bundle whose bodies are not the proven leaves', async () => {
    const { log, ctx, state } = await fixture();
    await log.append(bodies(0, 4));
    await runRound(ctx());
    await log.append(bodies(4, 12));
    log.tamper = (path, bytes) => (path.startsWith('tile/entries/') ? Buffer.from(bytes.toString('latin1').replaceAll('SHA2_256', 'SHA3_256'), 'latin1') : bytes);
    const watch = parseWatchConfig('monitoredValues:\n  fingerprints: ["00"]\n');
    await expectInconsistency(runRound(ctx(watch)), state, /entry 4 of the entry bundle is not the leaf the tiles prove into the signed root/);
  });
});
