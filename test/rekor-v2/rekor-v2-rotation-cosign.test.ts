/**
 * cosign v3 (sigstore-go) across a Rekor v2 key rotation: a blob signed before `sealhouse rotate
 * rekor-v2` and one signed after it with a signing config naming shard 2's URL, both verified
 * offline against the trusted root the server then serves, which lists both shards (shard 1
 * with its window closed at the freeze; shard 2 at <base>/shards/2 with its key), signing
 * through the served signing config, which names shard 2. Rotated with the server stopped so it
 * runs on PGlite too. sigstore-go checks a v2 checkpoint against the signer name
 * url.Hostname() of the log's baseUrl, which is why every shard keeps the log's origin
 * (core/shard-paths.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { IDENTITY, startV2TsaInstance, type TrustedRootJson, type V2TsaInstance } from '../helpers/v2-tsa.js';
import { nextSecond } from '../helpers/next-second.js';

const go = locateGoBin(['cosign']);

describe('cosign v3 across a Rekor v2 key rotation', { skip: go.skip, timeout: 240_000 }, () => {
  let sh: V2TsaInstance;
  let restarted: RunningServer | undefined;
  let env: Record<string, string>;
  let tokens = 0;
  const cosign = (args: string[]): Promise<RunResult> => run(join(go.dir, 'cosign'), args, env, 120_000);
  const token = async (): Promise<string> => sh.file(`token-${tokens++}`, await sh.idp.mint());
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  const identity = (): string[] => ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', sh.idp.issuer];
  const blob = (name: string): string => {
    const path = join(sh.tmp, name);
    writeFileSync(path, `${name}: signed through Rekor v2\n`);
    return path;
  };
  let root: string;
  let signingConfig: string;

  before(async () => {
    sh = await startV2TsaInstance('sealhouse-v2-rotate-cosign-');
    env = { HOME: join(sh.tmp, 'home'), TUF_ROOT: join(sh.tmp, 'tuf') };
  });
  after(async () => {
    await restarted?.close();
    await sh?.close();
  });

  it('signs before the rotation, then rotates', async () => {
    const config = sh.file('signing_config.json', sh.signingConfig);
    const served = sh.file('trusted_root.json', sh.trustedRoot);
    ok(await cosign(['sign-blob', '--signing-config', config, '--trusted-root', served, '--identity-token', await token(), '--bundle', join(sh.tmp, 'before.sigstore.json'), '--yes', blob('before')]), 'sign-blob before');
    await sh.server.stop();
    const r = await runCli(['rotate', 'rekor-v2'], { env: { ...process.env, ...sh.server.env } });
    assert.equal(r.status, 0, r.stderr);
    restarted = await startServer(loadConfig(sh.server.env), pino({ level: 'silent' }));
    // The documents the restarted server serves: both shards, shard 1's window closed.
    const served2 = (await (await fetch(`${restarted.address}/trusted_root.json`)).json()) as TrustedRootJson;
    const v2Logs = served2.tlogs.filter((t) => t.publicKey.keyDetails === 'PKIX_ED25519');
    assert.equal(v2Logs.length, 2);
    assert.ok((v2Logs[0]?.publicKey as { validFor?: { end?: string } } | undefined)?.validFor?.end, 'the frozen shard has an end');
    assert.equal(v2Logs[1]?.baseUrl, `${v2Logs[0]?.baseUrl}/shards/2`);
    root = sh.file('served-root.json', served2);
    signingConfig = sh.file('served-signing-config.json', await (await fetch(`${restarted.address}/signing_config.json`)).json());
  });

  it('verifies the bundle from the frozen shard 1 against a root listing both shards', async () => {
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', join(sh.tmp, 'before.sigstore.json'), '--use-signed-timestamps', ...identity(), join(sh.tmp, 'before')]), 'verify-blob before');
  });

  it('signs through shard 2, as the served signing config now says, and verifies that bundle against the served root', async () => {
    ok(await cosign(['sign-blob', '--signing-config', signingConfig, '--trusted-root', root, '--identity-token', await token(), '--bundle', join(sh.tmp, 'after.sigstore.json'), '--yes', blob('after')]), 'sign-blob after');
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', join(sh.tmp, 'after.sigstore.json'), '--use-signed-timestamps', ...identity(), join(sh.tmp, 'after')]), 'verify-blob after');
  });

  it('rotates again to a log with a host name of its own (--url): its origin is that host, cosign signs through it, and every bundle verifies', async () => {
    const firstV2 = (JSON.parse(readFileSync(root, 'utf8')) as TrustedRootJson).tlogs.find((t) => t.publicKey.keyDetails === 'PKIX_ED25519');
    const own = `http://127.0.0.2:${new URL(firstV2?.baseUrl ?? '').port}`;
    await nextSecond(); // shard 2 may have started in this very second
    // The running server holds the embedded store: the CLI hands the rotation over (control socket); on Postgres it rotates itself.
    const r = await runCli(['rotate', 'rekor-v2', '--url', own], { env: { ...process.env, ...sh.server.env } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /shard 3 \(tree \d+\) takes entries at http:\/\/127\.0\.0\.2:\d+ \(origin 127\.0\.0\.2\)/);
    let config: { rekorTlogUrls: { url: string; majorApiVersion: number }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      config = (await (await fetch(`${restarted?.address ?? ''}/signing_config.json`)).json()) as typeof config;
      if (config?.rekorTlogUrls.some((u) => u.majorApiVersion === 2 && u.url === own)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(config?.rekorTlogUrls.some((u) => u.majorApiVersion === 2 && u.url === own), 'the signing config names the new host');
    const served3 = (await (await fetch(`${restarted?.address ?? ''}/trusted_root.json`)).json()) as TrustedRootJson;
    assert.deepEqual(served3.tlogs.filter((t) => t.publicKey.keyDetails === 'PKIX_ED25519').map((t) => t.baseUrl).slice(-1), [own]);
    const root3 = sh.file('served-root-3.json', served3);
    ok(await cosign(['sign-blob', '--signing-config', sh.file('served-signing-config-3.json', config), '--trusted-root', root3, '--identity-token', await token(), '--bundle', join(sh.tmp, 'own-host.sigstore.json'), '--yes', blob('own-host')]), 'sign-blob through the new host');
    const bundle = JSON.parse(readFileSync(join(sh.tmp, 'own-host.sigstore.json'), 'utf8')) as { verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] } };
    assert.match(bundle.verificationMaterial.tlogEntries[0]?.inclusionProof.checkpoint.envelope ?? '', /^127\.0\.0\.2\n/);
    for (const name of ['before', 'after', 'own-host']) {
      ok(await cosign(['verify-blob', '--trusted-root', root3, '--bundle', join(sh.tmp, `${name}.sigstore.json`), '--use-signed-timestamps', ...identity(), join(sh.tmp, name)]), `verify-blob ${name}`);
    }
  });
});
