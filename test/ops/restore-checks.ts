/**
 * What the backup-and-restore tests share (issue 14 item 4): an instance's settings, a populated
 * instance recorded as its clients saw it before the backup (the pinned log key and trusted root,
 * every v1 entry, monitor states of both logs, the CA root, the CT log's size), and the checks a
 * restored instance must pass against that record — using only what a client pinned before the
 * backup, so a restore that came back with other keys or another tree cannot pass.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseTlogEntry } from '../../src/core/bundle/bundle-json.js';
import { verifyTlogEntry } from '../../src/core/bundle/tlog.js';
import { parseTrustedRoot } from '../../src/core/bundle/trusted-root.js';
import type { LogEntryAnon } from '../../src/core/verify-entry.js';
import { loadConfig } from '../../src/config.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { DevOidcIssuer } from '../../src/oidc/dev-oidc.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { create, get, hashedrekord, keySigner, post, trustedLog, verifyAll, type TrustedLog } from '../http/rekor-client.js';

/** The public URL every instance here is configured with: checkpoints name host 127.0.0.1 whatever the port. */
export const PUBLIC_URL = 'http://127.0.0.1';
const EMAIL = 'backup@example.test';

/**
 * An instance's settings on `dataDir` (and a Postgres database when `databaseUrl` is given). A
 * restore keeps the instance's address, as an operator's would: a monitor's state names the log
 * by URL, so the original and its restored copies listen on the same `port`.
 */
export function instanceEnv(dataDir: string, port: number, databaseUrl = ''): Record<string, string> {
  return {
    PORT: String(port),
    SEALHOUSE_DATA_DIR: dataDir,
    SEALHOUSE_URL: PUBLIC_URL,
    SEALHOUSE_BATCH_MS: '2',
    SEALHOUSE_DEV_OIDC: '1', // a certificate can be issued without an outside identity provider
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    SEALHOUSE_DB_SCHEMA: '', // the database's own schema, whatever the calling environment says
  };
}

export const startOn = (env: Record<string, string>): Promise<RunningServer> => startServer(loadConfig(env), pino({ level: 'silent' }));

/** The instance as its clients knew it just before the backup. */
export interface Recorded {
  readonly log: TrustedLog;
  readonly treeId: string;
  readonly trustedRootPath: string;
  readonly trustedRoot: unknown;
  readonly v1: readonly { id: string; entry: LogEntryAnon }[];
  readonly v2Size: number;
  readonly monitorV1: string;
  readonly monitorV2: string;
  readonly caRoot: string;
  readonly ctSize: number;
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const treeIdOf = async (url: string): Promise<string> => (await json<{ treeID: string }>(`${url}/api/v1/log`)).treeID;
const ctSizeOf = async (url: string): Promise<number> => (await json<{ tree_size: number }>(`${url}/ct/v1/get-sth`)).tree_size;
const caRootOf = async (url: string): Promise<string> => {
  const chain = (await json<{ chains: { certificates: string[] }[] }>(`${url}/api/v2/trustBundle`)).chains[0]?.certificates ?? [];
  return chain[chain.length - 1] ?? '';
};

export const monitorOnce = (url: string, trustedRoot: string, state: string, tiles: boolean): Promise<CliResult> =>
  runCli(['monitor', ...(tiles ? ['--tiles'] : []), '--url', url, '--trusted-root', trustedRoot, '--state', state, '--once', '--retries', '2'], { timeoutMs: 60_000 });

/** A hashedrekord v0.0.2 CreateEntryRequest (rekor-tiles' protojson), signed with a fresh P-256 key. */
function v2Request(artifact: string): unknown {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from(artifact);
  return {
    hashedRekordRequestV002: {
      digest: createHash('sha256').update(data).digest('base64'),
      signature: {
        content: sign('sha256', data, privateKey).toString('base64'),
        verifier: { publicKey: { rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
      },
    },
  };
}

/** POST a v2 entry and check the answer with core against the trusted root pinned before the backup. */
async function appendV2(url: string, trustedRoot: unknown, artifact: string): Promise<number> {
  const reply = await post(url, '/api/v2/log/entries', v2Request(artifact));
  assert.equal(reply.status, 201, reply.text);
  const entry = parseTlogEntry(reply.json, 'v2 entry', '0.3');
  const result = verifyTlogEntry(nodeCrypto, entry, parseTrustedRoot(trustedRoot));
  assert.ok(result.checks.some((c) => c.includes('is included in')), result.checks.join('; '));
  return entry.logIndex;
}

/** A certificate for EMAIL from the dev issuer whose key is in `dataDir`; returns its chain (PEM). */
async function issueCertificate(url: string, dataDir: string): Promise<string[]> {
  const issuer = await DevOidcIssuer.load(dataDir, new URL(PUBLIC_URL));
  const token = await issuer.mint({ email: EMAIL, ttlSeconds: 120 });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pop = (k: KeyObject): string => sign('sha256', Buffer.from(EMAIL), k).toString('base64');
  const body = {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) as string }, proofOfPossession: pop(privateKey) },
  };
  const reply = await post<{ signedCertificateEmbeddedSct?: { chain: { certificates: string[] } } }>(url, '/api/v2/signingCert', body);
  assert.equal(reply.status, 200, reply.text);
  return reply.json.signedCertificateEmbeddedSct?.chain.certificates ?? [];
}

