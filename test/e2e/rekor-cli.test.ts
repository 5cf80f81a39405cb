/**
 * The real rekor-cli (sigstore/rekor v1.5.x) against a live Sealhouse: loginfo with its stored
 * checkpoint checked for consistency across appends, get by index and UUID, search by e-mail
 * and hash, upload + verify with a locally made key pair. HOME is a temp dir (~/.rekor state).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const go = locateGoBin(['rekor-cli']);

describe('rekor-cli against Sealhouse', { skip: go.skip, timeout: 120_000 }, () => {
  let server: TestServer;
  const tmp = mkdtempSync(join(tmpdir(), 'sealhouse-rekor-cli-'));
  const env = { HOME: join(tmp, 'home'), TUF_ROOT: join(tmp, 'tuf') };
  const cli = (args: string[]): Promise<RunResult> => run(join(go.dir, 'rekor-cli'), [...args, '--rekor_server', server.url], env, 60_000);
  const ok = (r: RunResult, what: string): string => {
    assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pubPath = join(tmp, 'key.pub');
  let n = 0;
  /** Sign a fresh artifact; returns its path, signature path and sha256 hex. */
  const artifact = (): { file: string; sig: string; sha: string } => {
    const body = Buffer.from(`artifact ${n++} ${Date.now()}\n`);
    const file = join(tmp, `artifact-${n}.txt`);
    const sig = join(tmp, `artifact-${n}.sig`);
    writeFileSync(file, body);
    writeFileSync(sig, sign('sha256', body, privateKey));
    return { file, sig, sha: createHash('sha256').update(body).digest('hex') };
  };
  const upload = async (): Promise<{ sha: string; uuid: string; index: number; file: string; sig: string }> => {
    const a = artifact();
    const out = ok(await cli(['upload', '--artifact', a.file, '--signature', a.sig, '--public-key', pubPath, '--pki-format', 'x509']), 'upload');
    const uuid = /Created entry at index (\d+), available at: .*\/entries\/([0-9a-f]+)/.exec(out);
    assert.ok(uuid, `unexpected upload output: ${out}`);
    return { ...a, index: Number(uuid[1]), uuid: uuid[2]! };
  };

  before(async () => {
    writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('upload + verify, get by index and uuid, search by sha and public key', async () => {
    const e = await upload();
    ok(await cli(['verify', '--artifact', e.file, '--signature', e.sig, '--public-key', pubPath, '--pki-format', 'x509']), 'verify');
    const byIndex = ok(await cli(['get', '--log-index', String(e.index), '--format', 'json']), 'get --log-index');
    assert.equal((JSON.parse(byIndex) as { LogIndex: number }).LogIndex, e.index);
    const byUuid = ok(await cli(['get', '--uuid', e.uuid, '--format', 'json']), 'get --uuid');
    assert.equal((JSON.parse(byUuid) as { LogIndex: number }).LogIndex, e.index);
    const bySha = ok(await cli(['search', '--sha', e.sha]), 'search --sha');
    assert.ok(bySha.includes(e.uuid.slice(-64)), `search --sha did not find ${e.uuid}: ${bySha}`);
    const byKey = ok(await cli(['search', '--public-key', pubPath, '--pki-format', 'x509']), 'search --public-key');
    assert.ok(byKey.includes(e.uuid.slice(-64)));
    // A signature over other bytes is refused by verify.
    const other = artifact();
    assert.notEqual((await cli(['verify', '--artifact', other.file, '--signature', e.sig, '--public-key', pubPath])).code, 0);
  });

  it('search --email finds nothing for an unknown address (exit 0 or "no matching entries")', async () => {
    const r = await cli(['search', '--email', 'nobody@example.test']);
    assert.ok(r.code === 0 || /no matching entries/i.test(r.stderr + r.stdout), `search --email: ${r.stdout}\n${r.stderr}`);
  });

  it('loginfo twice with appends between: the stored checkpoint is consistent', async () => {
    await upload();
    const first = ok(await cli(['loginfo']), 'loginfo');
    assert.match(first, /Verification Successful!/);
    await upload();
    await upload();
    // The first run stored the checkpoint; the second proves consistency from it.
    const state = readFileSync(join(env.HOME, '.rekor', 'state.json'), 'utf8');
    const rootB64 = Buffer.from(/Root Hash:\s+([0-9a-f]{64})/.exec(first)![1]!, 'hex').toString('base64');
    assert.ok(state.includes(rootB64), `state.json does not hold the first checkpoint: ${state}`);
    const second = ok(await cli(['loginfo']), 'loginfo (second)');
    assert.match(second, /Consistency proof valid!|Verification Successful!/);
    const size = (s: string): number => Number(/Tree Size: (\d+)/.exec(s)?.[1]);
    assert.equal(size(second), size(first) + 2);
    // Twin: a stored checkpoint this log never had must make the consistency check fail.
    const now = readFileSync(join(env.HOME, '.rekor', 'state.json'), 'utf8');
    const secondB64 = Buffer.from(/Root Hash:\s+([0-9a-f]{64})/.exec(second)![1]!, 'hex').toString('base64');
    assert.ok(now.includes(secondB64), 'state.json was not advanced to the second checkpoint');
    writeFileSync(join(env.HOME, '.rekor', 'state.json'), now.replace(secondB64, Buffer.alloc(32, 0xab).toString('base64')));
    await upload();
    assert.notEqual((await cli(['loginfo'])).code, 0, 'loginfo accepted a forged stored checkpoint');
  });
});
