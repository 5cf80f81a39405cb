/**
 * The Rekor v1 log keys an entry is verified against, from a sigstore `trusted_root.json`
 * (protobuf-specs TrustedRoot, fulcio-and-clients.md §4.1 / rekor-api.md §5.2:
 * `tlogs[].publicKey.rawBytes` is base64 DER SPKI, `logId.keyId` base64 SHA-256 of it) or, as
 * a last resort, a PEM key. Only ECDSA P-256 logs can sign Rekor v1 SETs; other tlogs (Rekor v2
 * Ed25519) are skipped. A validFor without an end (absent or null) is open-ended.
 */
import { asTrustedRoot, type TrustedRoot } from './bundle/trusted-root.js';
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
export function signerNamesOf(baseUrl: string): string[] {
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

/**
 * The usable (ECDSA P-256) transparency logs of a trusted root; throws if there is none. The
 * document is read by the one trusted-root reader (src/core/bundle/trusted-root.ts), so the
 * page, the CLI and bundle verification accept and refuse the same documents.
 */
export function logsFromTrustedRoot(crypto: CoreCrypto, doc: unknown): TrustedLog[] {
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
      const log = logFromSpki(crypto, t.spki, { baseUrl: t.baseUrl || undefined, validFrom: t.validFor?.start, validTo: t.validFor?.end });
      if (t.logIdHex !== log.logIdHex) throw new TrustError(`logId.keyId ${t.logIdHex} is not the SHA-256 of its key`);
      logs.push(log);
    } catch (err) {
      problems.push(`tlogs[${i}]: ${(err as Error).message}`);
    }
  });
  if (logs.length === 0) throw new TrustError(`the trusted root has no usable ECDSA P-256 transparency log (${problems.join('; ') || 'tlogs is empty'})`);
  return logs;
}

/** A PEM public key (what GET /api/v1/log/publicKey answers); `name` as for logFromSpki. */
export function logFromPem(crypto: CoreCrypto, pem: string, name?: string): TrustedLog {
  const block = pemBlocks(pem).find((b) => b.label === 'PUBLIC KEY');
  if (!block) throw new TrustError('no PUBLIC KEY block in the PEM text');
  return logFromSpki(crypto, block.der, name !== undefined ? { name } : {});
}

export const describeLog = (log: TrustedLog): string => `${log.key.description}, log ID ${log.logIdHex}${log.baseUrl ? ` (${log.baseUrl})` : ''}`;
