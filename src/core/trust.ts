/**
 * The Rekor v1 log keys an entry is verified against, from a sigstore `trusted_root.json`
 * (protobuf-specs TrustedRoot, fulcio-and-clients.md §4.1 / rekor-api.md §5.2:
 * `tlogs[].publicKey.rawBytes` is base64 DER SPKI, `logId.keyId` base64 SHA-256 of it) or, as
 * a last resort, a PEM key. Only ECDSA P-256 logs can sign Rekor v1 SETs, so by default other
 * tlogs are set aside. Asked for every log that can sign a checkpoint (the monitor), Rekor v2
 * logs are taken too (Ed25519, sigstore-2026.md §3): a v2 log's `logId.keyId` is its checkpoint's
 * C2SP note key ID, SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte key), whose first four bytes are the key
 * hint of its signature line; the name is the origin, which clients take as the host of `baseUrl`
 * (sigstore-go: url.Hostname()). So a v2 log is accepted only when its key ID is the note key ID
 * of its key under the host of its baseUrl, and that host becomes the one signer name its
 * checkpoints may carry. A validFor without an end (absent or null) is open-ended.
 */
import { asTrustedRoot, type TrustedKeyLog, type TrustedRoot } from './bundle/trusted-root.js';
import { concatBytes, toHex, utf8 } from './bytes.js';
import { pemBlocks } from './pem.js';
import { checkpointSignerNames } from './checkpoint.js';
import type { CoreCrypto } from './crypto.js';
import { parseSpki, spkiFingerprint, type PublicKeyInfo } from './spki.js';

export interface TrustedLog {
  /** Hex SHA-256 of the DER SPKI: the Rekor logID. */
  readonly logIdHex: string;
  readonly key: PublicKeyInfo;
  /** From the trusted root: the log's URL. */
  readonly baseUrl?: string;
  /**
   * The names a checkpoint signature may carry: the host of `baseUrl` with its port and
   * without (sigstore-js accepts a name found in baseUrl, so "host:8000" and "host" both work
   * for http://host:8000). Empty when the key came without a URL: then any name is accepted,
   * the key hint and signature still decide.
   */
  readonly signerNames: readonly string[];
  readonly validFrom?: Date;
  readonly validTo?: Date;
}

export class TrustError extends Error {}

/** The checkpoint signer names a log at `baseUrl` may use (see TrustedLog.signerNames). */
function signerNamesOf(baseUrl: string): string[] {
  const names = checkpointSignerNames(baseUrl);
  if (names === undefined) throw new TrustError(`baseUrl ${JSON.stringify(baseUrl)} is not a URL`);
  return names;
}

type LogExtras = Partial<Omit<TrustedLog, 'logIdHex' | 'key'>>;

/**
 * A Rekor v1 log from its DER SPKI (ECDSA P-256 only: SETs are ECDSA). `name` pins the
 * checkpoint signer name when no baseUrl is known (e.g. a server test that knows its host).
 */
export function logFromSpki(crypto: CoreCrypto, der: Uint8Array, extra: LogExtras & { name?: string } = {}): TrustedLog {
  const key = parseSpki(der);
  if (key.algorithm !== 'ecdsa' || key.curve !== 'P-256') throw new TrustError(`the log key is ${key.description}; Rekor v1 logs sign with ECDSA P-256`);
  const { name, ...rest } = extra;
  const signerNames = rest.signerNames ?? (name !== undefined ? [name] : rest.baseUrl !== undefined ? signerNamesOf(rest.baseUrl) : []);
  return { logIdHex: spkiFingerprint(crypto, der), key, ...rest, signerNames };
}

/** C2SP signed-note signature type of Ed25519 keys. */
const ED25519_NOTE_TYPE = 0x01;

/**
 * The full C2SP note key ID of an Ed25519 key under `name`: its first four bytes are the key hint
 * of the note's signature line, and the whole is a Rekor v2 log's `logId.keyId` (sigstore-go
 * pkg/note; the production root's log2025-1 is exactly this).
 */
