/**
 * The peer benchmark's honesty check: a sample of each system's 201 answers is verified offline
 * with Sealhouse's one verifier of each kind (src/core), against keys fetched from the log
 * itself, the same way for Rekor and Sealhouse — a fast log whose answers did not verify would
 * not count. v1: the SET and the inclusion proof to a signed checkpoint (verifyEntry, with the
 * log's GET /api/v1/log/publicKey); v2: the inclusion proof to the Ed25519-signed checkpoint
 * (verifyTlogEntry, with Sealhouse's trusted_root.json or, for rekor-tiles, a trusted root made
 * here from the key the benchmark gave it and the origin it was told to use).
 */
import { createPublicKey } from 'node:crypto';
import { parseTlogEntry } from '../../src/core/bundle/bundle-json.js';
import { verifyTlogEntry } from '../../src/core/bundle/tlog.js';
import { parseTrustedRoot, type TrustedRoot } from '../../src/core/bundle/trusted-root.js';
import type { CheckId } from '../../src/core/checks.js';
import { ed25519NoteKeyId, logFromSpki } from '../../src/core/trust.js';
import { passedChecks, verifyEntry, type LogEntryAnon } from '../../src/core/verify-entry.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import type { TilesKey } from './peer-systems.js';

export interface Verdict {
  readonly checked: number;
  readonly failures: readonly string[];
}

/** Keeps every `every`-th 201 body, at most `max` of them. */
export class Sampler {
  readonly bodies: string[] = [];
  private seen = 0;
  constructor(
    private readonly every = 97,
    private readonly max = 25,
  ) {}
  offer(status: number, body: string): void {
    if (status !== 201) return;
    if (this.seen++ % this.every === 0 && this.bodies.length < this.max) this.bodies.push(body);
  }
}

const V1_REQUIRED: readonly CheckId[] = ['set', 'checkpoint', 'inclusion'];

export async function verifyV1(logUrl: string, bodies: readonly string[]): Promise<Verdict> {
  const pem = await (await fetch(`${logUrl}/api/v1/log/publicKey`)).text();
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const logs = [logFromSpki(nodeCrypto, new Uint8Array(der))];
  const failures: string[] = [];
  for (const body of bodies) {
    const [uuid, entry] = Object.entries(JSON.parse(body) as Record<string, LogEntryAnon>)[0] ?? [];
    if (!uuid || !entry) {
      failures.push(`not a LogEntry: ${body.slice(0, 120)}`);
      continue;
    }
    const v = verifyEntry(uuid, entry, { logs, crypto: nodeCrypto });
    const missing = V1_REQUIRED.filter((c) => !passedChecks(v).includes(c));
    if (!v.verified || missing.length > 0) failures.push(`${uuid}: ${v.summary}${missing.length ? ` (unproven: ${missing.join(', ')})` : ''}`);
  }
  return { checked: bodies.length, failures };
}

/** A trusted root naming only rekor-tiles' log: its Ed25519 key under the checkpoint origin it was started with. */
export function tilesTrustedRoot(key: TilesKey): TrustedRoot {
  const raw = key.spkiDer.subarray(key.spkiDer.length - 32);
  return parseTrustedRoot({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: `https://${key.origin}`,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: key.spkiDer.toString('base64'), keyDetails: 'PKIX_ED25519', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: Buffer.from(ed25519NoteKeyId(nodeCrypto, key.origin, new Uint8Array(raw))).toString('base64') },
      },
    ],
  });
}

export async function sealhouseTrustedRoot(url: string): Promise<TrustedRoot> {
  return parseTrustedRoot(await (await fetch(`${url}/trusted_root.json`)).json());
}

export function verifyV2(root: TrustedRoot, bodies: readonly string[]): Verdict {
  const failures: string[] = [];
  for (const body of bodies) {
    try {
      const entry = parseTlogEntry(JSON.parse(body), 'tlogEntry', '0.3');
      if (!entry.proof?.checkpoint) throw new Error('no inclusion proof with a checkpoint');
      verifyTlogEntry(nodeCrypto, entry, root);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  return { checked: bodies.length, failures };
}
