/**
 * cosign v3 (sigstore-go) across a Rekor v2 key rotation: a blob signed before `sealhouse rotate
 * rekor-v2` and one signed after it with a signing config naming shard 2's URL, both verified
 * offline against a trusted root that lists both shards (shard 1 with its window closed at the
 * freeze; shard 2 at <base>/shards/2 with its key). The trusted root is built here from what the
 * server reports about its shards, because the served trust documents list the shards only once
 * the coordinator's trust/ rewrite lands. Rotated with the server stopped so it runs on PGlite too.
 *
 * Shard 2 is a TODO: sigstore-go verifies a v2 checkpoint with the note name url.Hostname() of
 * the tlog's baseUrl (pkg/verify/tlog.go), so a shard whose origin is "<host>/shards/2" is
 * refused ("note has no verifiable signatures") — cosign sign-blob already fails, since it
 * verifies the entry it got. The same test passes with shard 2's origin the bare host. Which
 * origin shards get (a hostname per shard, as rekor-tiles has, or the bare host for all) is the
 * coordinator's call (storage/shard-paths.ts); this test turns green once it is one of those.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';
import { locateGoBin, run, type RunResult } from '../helpers/go-clients.js';
import { IDENTITY, startV2TsaInstance, v2Tlog, type TrustedRootJson, type V2TsaInstance } from '../helpers/v2-tsa.js';

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

  /** Both shards in the trusted root, each with its key, log ID, base URL and validity window. */
  function bothShards(served: TrustedRootJson, running: RunningServer): TrustedRootJson {
    const copy = structuredClone(served);
    const template = v2Tlog(copy) as unknown as Record<string, unknown> & { publicKey: Record<string, unknown> };
    const base = v2Tlog(served).baseUrl;
    const shards = running.rekorV2?.shards ?? [];
    assert.equal(shards.length, 2);
    const tlogs = shards.map((s) => ({
      ...template,
      baseUrl: `${base}${s.path}`,
      publicKey: {
        ...template.publicKey,
        rawBytes: s.spki.toString('base64'),
        validFor: { start: new Date(s.activeFrom.getTime() - 60_000).toISOString(), ...(s.frozenAt ? { end: s.frozenAt.toISOString() } : {}) },
      },
      logId: { keyId: s.logId.toString('base64') },
    }));
    copy.tlogs = [...copy.tlogs.filter((t) => t.publicKey.keyDetails !== 'PKIX_ED25519'), ...(tlogs as unknown as TrustedRootJson['tlogs'])];
    return copy;
  }

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
    root = sh.file('both-shards-root.json', bothShards(sh.trustedRoot, restarted));
  });

  it('verifies the bundle from the frozen shard 1 against a root listing both shards', async () => {
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', join(sh.tmp, 'before.sigstore.json'), '--use-signed-timestamps', ...identity(), join(sh.tmp, 'before')]), 'verify-blob before');
  });

  const why = "sigstore-go names a v2 checkpoint's signer url.Hostname() of its baseUrl, and shard 2's origin is <host>/shards/2 (storage/shard-paths.ts)";
  it('signs through shard 2 and verifies that bundle against a root listing both shards', { todo: why }, async () => {
    const shard2 = {
      ...sh.signingConfig,
      rekorTlogUrls: sh.signingConfig.rekorTlogUrls.map((s) => (s.majorApiVersion === 2 ? { ...s, url: `${v2Tlog(sh.trustedRoot).baseUrl}/shards/2` } : s)),
    };
    ok(await cosign(['sign-blob', '--signing-config', sh.file('shard2-signing-config.json', shard2), '--trusted-root', root, '--identity-token', await token(), '--bundle', join(sh.tmp, 'after.sigstore.json'), '--yes', blob('after')]), 'sign-blob after');
    ok(await cosign(['verify-blob', '--trusted-root', root, '--bundle', join(sh.tmp, 'after.sigstore.json'), '--use-signed-timestamps', ...identity(), join(sh.tmp, 'after')]), 'verify-blob after');
  });
});
