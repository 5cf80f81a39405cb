/**
 * A running server follows `sealhouse rotate tsa` without a restart. On both stores: the
 * TimestampSigner signs with the new TSA from the next token once the follower has seen the
 * epoch in use in files that are that epoch; files that are not leave the old TSA signing. On
 * Postgres: a server answering a steady stream of timestamp requests while another process runs
 * `rotate tsa` answers every one, then signs with the new TSA (and serves its chain), and bundles
 * timestamped before and after verify through sigstore-js with the refreshed trusted root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON, bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { PublicKey, TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { bindAuthority, rotateAuthority } from '../../src/storage/authority-epochs.js';
import { rotateWhenSecondFree } from '../../src/storage/rotation-second.js';
import { AuthorityFollower } from '../../src/storage/authority-follower.js';
import { parseJsonTimestampRequest } from '../../src/tsa/timestamp-request.js';
import { TimestampSigner } from '../../src/tsa/timestamp-signer.js';
import type { TsaMaterial } from '../../src/tsa/tsa-keys.js';
import { openTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db.js';
import { eventually, rotateInAnotherProcess, steadyLoad, trustRootFromCli } from '../helpers/live-rotation.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTsa } from './fixtures.js';

const artifact = Buffer.from('timestamped before and after a live TSA rotation\n');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const HINT = 'tsa-live-rotation-key';
const request = (): { artifactHash: string; hashAlgorithm: string; certificates: boolean } => ({ artifactHash: randomBytes(32).toString('base64'), hashAlgorithm: 'sha256', certificates: true });
/** With certificates: true the token carries the TSA's certificate: which TSA signed it. */
const signedBy = (token: Buffer, leaf: Buffer): boolean => token.includes(leaf);

describe('a TSA rotation in the second the authority in use started', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  it('is refused with what to do, and the same rotation a second later is accepted', async () => {
    const [first, second, third] = [makeTsa().material, makeTsa().material, makeTsa().material];
    await bindAuthority(db.sql, 'tsa', first.chain, { what: 'TSA (test)', restore: 'restore it' });
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000); // a whole second, so at + 500 ms is the same one
    await rotateAuthority(db.sql, 'tsa', second.chain, at);
    // Windows are whole seconds: epoch 3 opening in the second epoch 2 opened would leave epoch 2 none.
    await assert.rejects(rotateAuthority(db.sql, 'tsa', third.chain, new Date(at.getTime() + 500)), /the tsa authority in use only started at .*: rotate again in a second/);
    const epochs = await rotateAuthority(db.sql, 'tsa', third.chain, new Date(at.getTime() + 1000));
    assert.deepEqual(
      epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
  });

  it('is done a second later by `sealhouse rotate` (rotateWhenSecondFree) instead of failing', async () => {
    const own = await openTestDatabase(); // the test above left an epoch opening in the future
    try {
      const [first, second, third] = [makeTsa().material, makeTsa().material, makeTsa().material];
      await bindAuthority(own.sql, 'tsa', first.chain, { what: 'TSA (test)', restore: 'restore it' });
      const rotate = (chain: readonly Buffer[]) => rotateWhenSecondFree((at) => rotateAuthority(own.sql, 'tsa', chain, at));
      await rotate(second.chain);
      const epochs = await rotate(third.chain); // most likely in the second the one before opened
      const [before, newest] = epochs.slice(-2);
      assert.equal(newest?.epoch, 3);
      assert.ok(newest && before && newest.validFrom > before.validFrom, 'each rotation opens a second of its own');
    } finally {
      await own.close();
    }
  });
});

