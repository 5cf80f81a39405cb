/**
 * `sealhouse monitor` against a real server (test/helpers/server.ts), and against a proxy in
 * front of it that plays a misbehaving log: a checkpoint signed by another key, an old (smaller)
 * signed tree, a fork signed with the log's real key, a consistency proof that does not add up.
 * Each must exit 1 with a report naming both checkpoints and leave the state file as it was.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { CLI_MAIN, runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { create, hashedrekord, keySigner } from '../http/rekor-client.js';
import { freshKey, makeCert } from '../entries/fixtures.js';
import { checkpointText, signNote, startProxy, tempDir, type Proxy, type TempDir } from '../monitor/fixtures.js';

let server: TestServer;
let proxy: Proxy;
let dir: TempDir;
let trustedRoot: string;

interface LogInfo {
  signedTreeHead: string;
  treeSize: number;
  rootHash: string;
  treeID: string;
}

const monitor = (url: string, state: string, ...extra: string[]) =>
  runCli(['monitor', '--url', url, '--trusted-root', trustedRoot, '--state', state, '--once', '--retries', '2', ...extra], { timeoutMs: 60_000 });

const logInfo = async (): Promise<LogInfo> => (await (await fetch(`${server.url}/api/v1/log`)).json()) as LogInfo;
const readState = (path: string): { size: number; rootHash: string; checkpoint: string } => JSON.parse(readFileSync(path, 'utf8'));

async function addEntries(n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) await create(server.url, hashedrekord(`monitor ${tag} ${i}`));
}

/** A state file holding a verified checkpoint of the current tree. */
async function freshState(name: string): Promise<string> {
  const state = dir.file(name);
  const r = await monitor(server.url, state);
  assert.equal(r.status, 0, r.stderr);
  return state;
}

before(async () => {
  server = await startTestServer();
  proxy = await startProxy(server.url);
  dir = tempDir();
  trustedRoot = dir.file('trusted_root.json', await (await fetch(`${server.url}/trusted_root.json`)).text());
  await addEntries(3, 'seed');
});
after(async () => {
  await proxy.close();
  await server.close();
  dir.cleanup();
});