export function ed25519NoteKeyId(crypto: CoreCrypto, name: string, rawKey: Uint8Array): Uint8Array {
  return crypto.digest('sha256', concatBytes(utf8(name), Uint8Array.of(0x0a, ED25519_NOTE_TYPE), rawKey));
}

function rekorV2Log(crypto: CoreCrypto, t: TrustedKeyLog): TrustedLog {
  const key = parseSpki(t.spki);
  if (key.keyBytes.length !== 32) throw new TrustError(`the Ed25519 key is ${key.keyBytes.length} bytes, not 32`);
  const names = t.baseUrl === '' ? [] : signerNamesOf(t.baseUrl);
  const name = names.find((n) => toHex(ed25519NoteKeyId(crypto, n, key.keyBytes)) === t.logIdHex);
  if (name === undefined) {
    throw new TrustError(
      `logId.keyId ${t.logIdHex} is not the note key ID SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key) of its Ed25519 key for ${names.length > 0 ? `the name ${names.map((n) => JSON.stringify(n)).join(' or ')} of its baseUrl` : 'any name: it has no baseUrl'}`,
    );
  }
  return { logIdHex: t.logIdHex, key, baseUrl: t.baseUrl, signerNames: [name], validFrom: t.validFor?.start, validTo: t.validFor?.end };
}

function rekorV1Log(crypto: CoreCrypto, t: TrustedKeyLog): TrustedLog {
  const log = logFromSpki(crypto, t.spki, { baseUrl: t.baseUrl || undefined, validFrom: t.validFor?.start, validTo: t.validFor?.end });
  if (t.logIdHex !== log.logIdHex) throw new TrustError(`logId.keyId ${t.logIdHex} is not the SHA-256 of its key`);
  return log;
}

/**
 * The usable transparency logs of a trusted root; throws if there is none. `kinds`: 'rekor-v1'
 * (ECDSA P-256, what SETs need: entry verification, the page) or 'checkpoint-signers' (Rekor v1
 * and v2 alike: following checkpoints and tiles). The document is read by the one trusted-root
 * reader (src/core/bundle/trusted-root.ts), so the page, the CLI and bundle verification accept
 * and refuse the same documents.
 */
export function logsFromTrustedRoot(crypto: CoreCrypto, doc: unknown, kinds: 'rekor-v1' | 'checkpoint-signers' = 'rekor-v1'): TrustedLog[] {
  let root: TrustedRoot;
  try {
    root = asTrustedRoot(doc);
  } catch (err) {
    throw new TrustError(`not a usable trusted root: ${(err as Error).message}`);
  }
  const logs: TrustedLog[] = [];
  const problems: string[] = [];
  root.tlogs.forEach((t, i) => {
    try {
      logs.push(kinds === 'checkpoint-signers' && parseSpki(t.spki).algorithm === 'ed25519' ? rekorV2Log(crypto, t) : rekorV1Log(crypto, t));
    } catch (err) {
      problems.push(`tlogs[${i}]: ${(err as Error).message}`);
    }
  });
  if (logs.length === 0) {
    const wanted = kinds === 'rekor-v1' ? 'ECDSA P-256 (Rekor v1)' : 'ECDSA P-256 (Rekor v1) or Ed25519 (Rekor v2)';
    throw new TrustError(`the trusted root has no usable ${wanted} transparency log (${problems.join('; ') || 'tlogs is empty'})`);
  }
  return logs;
}

/** A PEM public key (what GET /api/v1/log/publicKey answers); `name` as for logFromSpki. */
export function logFromPem(crypto: CoreCrypto, pem: string, name?: string): TrustedLog {
  const block = pemBlocks(pem).find((b) => b.label === 'PUBLIC KEY');
  if (!block) throw new TrustError('no PUBLIC KEY block in the PEM text');
  return logFromSpki(crypto, block.der, name !== undefined ? { name } : {});
}

export const describeLog = (log: TrustedLog): string => `${log.key.description}, log ID ${log.logIdHex}${log.baseUrl ? ` (${log.baseUrl})` : ''}`;
