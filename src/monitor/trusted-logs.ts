/**
 * The log keys the monitor may verify checkpoints with, from a sigstore trusted_root.json:
 * Rekor v1 logs (ECDSA P-256, log ID = SHA-256 of the SPKI: core's logFromSpki) and Rekor v2
 * logs (Ed25519, sigstore-2026.md §3). A v2 log's `logId.keyId` is its checkpoint's C2SP note
 * key ID, SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte key), whose first four bytes are the key hint of
 * its signature line; the name is the origin, which clients take as the host of `baseUrl`
 * (sigstore-go: url.Hostname()). So a v2 log is accepted only when its key ID is the note key ID
 * of its key under the host of its baseUrl, and that host becomes the one signer name its
 * checkpoints may carry. Other tlogs (RSA, other curves) cannot sign either kind of checkpoint
 * and are set aside; a trusted root with no usable log is refused.
 *
 * The document is read by core's one trusted-root reader, as the CLI and the page read it.
 */
import { asTrustedRoot, type TrustedKeyLog, type TrustedRoot } from '../core/bundle/trusted-root.js';
import { concatBytes, toHex, utf8 } from '../core/bytes.js';
import type { CoreCrypto } from '../core/crypto.js';
import { parseSpki } from '../core/spki.js';
import { logFromSpki, signerNamesOf, TrustError, type TrustedLog } from '../core/trust.js';

/** C2SP signed-note signature type of Ed25519 keys. */
const ED25519_NOTE_TYPE = 0x01;

/** The full C2SP note key ID of an Ed25519 key under `name` (its first four bytes are the key hint). */
export function ed25519NoteKeyId(crypto: CoreCrypto, name: string, rawKey: Uint8Array): Uint8Array {
  return crypto.digest('sha256', concatBytes(utf8(name), Uint8Array.of(0x0a, ED25519_NOTE_TYPE), rawKey));
}

function ed25519Log(crypto: CoreCrypto, t: TrustedKeyLog): TrustedLog {
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

function ecdsaLog(crypto: CoreCrypto, t: TrustedKeyLog): TrustedLog {
  const log = logFromSpki(crypto, t.spki, { baseUrl: t.baseUrl || undefined, validFrom: t.validFor?.start, validTo: t.validFor?.end });
  if (t.logIdHex !== log.logIdHex) throw new TrustError(`logId.keyId ${t.logIdHex} is not the SHA-256 of its key`);
  return log;
}

/** Every tlog of the trusted root that can sign a checkpoint (ECDSA P-256 or Ed25519); throws if none can. */
export function checkpointLogsFromTrustedRoot(crypto: CoreCrypto, doc: unknown): TrustedLog[] {
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
      logs.push(parseSpki(t.spki).algorithm === 'ed25519' ? ed25519Log(crypto, t) : ecdsaLog(crypto, t));
    } catch (err) {
      problems.push(`tlogs[${i}]: ${(err as Error).message}`);
    }
  });
  if (logs.length === 0) {
    throw new TrustError(`the trusted root has no transparency log the monitor can follow: ECDSA P-256 (Rekor v1) or Ed25519 (Rekor v2) (${problems.join('; ') || 'tlogs is empty'})`);
  }
  return logs;
}