describe('a running server follows a TSA rotation: the signer and its follower', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  it('keeps signing with the old TSA while the files are not the epoch in use, then signs with the new one', async () => {
    const first = makeTsa().material;
    const second = makeTsa().material;
    const signer = new TimestampSigner(first);
    await bindAuthority(db.sql, 'tsa', first.chain, { what: 'TSA (test)', restore: 'restore it' });
    let files: TsaMaterial = first;
    const follower = new AuthorityFollower(db.sql, first, { kind: 'tsa', what: 'the timestamp authority (test files)', load: async () => files, apply: (m) => signer.use(m) });
    await rotateAuthority(db.sql, 'tsa', second.chain, new Date(Date.now() + 1500), new Date(Date.now() + 600_000));

    await assert.rejects(follower.follow(), /tsa epoch 2 is in use, but the timestamp authority \(test files\): the files there are still epoch 1/);
    assert.ok(signedBy(signer.issue(parseJsonTimestampRequest(request())).response, first.chain[0] as Buffer), 'the old TSA still signs');
    assert.equal(signer.chainPem, first.chainPem);

    files = second;
    await follower.follow();
    await follower.follow(); // idempotent
    const token = signer.issue(parseJsonTimestampRequest(request())).response;
    assert.ok(signedBy(token, second.chain[0] as Buffer) && !signedBy(token, first.chain[0] as Buffer), 'the new TSA signs the next token');
    assert.equal(signer.chainPem, second.chainPem);
  });
});

async function timestampedBundle(baseUrl: string): Promise<SerializedBundle> {
  const builder = new MessageSignatureBundleBuilder({
    signer: { sign: async (data: Buffer) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string, hint: HINT } }) },
    witnesses: [new TSAWitness({ tsaBaseURL: baseUrl })],
  });
  return bundleToJSON(await builder.create({ data: artifact }));
}

function sigstoreJsVerify(trustedRoot: unknown, bundle: SerializedBundle): void {
  const keys = { [HINT]: PublicKey.fromJSON({ rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } }) };
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle), artifact));
}

describe('a running server follows `sealhouse rotate tsa` under load', { timeout: 180_000, skip: usingPostgres() ? false : 'needs `sealhouse rotate` in another process on the same database; the embedded PGlite store is single-process' }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SEALHOUSE_ROTATION_POLL_MS: '200' });
  });
  after(() => server?.close());

  const leafIn = (dir: string): Buffer => new X509Certificate(readFileSync(join(dir, 'chain.pem'))).raw;

  it('answers every timestamp request across the rotation and signs with the new TSA without a restart', async () => {
    const before1 = await timestampedBundle(server.url);
    const oldLeaf = leafIn(join(server.dataDir, 'tsa'));
    const tokens: Buffer[] = [];
    const load = steadyLoad(4, async () => {
      const res = await fetch(`${server.url}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request()) });
      if (res.status !== 200) throw new Error(`timestamp answered ${res.status}: ${await res.text()}`);
      tokens.push(Buffer.from(await res.arrayBuffer()));
    });
    await eventually('some timestamps were issued', () => load.ok >= 50);

    const out = await rotateInAnotherProcess(['tsa', '--grace', '10m'], server.env);
    assert.match(out, /timestamp authority epoch 2 is in use from .*; epoch 1 stays valid until [^]*without a restart/);
    const newLeaf = leafIn(join(server.dataDir, 'tsa'));
    assert.ok(!newLeaf.equals(oldLeaf));
    await eventually('the server signs with the new TSA', () => tokens.some((t) => signedBy(t, newLeaf)));
    const switchedAt = tokens.length;
    await eventually('more timestamps after the switch', () => tokens.length >= switchedAt + 50);
    const { failures } = await load.stop();

    assert.deepEqual(failures, [], 'no timestamp request failed across the rotation');
    assert.ok(signedBy(tokens[0] as Buffer, oldLeaf), 'the first tokens by the old TSA');
    assert.ok(tokens.slice(-20).every((t) => signedBy(t, newLeaf)), 'the last ones by the new');
    const chainPem = await (await fetch(`${server.url}/api/v1/timestamp/certchain`)).text();
    assert.ok(new X509Certificate(chainPem).raw.equals(newLeaf), 'certchain serves the new TSA');

    const after1 = await timestampedBundle(server.url);
    const root = await trustRootFromCli(server.env);
    assert.equal((root.timestampAuthorities as unknown[]).length, 2);
    sigstoreJsVerify(root, before1);
    sigstoreJsVerify(root, after1);
    // The bundle from after the switch is the new TSA's: with only the new one trusted it still
    // verifies, and the one from before does not.
    const onlyNew = { ...root, timestampAuthorities: (root.timestampAuthorities as { validFor: { end?: string } }[]).filter((t) => t.validFor.end === undefined) };
    sigstoreJsVerify(onlyNew, after1);
    assert.throws(() => sigstoreJsVerify(onlyNew, before1));
  });
});