describe('sealhouse monitor: an honest log', () => {
  it('trusts the first checkpoint on first use and says so, then verifies growth and advances the state', async () => {
    const state = dir.file('growth.json');
    const first = await monitor(server.url, state);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /trusting the log's current checkpoint on first use/);
    assert.equal(readState(state).size, 3);

    const same = await monitor(server.url, state);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stderr, /has not grown/);

    await addEntries(4, 'growth');
    const grown = await monitor(server.url, state);
    assert.equal(grown.status, 0, grown.stderr);
    assert.match(grown.stderr, /consistent: size 3 → 7 .*no identities watched, entries not read/);
    assert.equal(grown.stdout, '', 'nothing watched, nothing printed');
    const saved = readState(state);
    assert.equal(saved.size, 7);
    assert.equal(saved.rootHash, (await logInfo()).rootHash);
  });

  it('prints one JSON line per watched identity in the new entries: a key fingerprint and a certificate SAN', async () => {
    const state = await freshState('matches.json');
    const watchedKey = keySigner();
    const spkiFingerprint = createHash('sha256')
      .update(Buffer.from(watchedKey.pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64'))
      .digest('hex');
    const key = await freshKey('P-256');
    const cert = await makeCert({ cn: 'alice', key, sans: { email: ['alice@example.com'] } });
    await addEntries(2, 'unwatched');
    const keyed = await create(server.url, hashedrekord('signed by the watched key', watchedKey));
    const keyless = await create(server.url, hashedrekord('signed by alice', { privateKey: key.privateKey, pem: cert.pem }));
    await create(server.url, hashedrekord('signed by bob', { privateKey: key.privateKey, pem: (await makeCert({ cn: 'bob', key, sans: { email: ['bob@example.com'] } })).pem }));
    const config = dir.file(
      'watch.yaml',
      `monitoredValues:\n  certIdentities:\n    - certSubject: alice@example\\.com\n  fingerprints:\n    - ${spkiFingerprint.toUpperCase()}\n`,
    );
    const r = await monitor(server.url, state, '--config', config);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /5 new entries read, 2 watched identities found/);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2, r.stdout);
    const [byKey, byCert] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(
      { logIndex: byKey.logIndex, uuid: byKey.uuid, entryId: byKey.entryId, match: byKey.match, fingerprint: byKey.fingerprint, of: byKey.of, kind: byKey.kind },
      { logIndex: keyed.entry.logIndex, uuid: keyed.id.slice(-64), entryId: keyed.id, match: 'fingerprint', fingerprint: spkiFingerprint, of: 'publicKey', kind: 'hashedrekord' },
    );
    assert.deepEqual(
      { logIndex: byCert.logIndex, uuid: byCert.uuid, match: byCert.match, certSubject: byCert.certSubject },
      { logIndex: keyless.entry.logIndex, uuid: keyless.id.slice(-64), match: 'certIdentity', certSubject: 'alice@example.com' },
    );
  });

  it('an issuer constraint the certificate cannot meet (no Fulcio issuer extension) matches nothing', async () => {
    const state = await freshState('issuer.json');
    const key = await freshKey('P-256');
    const cert = await makeCert({ cn: 'carol', key, sans: { email: ['carol@example.com'] } });
    await create(server.url, hashedrekord('signed by carol', { privateKey: key.privateKey, pem: cert.pem }));
    const config = dir.file('issuer.yaml', 'monitoredValues:\n  certIdentities:\n    - certSubject: carol@example\\.com\n      issuers: [https://accounts\\.example\\.com]\n');
    const r = await monitor(server.url, state, '--config', config);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
});

describe('sealhouse monitor: a misbehaving log (through a rewriting proxy)', () => {
  const onLogInfo = (edit: (info: LogInfo) => string): Proxy['rewrite'] => (path, body) => (path === '/api/v1/log' ? JSON.stringify({ ...JSON.parse(body), signedTreeHead: edit(JSON.parse(body) as LogInfo) }) : undefined);

  it('refuses a checkpoint signed by another key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const stderr = await expectInconsistencyVia('forged.json', onLogInfo((info) => signNote(checkpointText(`127.0.0.1 - ${info.treeID}`, info.treeSize, Buffer.from(info.rootHash, 'hex')), other, '127.0.0.1')), /signature does not verify with any log key/);
    assert.match(stderr, /served checkpoint: +origin "127\.0\.0\.1 - [0-9]+", size [0-9]+/);
  });

  it('refuses a tree that shrank, naming both sizes', async () => {
    const old = await logInfo();
    await addEntries(1, 'before the shrink');
    const stderr = await expectInconsistencyVia('shrunk.json', onLogInfo(() => old.signedTreeHead), /the tree shrank from size [0-9]+ to size [0-9]+/);
    assert.match(stderr, new RegExp(`served checkpoint: +origin "[^"]+", size ${old.treeSize}, root ${old.rootHash}`));
  });

  it('refuses a fork signed with the log\'s own key: same size, different root', async () => {
    const logKey = createPrivateKey(readFileSync(join(server.dataDir, 'log-key.pem')));
    let forgedRoot = '';
    const stderr = await expectInconsistencyVia(
      'fork.json',
      onLogInfo((info) => {
        const root = Buffer.from(info.rootHash, 'hex');
        root[0] = (root[0] as number) ^ 1;
        forgedRoot = root.toString('hex');
        return signNote(checkpointText(`127.0.0.1 - ${info.treeID}`, info.treeSize, root), logKey, '127.0.0.1');
      }),
      /does not extend the saved tree/,
    );
    assert.match(stderr, new RegExp(`served checkpoint: .* root ${forgedRoot}`));
  });

  it('refuses a consistency proof that does not lead to the signed root', async () => {
    await expectInconsistencyVia(
      'proof.json',
      (path, body) => {
        if (!path.startsWith('/api/v1/log/proof')) return undefined;
        const proof = JSON.parse(body) as { hashes: string[] };
        proof.hashes[0] = 'ab'.repeat(32);
        return JSON.stringify(proof);
      },
      /does not extend the saved tree at size/,
    );
  });

  it('refuses an entry whose body is not the leaf its ID and inclusion proof name', async () => {
    const watch = dir.file('any.yaml', 'monitoredValues:\n  subjects: [nobody]\n');
    await expectInconsistencyVia(
      'entry-body.json',
      (path, body) => {
        if (path !== '/api/v1/log/entries/retrieve') return undefined;
        const entries = JSON.parse(body) as Record<string, { body: string }>[];
        const first = Object.values(entries[0] ?? {})[0];
        const second = Object.values(entries[1] ?? {})[0];
        if (first && second) first.body = second.body;
        return JSON.stringify(entries);
      },
      /its ID does not end in the leaf hash of its body/,
      '--config',
      watch,
    );
  });

  it('refuses the same size with a different root (a fork at the saved size)', async () => {
    const logKey = createPrivateKey(readFileSync(join(server.dataDir, 'log-key.pem')));
    const state = dir.file('same-size.json');
    proxy.rewrite = undefined;
    assert.equal((await monitor(proxy.url, state)).status, 0);
    const before = readFileSync(state, 'utf8');
    const saved = readState(state);
    proxy.rewrite = onLogInfo((info) => signNote(checkpointText(`127.0.0.1 - ${info.treeID}`, saved.size, Buffer.alloc(32, 7)), logKey, '127.0.0.1'));
    try {
      const r = await monitor(proxy.url, state);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`two different roots are signed for size ${saved.size}`));
      assert.match(r.stderr, new RegExp(`saved checkpoint: .* size ${saved.size}, root ${saved.rootHash}`));
      assert.match(r.stderr, new RegExp(`served checkpoint: .* size ${saved.size}, root ${'07'.repeat(32)}`));
      assert.equal(readFileSync(state, 'utf8'), before);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  /** expectInconsistency with the state taken through the proxy (the state file records the URL). */
  async function expectInconsistencyVia(name: string, rewrite: Proxy['rewrite'], report: RegExp, ...extra: string[]): Promise<string> {
    const state = dir.file(name);
    proxy.rewrite = undefined;
    const first = await monitor(proxy.url, state);
    assert.equal(first.status, 0, first.stderr);
    const before = readFileSync(state, 'utf8');
    await addEntries(2, name);
    proxy.rewrite = rewrite;
    try {
      const r = await monitor(proxy.url, state, ...extra);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /LOG INCONSISTENCY/);
      assert.match(r.stderr, report);
      assert.match(r.stderr, /saved checkpoint: +origin "127\.0\.0\.1 - [0-9]+", size [0-9]+, root [0-9a-f]{64}/);
      assert.match(r.stderr, /was not advanced/);
      assert.equal(readFileSync(state, 'utf8'), before, 'the state file is not advanced');
      return r.stderr;
    } finally {
      proxy.rewrite = undefined;
    }
  }
});

