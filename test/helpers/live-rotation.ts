/**
 * Helpers for the rotation-under-load tests (test/ca, test/tsa, test/ct *-rotation-live): a
 * steady stream of requests against a running server that records every failure, a certificate
 * request through the Fulcio API with the dev issuer's token, `sealhouse rotate` as a separate
 * process (asynchronously: the server runs in the test's process and must keep answering), and
 * the trusted root a client should hold after the rotation, built from the database.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { logShards } from '../../src/storage/log-shards.js';
import { shardPath } from '../../src/core/shard-paths.js';
import type { Queryable } from '../../src/storage/sql.js';
import { CLI_MAIN } from './cli.js';

const runAsync = promisify(execFile);

export interface LoadResult {
  readonly ok: number;
  readonly failures: string[];
}

/** `concurrency` loops each calling `request` until stopped; what each answered is kept by `request` itself. */
export function steadyLoad(concurrency: number, request: () => Promise<void>): { stop(): Promise<LoadResult>; readonly ok: number } {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        await request();
        ok++;
      } catch (err) {
        failures.push((err as Error).message);
      }
      // In-process PGlite answers through microtasks alone: without a turn of the event loop
      // here, several loops keep the group commit busy forever and no timer (the test's) runs.
      await new Promise((r) => setImmediate(r));
    }
  });
  return {
    get ok() {
      return ok;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ok, failures };
    },
  };
}

/** One certificate for a fresh P-256 key through POST /api/v2/signingCert; returns [leaf, issuer, …] as X509Certificates. */
export async function requestCertificate(url: string, token: string, email: string): Promise<X509Certificate[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const res = await fetch(`${url}/api/v2/signingCert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(email), privateKey).toString('base64') },
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`signingCert answered ${res.status}: ${text}`);
  const chain = (JSON.parse(text) as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } }).signedCertificateEmbeddedSct.chain.certificates;
  return chain.map((pem) => new X509Certificate(pem));
}

/** `sealhouse rotate <args>` in its own process against the same store; resolves with its stdout. */
export async function rotateInAnotherProcess(args: readonly string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await runAsync(process.execPath, [CLI_MAIN, 'rotate', ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
  return stdout;
}

/** `sealhouse trust-root` in its own process: the CA and TSA epochs as the database records them now. */
export async function trustRootFromCli(env: Record<string, string>): Promise<Record<string, unknown>> {
  const { stdout } = await runAsync(process.execPath, [CLI_MAIN, 'trust-root'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Poll `check` until it holds (or fail after `ms`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface CtLogJson {
  baseUrl: string;
  hashAlgorithm: string;
  publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } };
  logId: { keyId: string };
}

/**
 * The trusted root's ctlogs as they should read once the trust documents list every shard (the
 * coordinator's rewrite of src/trust): one entry per shard of 'ct', at its shard path, its key's
 * validFor from the shard's start to its freeze. `served` supplies the fields that do not change.
 */
export async function withCtShards(sql: Queryable, served: { ctlogs: CtLogJson[] }, ctBase: string): Promise<{ ctlogs: CtLogJson[] }> {
  const template = served.ctlogs[0] as CtLogJson;
  const shards = await logShards(sql, 'ct');
  const ctlogs = shards.map((s, i) => {
    const spki = s.publicKey as Buffer;
    const start = i === 0 ? template.publicKey.validFor.start : s.activeFrom.toISOString();
    return {
      ...template,
      baseUrl: `${ctBase}${shardPath(s.ordinal)}`,
      publicKey: { ...template.publicKey, rawBytes: spki.toString('base64'), validFor: { start, ...(s.frozenAt ? { end: s.frozenAt.toISOString() } : {}) } },
      logId: { keyId: createHash('sha256').update(spki).digest('base64') },
    };
  });
  return { ...served, ctlogs };
}
