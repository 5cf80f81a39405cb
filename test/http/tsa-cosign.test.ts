/**
 * cosign v3 (sigstore-go) against the TSA of a live server: `sign-blob --timestamp-server-url`
 * sends sigstore-go's DER TimeStampReq (pkg/sign/timestamping.go), and `verify-blob
 * --use-signed-timestamps` checks the token with timestamp-authority's verifier
 * (pkg/verification, through sigstore-go pkg/root/timestamping_authority.go) given only the
 * served trusted_root.json. The negative twin: a root naming another TSA fails the threshold.
 * Key-signed and without a log, so the timestamp is the only thing that can meet the threshold.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateGoBin, run } from '../helpers/go-clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTsa } from '../tsa/fixtures.js';

const go = locateGoBin(['cosign']);

describe('cosign sign-blob / verify-blob with the TSA', { skip: go.skip, timeout: 180_000 }, () => {
  let server: TestServer;
  let home: string;
  let env: Record<string, string>;
  const cosign = (args: string[]) => run(join(go.dir, 'cosign'), args, env, 90_000);
  const file = (name: string): string => join(home, name);

  before(async () => {
    server = await startTestServer();
    home = mkdtempSync(join(tmpdir(), 'sealhouse-tsa-cosign-'));
    // No TUF, no user state: everything cosign trusts comes from the files given to it.
    env = { HOME: home, TUF_ROOT: join(home, 'tuf'), COSIGN_PASSWORD: '' };
    writeFileSync(file('blob.txt'), 'a blob cosign timestamps through Sealhouse\n');
    writeFileSync(file('trusted_root.json'), await (await fetch(`${server.url}/trusted_root.json`)).text());
    const keys = await cosign(['generate-key-pair', '--output-key-prefix', file('cosign')]);
    assert.equal(keys.code, 0, keys.stderr);
  });
  after(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('signs with a timestamp from our TSA and verifies it offline with the served trusted root; another TSA\'s root refuses it', async () => {
    const signed = await cosign([
      'sign-blob', '--yes', '--key', file('cosign.key'), '--tlog-upload=false', '--use-signing-config=false',
      '--timestamp-server-url', `${server.url}/api/v1/timestamp`, '--bundle', file('bundle.json'), file('blob.txt'),
    ]);
    assert.equal(signed.code, 0, signed.stderr);

    const verifyWith = (root: string) =>
      cosign(['verify-blob', '--key', file('cosign.pub'), '--bundle', file('bundle.json'), '--trusted-root', root, '--use-signed-timestamps', '--insecure-ignore-tlog', file('blob.txt')]);
    const ok = await verifyWith(file('trusted_root.json'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr + ok.stdout, /Verified OK/);

    const root = JSON.parse(await (await fetch(`${server.url}/trusted_root.json`)).text()) as { timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[] };
    const [authority] = root.timestampAuthorities;
    assert.ok(authority);
    authority.certChain.certificates = makeTsa().material.chain.map((der) => ({ rawBytes: der.toString('base64') }));
    writeFileSync(file('other_root.json'), JSON.stringify(root));
    const refused = await verifyWith(file('other_root.json'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /threshold not met for verified signed timestamps: 0 < 1/);
  });
});
