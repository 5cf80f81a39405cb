/**
 * What the real-client tests of the 2026 stack (Rekor v2 + RFC 3161 TSA, issue 11 item 5) share:
 * a live Sealhouse with a separate OIDC issuer and the two trust documents it serves; the shape a
 * v2 + TSA bundle must have whichever client wrote it; the negative twins' trusted roots (another
 * TSA chain, another v2 checkpoint key); and `sealhouse verify-bundle` run on a client's bundle.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimestampToken } from '../../src/core/bundle/rfc3161.js';
import { generateTsaChain } from '../../src/tsa/tsa-chain.js';
import { freePort, startOidcIssuer, type OidcIssuerProcess } from '../fixtures/oidc-issuer-process.js';
import { runCli, type CliResult } from './cli.js';
import { startTestServer, type TestServer } from './server.js';

export const IDENTITY = 'alice@example.test';

interface TlogJson {
  baseUrl: string;
  publicKey: { rawBytes: string; keyDetails: string };
  logId: { keyId: string };
}
export interface TrustedRootJson {
  tlogs: TlogJson[];
  timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  [k: string]: unknown;
}
interface ServiceJson {
  url: string;
  majorApiVersion: number;
}
export interface SigningConfigJson {
  rekorTlogUrls: ServiceJson[];
  tsaUrls: ServiceJson[];
  [k: string]: unknown;
}

export interface V2TsaInstance {
  readonly idp: OidcIssuerProcess;
  readonly server: TestServer;
  readonly trustedRoot: TrustedRootJson;
  readonly signingConfig: SigningConfigJson;
  /** A scratch directory for tokens, bundles and trust files; removed by close(). */
  readonly tmp: string;
  /** Write `json` into tmp under `name`; returns the path. */
  file(name: string, json: unknown): string;
  close(): Promise<void>;
}

/**
 * Sealhouse with its defaults (Rekor v2 and the TSA on), on a real port so the documents it
 * serves name it, trusting a separate OIDC issuer process as an e-mail issuer; `env` adds
 * server settings (SEALHOUSE_DEV_OIDC=1 for `sealhouse dev-token`).
 */
