/**
 * A running server follows `sealhouse rotate ca` without a restart (storage/authority-follower.ts,
 * src/server.ts openCa). On both stores: the follower swaps in only the epoch the database has
 * in use, refuses files that are not that epoch (keeping the old CA), and is idempotent. On
 * Postgres: a server under a steady stream of certificate requests while another process runs
 * `rotate ca` answers every request, issues under the new intermediate within a few polls, and
 * keyless bundles signed (sigstore-js) before and after verify with the refreshed trusted root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { bundleFromJSON, type SerializedBundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { CaMaterial } from '../../src/ca/ca-keys.js';
import { bindAuthority, rotateAuthority } from '../../src/storage/authority-epochs.js';
import { AuthorityFollower } from '../../src/storage/authority-follower.js';
import { openTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db.js';
import { eventually, requestCertificate, rotateInAnotherProcess, steadyLoad, trustRootFromCli } from '../helpers/live-rotation.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeCa } from './fixtures.js';

const SIGN_KEYLESS = fileURLToPath(new URL('../../../scripts/sign-keyless.js', import.meta.url));
const runAsync = promisify(execFile);
const IDENTITY = 'live-rotation@example.test';
const wording = { what: 'CA (test)', restore: 'restore it' };

describe('a running server follows a CA rotation: the follower', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  it('swaps in the epoch in use only, refuses other files and keeps the old CA, and applies once', async () => {
    const first = makeCa().material;
    const second = makeCa().material;
    const stranger = makeCa().material;
    await bindAuthority(db.sql, 'ca', first.chain, wording);
    let files: CaMaterial = first;
    const applied: CaMaterial[] = [];
    const follower = new AuthorityFollower(db.sql, first, { kind: 'ca', what: 'the CA (test files)', load: async () => files, apply: (ca) => void applied.push(ca) });

    await follower.follow();
    assert.equal(applied.length, 0, 'nothing rotated: nothing to apply');

    await rotateAuthority(db.sql, 'ca', second.chain, new Date(Date.now() + 1500), new Date(Date.now() + 600_000));
    // The operator has not copied the new files yet: still epoch 1 there.
    await assert.rejects(follower.follow(), /ca epoch 2 is in use, but the CA \(test files\): the files there are still epoch 1; still signing with epoch 1, valid until .*put the new files in place/);
    files = stranger;
    await assert.rejects(follower.follow(), /the files there are no recorded epoch; still signing with epoch 1/);
    // A load that fails (a file half renamed) is "not yet" too, not a crash.
    const failing = new AuthorityFollower(db.sql, first, { kind: 'ca', what: 'the CA (gone)', load: () => Promise.reject(new Error('ENOENT chain.pem')), apply: () => assert.fail('must not apply') });
    await assert.rejects(failing.follow(), /cannot load it yet \(ENOENT chain\.pem\)/);
    assert.equal(failing.current, first);
    files = second;
    assert.equal(follower.current, first, 'the old CA signs until the new files are in place');
    assert.equal(applied.length, 0);

    await follower.follow();
    assert.deepEqual(applied, [second]);
    assert.equal(follower.current, second);
    await follower.follow();
    assert.equal(applied.length, 1, 'idempotent: the state applied is the state recorded');
  });
});

describe('a running server follows `sealhouse rotate ca` under load', { timeout: 240_000, skip: usingPostgres() ? false : 'needs `sealhouse rotate` in another process on the same database; the embedded PGlite store is single-process' }, () => {
  let server: TestServer;
  let dir: string;
  const artifact = (): string => join(dir, 'artifact.txt');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealhouse-ca-live-'));
    writeFileSync(artifact(), 'signed before and after a live CA rotation\n');
    server = await startTestServer({ SEALHOUSE_DEV_OIDC: '1', SEALHOUSE_ROTATION_POLL_MS: '200' });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (): Promise<string> => (server.running.ca.keys.devIssuer as NonNullable<typeof server.running.ca.keys.devIssuer>).mint({ email: IDENTITY, ttlSeconds: 3600 });

  async function signedBundle(): Promise<SerializedBundle> {
    const signed = await runAsync(process.execPath, [SIGN_KEYLESS, artifact(), '--url', server.url, '--token', await token()], { encoding: 'utf8' });
    return JSON.parse(signed.stdout) as SerializedBundle;
  }

  function sigstoreJsVerify(root: unknown, bundle: SerializedBundle): void {
    new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle), readFileSync(artifact())));
  }

  it('answers every certificate request across the rotation and issues under the new intermediate without a restart', async () => {
    const before1 = await signedBundle();
    const oldIntermediate = new X509Certificate(readFileSync(join(server.dataDir, 'ca', 'intermediate.pem')));
    const jwt = await token();
    const issuers: string[] = [];
    const load = steadyLoad(4, async () => {
      const chain = await requestCertificate(server.url, jwt, IDENTITY);
      issuers.push((chain[1] as X509Certificate).fingerprint256);
    });
    await eventually('some certificates were issued', () => load.ok >= 20);

    const out = await rotateInAnotherProcess(['ca', '--grace', '10m'], server.env);
    assert.match(out, /CA epoch 2 is in use from .*; epoch 1 stays valid until [^]*Running servers switch within SEALHOUSE_ROTATION_POLL_MS .* without a restart/);
    const newIntermediate = new X509Certificate(readFileSync(join(server.dataDir, 'ca', 'intermediate.pem')));
    assert.notEqual(newIntermediate.fingerprint256, oldIntermediate.fingerprint256);
    await eventually('the server issues under the new intermediate', () => issuers.includes(newIntermediate.fingerprint256));
    const switchedAt = issuers.length;
    await eventually('more certificates after the switch', () => issuers.length >= switchedAt + 20);
    const { failures, ok } = await load.stop();

    assert.deepEqual(failures, [], 'no request failed across the rotation');
    assert.ok(ok > 40);
    assert.equal(issuers[0], oldIntermediate.fingerprint256, 'the first certificates came from the old intermediate');
    assert.deepEqual(new Set(issuers.slice(-10)), new Set([newIntermediate.fingerprint256]), 'the last ones from the new');
    assert.equal(server.running.ca.service.ca.certificate.equals(newIntermediate.raw), true);

    // Fulcio's trust bundle follows too, and sigstore-js bundles from before and after verify.
    const bundle = (await (await fetch(`${server.url}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    assert.equal(new X509Certificate(bundle.chains[0]?.certificates[0] ?? '').fingerprint256, newIntermediate.fingerprint256);
    const after1 = await signedBundle();
    // The refreshed trusted root: every epoch as the database records it (what the server will
    // serve once the trust documents are rebuilt on a watch change).
    const root = await trustRootFromCli(server.env);
    assert.equal((root.certificateAuthorities as unknown[]).length, 2);
    sigstoreJsVerify(root, before1);
    sigstoreJsVerify(root, after1);
  });
});