/** Append `v1` Rekor v1 entries, `v2` Rekor v2 entries and one certificate, then record what clients pinned. */
export async function populate(url: string, dataDir: string, work: string, counts = { v1: 12, v2: 6 }): Promise<Recorded> {
  const trustedRoot = await json<unknown>(`${url}/trusted_root.json`);
  const trustedRootPath = join(work, 'trusted_root.json');
  writeFileSync(trustedRootPath, JSON.stringify(trustedRoot));
  const log = await trustedLog(url);
  const v1: { id: string; entry: LogEntryAnon }[] = [];
  for (let i = 0; i < counts.v1; i++) {
    const { id, entry } = await create(url, hashedrekord(`backup v1 ${i} ${work}`, keySigner()));
    verifyAll(id, entry, log);
    v1.push({ id, entry });
  }
  for (let i = 0; i < counts.v2; i++) assert.equal(await appendV2(url, trustedRoot, `backup v2 ${i} ${work}`), i);
  const chain = await issueCertificate(url, dataDir);
  const caRoot = await caRootOf(url);
  assert.equal(chain[chain.length - 1], caRoot, 'the certificate chains to the CA root');
  // The monitors' states: the checkpoints a follower verified before the backup.
  const monitorV1 = join(work, 'monitor-v1.json');
  const monitorV2 = join(work, 'monitor-v2.json');
  for (const [state, tiles] of [[monitorV1, false], [monitorV2, true]] as const) {
    const r = await monitorOnce(url, trustedRootPath, state, tiles);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  return { log, treeId: await treeIdOf(url), trustedRootPath, trustedRoot, v1, v2Size: counts.v2, monitorV1, monitorV2, caRoot, ctSize: await ctSizeOf(url) };
}

/**
 * The restored instance answers as the original did: every v1 entry read back verifies (SET,
 * inclusion, checkpoint) with the pinned key; new v1 and v2 appends continue the same trees
 * (same tree ID, next index, proofs under the pinned keys); both monitors prove the new
 * checkpoints consistent with the ones seen before the backup; the CA issues under the same root
 * and the CT log grows.
 */
export async function checkRestored(url: string, dataDir: string, rec: Recorded): Promise<void> {
  assert.equal(await treeIdOf(url), rec.treeId, 'the same Rekor tree');
  assert.ok((await trustedLog(url)).spki.equals(rec.log.spki), 'the same log key');
  for (const [index, { id, entry }] of rec.v1.entries()) {
    const reply = await get<Record<string, LogEntryAnon>>(url, `/api/v1/log/entries?logIndex=${index}`);
    assert.equal(reply.status, 200, reply.text);
    const read = reply.json[id];
    assert.ok(read, `entry ${index} is ${id}`);
    assert.equal(read.body, entry.body);
    assert.equal(read.verification?.signedEntryTimestamp, entry.verification?.signedEntryTimestamp, `entry ${index}: the SET signed before the backup`);
    verifyAll(id, read, rec.log);
  }
  const next = await create(url, hashedrekord(`after restore ${dataDir}`, keySigner()));
  assert.equal(next.entry.logIndex, rec.v1.length, 'the v1 tree grows from where it was');
  verifyAll(next.id, next.entry, rec.log);
  assert.equal(await appendV2(url, rec.trustedRoot, `after restore ${dataDir}`), rec.v2Size, 'the v2 tree grows from where it was');

  const chain = await issueCertificate(url, dataDir);
  assert.equal(chain[chain.length - 1], rec.caRoot, 'the same CA root');
  assert.equal(await ctSizeOf(url), rec.ctSize + 1, 'the CT log grows from where it was');

  for (const [state, tiles] of [[rec.monitorV1, false], [rec.monitorV2, true]] as const) {
    const r = await monitorOnce(url, rec.trustedRootPath, state, tiles);
    assert.equal(r.status, 0, `monitor${tiles ? ' --tiles' : ''}: ${r.stdout}${r.stderr}`);
  }
}

/** `sealhouse fsck` on the stopped instance: exit 0, and the Rekor tree holds `entries`. */
export async function assertFsckClean(env: Record<string, string>, entries: number): Promise<void> {
  const r = await runCli(['fsck'], { env: { ...process.env, ...env }, timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`rekor tree \\d+: ${entries} entries`));
  assert.match(r.stdout, /: clean \(/);
}

/**
 * `sealhouse serve` on `env`, expected to refuse to start: its exit code and its one stderr line
 * (no stack trace). A server that did start is killed by the timeout and fails the caller.
 */
export async function refusedStart(env: Record<string, string>): Promise<{ status: number | null; line: string }> {
  const r = await runCli(['serve'], { env: { ...process.env, ...env }, timeoutMs: 45_000 });
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}${r.stdout}`);
  return { status: r.status, line: lines[0] as string };
}