describe('sealhouse monitor: operational failures', () => {
  it('without --once it runs a round every --interval and stops cleanly on SIGTERM', async () => {
    const state = dir.file('loop.json');
    const child = spawn(process.execPath, [CLI_MAIN, 'monitor', '--url', server.url, '--trusted-root', trustedRoot, '--state', state, '--interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const seen = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${stderr}`)), 60_000);
        const check = (): void => {
          if (re.test(stderr)) {
            clearTimeout(timer);
            child.stderr.off('data', check);
            resolve();
          }
        };
        child.stderr.on('data', check);
        check();
      });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await seen(/on first use/);
      const size = readState(state).size;
      await addEntries(2, 'loop');
      // The two entries may land in one round or two: wait for the round that reaches both.
      await seen(new RegExp(`consistent: size [0-9]+ → ${size + 2} `));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(readState(state).size, (await logInfo()).treeSize);
  });

  it('--once exits 3 on an unreachable log, after retrying, and leaves the state alone', async () => {
    // A log that was there for the first run and is gone for the second.
    const vanishing = await startProxy(server.url);
    const state = dir.file('unreachable.json');
    assert.equal((await monitor(vanishing.url, state)).status, 0);
    const before = readFileSync(state, 'utf8');
    await vanishing.close();
    const started = Date.now();
    const r = await monitor(vanishing.url, state);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /the log is unreachable: GET http:\/\/127\.0\.0\.1:[0-9]+\/api\/v1\/log: .*gave up after 2 attempts/);
    assert.match(r.stderr, /retrying in 500 ms \(attempt 2 of 2\)/);
    assert.ok(Date.now() - started < 20_000, 'it does not hang');
    assert.equal(readFileSync(state, 'utf8'), before);
  });

  it('refuses a state file recorded for another log URL', async () => {
    const state = await freshState('other-url.json');
    const r = await monitor(proxy.url, state);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /records log http:\/\/127\.0\.0\.1:[0-9]+, not http:\/\/127\.0\.0\.1:[0-9]+/);
  });

  it('refuses a hand-edited state file instead of trusting it', async () => {
    const state = await freshState('edited.json');
    const doc = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
    doc.rootHash = '00'.repeat(32);
    dir.file('edited.json', doc);
    const r = await monitor(server.url, state);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /was edited/);
  });

  it('usage mistakes exit 2; an unreadable trusted root or a bad watch config exit 1 with one line', async () => {
    const noUrl = await runCli(['monitor', '--trusted-root', trustedRoot]);
    assert.equal(noUrl.status, 2);
    assert.match(noUrl.stderr, /needs --url/);
    const badInterval = await runCli(['monitor', '--url', server.url, '--trusted-root', trustedRoot, '--interval', '0']);
    assert.equal(badInterval.status, 2);
    const noRoot = await runCli(['monitor', '--url', server.url, '--trusted-root', dir.file('missing.json'), '--once']);
    assert.equal(noRoot.status, 1);
    assert.match(noRoot.stderr, /cannot read the trusted root/);
    const badConfig = await runCli(['monitor', '--url', server.url, '--trusted-root', trustedRoot, '--once', '--config', dir.file('bad.yaml', 'monitoredValues:\n  certIdentites: []\n')]);
    assert.equal(badConfig.status, 1);
    assert.match(badConfig.stderr, /unknown key\(s\) under monitoredValues: certIdentites/);
    assert.doesNotMatch(badConfig.stderr, /at .*\.js:/, 'no stack trace');
  });
});