export async function startV2TsaInstance(prefix: string, env: Record<string, string> = {}): Promise<V2TsaInstance> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const idp = await startOidcIssuer();
  const port = await freePort();
  const server = await startTestServer({ SEALHOUSE_OIDC_CONFIG: idp.writeConfig(tmp), PORT: String(port), SEALHOUSE_URL: `http://127.0.0.1:${port}`, ...env });
  const trustedRoot = (await (await fetch(`${server.url}/trusted_root.json`)).json()) as TrustedRootJson;
  const signingConfig = (await (await fetch(`${server.url}/signing_config.json`)).json()) as SigningConfigJson;
  return {
    idp,
    server,
    trustedRoot,
    signingConfig,
    tmp,
    file(name, json) {
      const path = join(tmp, name);
      writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
      return path;
    },
    async close() {
      await server.close();
      await idp.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** What the served documents must offer for these tests to mean anything: v2 and a TSA. */
export function assertOffersV2AndTsa(instance: V2TsaInstance): void {
  const { signingConfig, trustedRoot } = instance;
  assert.ok(signingConfig.rekorTlogUrls.some((s) => s.majorApiVersion === 2), `signing_config.json offers no Rekor v2: ${JSON.stringify(signingConfig.rekorTlogUrls)}`);
  assert.ok(signingConfig.tsaUrls.length > 0, 'signing_config.json offers no TSA');
  assert.ok(trustedRoot.timestampAuthorities.length > 0, 'trusted_root.json lists no timestamp authority');
  v2Tlog(trustedRoot);
}

/** The v2 log in a trusted root: the one with an Ed25519 key (v1 and CT keys are ECDSA). */
export function v2Tlog(root: TrustedRootJson): TlogJson {
  const v2 = root.tlogs.filter((t) => t.publicKey.keyDetails === 'PKIX_ED25519');
  assert.equal(v2.length, 1, `expected one Ed25519 (Rekor v2) tlog in the trusted root, found ${v2.length}`);
  return v2[0] as TlogJson;
}

/** The signing config narrowed to the v2 log (for clients that do not pick the highest version). */
export function v2OnlySigningConfig(config: SigningConfigJson): SigningConfigJson {
  return { ...config, rekorTlogUrls: config.rekorTlogUrls.filter((s) => s.majorApiVersion === 2) };
}

interface BundleJson {
  verificationMaterial: {
    tlogEntries: {
      logIndex: string;
      logId: { keyId: string };
      kindVersion: { kind: string; version: string };
      integratedTime?: string;
      inclusionPromise?: unknown;
      inclusionProof?: { checkpoint?: { envelope: string }; treeSize: string; logIndex: string };
      canonicalizedBody: string;
    }[];
    timestampVerificationData?: { rfc3161Timestamps?: { signedTimestamp: string }[] };
  };
  messageSignature?: { signature: string };
  dsseEnvelope?: { signatures: { sig: string }[] };
}

/**
 * A bundle made through Rekor v2 + the TSA: exactly one tlog entry, hashedrekord 0.0.2 from our
 * v2 log (logId = its note key ID), no SET and no integrated time (v2 has neither), a proof to a
 * checkpoint whose origin is the v2 origin, and an RFC 3161 timestamp over the signature bytes.
 */
export function assertV2TsaBundle(bundle: unknown, root: TrustedRootJson): void {
  const b = bundle as BundleJson;
  const entries = b.verificationMaterial.tlogEntries;
  assert.equal(entries.length, 1, 'one tlog entry');
  const entry = entries[0]!;
  assert.deepEqual(entry.kindVersion, { kind: 'hashedrekord', version: '0.0.2' }, 'the entry is a Rekor v2 hashedrekord');
  assert.equal(entry.logId.keyId, v2Tlog(root).logId.keyId, 'the entry names our v2 log');
  assert.ok(!entry.integratedTime || entry.integratedTime === '0', `a v2 entry has no integrated time, got ${entry.integratedTime}`);
  assert.ok(!entry.inclusionPromise, 'a v2 entry has no SET');
  const envelope = entry.inclusionProof?.checkpoint?.envelope ?? '';
  assert.equal(envelope.split('\n')[0], new URL(v2Tlog(root).baseUrl).hostname, 'the checkpoint origin is the v2 log’s bare host');
  assert.equal(JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString()).apiVersion, '0.0.2');

  const stamps = b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  assert.equal(stamps.length, 1, 'one RFC 3161 timestamp');
  const token = parseTimestampToken(Buffer.from(stamps[0]!.signedTimestamp, 'base64'));
  const signature = b.messageSignature?.signature ?? b.dsseEnvelope?.signatures[0]?.sig;
  assert.ok(signature, 'the bundle has a signature');
  assert.equal(token.imprintHash, 'sha256');
  assert.deepEqual(Buffer.from(token.imprint), createHash('sha256').update(Buffer.from(signature, 'base64')).digest(), 'the timestamp covers the signature bytes');
  assert.ok(Math.abs(token.genTime.getTime() - Date.now()) < 10 * 60_000, `the timestamp is recent, got ${token.genTime.toISOString()}`);
}

/**
 * A TSA chain [leaf, root] of nobody we trust, made by the same generator as our own TSA's (so it
 * has exactly a real one's shape: leaf with a critical EKU timeStamping, root a CA) and valid from
 * a day ago, so a client refusing a timestamp against it can only be refusing the signer.
 */
export function otherTsaChain(): Buffer[] {
  const dayAgo = new Date(Date.now() - 86_400_000);
  const key = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return generateTsaChain(key(), key(), { organization: 'other', clock: { now: () => dayAgo } });
}

/** The trusted root with its TSA's chain replaced by another authority's (same URI and validity). */
export function withOtherTsa(root: TrustedRootJson): TrustedRootJson {
  const copy = structuredClone(root);
  assert.ok(copy.timestampAuthorities[0], 'the trusted root lists no TSA to replace');
  copy.timestampAuthorities[0].certChain = { certificates: otherTsaChain().map((der) => ({ rawBytes: der.toString('base64') })) };
  return copy;
}

/**
 * The trusted root with the v2 log's key replaced by another Ed25519 key, keeping its logId (the
 * entry and checkpoint still find "their" log; only the checkpoint signature can fail).
 */
export function withOtherV2Key(root: TrustedRootJson): TrustedRootJson {
  const copy = structuredClone(root);
  const v2 = v2Tlog(copy);
  v2.publicKey.rawBytes = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return copy;
}

/** `sealhouse verify-bundle` (our own offline verifier) on a client's bundle. */
export function sealhouseVerifyBundle(args: VerifyBundleArgs): Promise<CliResult> {
  return runCli([
    'verify-bundle', '--bundle', args.bundle, '--trusted-root', args.trustedRoot,
    '--certificate-identity', args.identity ?? IDENTITY, '--certificate-oidc-issuer', args.issuer, args.artifact,
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() } });
}

export interface VerifyBundleArgs {
  readonly bundle: string;
  readonly artifact: string;
  readonly trustedRoot: string;
  readonly issuer: string;
  readonly identity?: string;
}

/**
 * Our verifier accepts a client's v2 + TSA bundle with our trusted root — proving the v2 entry
 * and dating it by the RFC 3161 timestamp — and refuses it, for the right reason, against a root
 * whose TSA is another authority and one whose v2 key is another key. `dir` holds the twin roots.
 */
export async function assertSealhouseVerifiesV2Bundle(args: VerifyBundleArgs, root: TrustedRootJson, dir: string): Promise<void> {
  const good = await sealhouseVerifyBundle(args);
  assert.equal(good.status, 0, `sealhouse verify-bundle refused the client's bundle:\n${good.stdout}\n${good.stderr}`);
  assert.match(good.stdout, /the log recorded this artifact digest, signature and signer \(hashedrekord\/0\.0\.2\)/);
  assert.match(good.stdout, /an RFC 3161 timestamp by .* dates the signature/);
  const twin = async (name: string, twinRoot: TrustedRootJson, why: RegExp): Promise<void> => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(twinRoot));
    const r = await sealhouseVerifyBundle({ ...args, trustedRoot: path });
    assert.equal(r.status, 1, `sealhouse verify-bundle accepted the bundle against ${name}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, why, `sealhouse verify-bundle refused the bundle against ${name}, but not for the expected reason`);
  };
  await twin('other-tsa-root.json', withOtherTsa(root), /does not verify against the trusted timestamp authorities/);
  await twin('other-v2-key-root.json', withOtherV2Key(root), /checkpoint signature does not verify with the trusted log key/);
}
