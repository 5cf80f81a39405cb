/**
 * Which trusted root the page verifies against, and what it may call it:
 *   1. a trusted_root.json the user pinned in this browser (localStorage), obtained out of band:
 *      the only source labelled "Pinned", and then the only one used;
 *   2. the `trusted_root.json` this Sealhouse serves: "from this server — not pinned", because a
 *      server that lies about its entries can lie about its keys too;
 *   3. GET /api/v1/log/publicKey — the log key alone, also from this server and not pinned, and
 *      with no certificate authorities, so no identity can be verified against it.
 * Entries verified against 2 or 3 only show that the answers agree with what the server says now.
 */
import { getLogInfo, getPublicKeyPem, getTrustedRoot } from './api.js';
import { UiError } from './errors.js';
import { asTrustedRoot } from '../src/core/bundle/trusted-root.js';
import { logFromPem, logsFromTrustedRoot, type TrustedLog } from '../src/core/trust.js';
import { nobleCrypto } from './noble-crypto.js';

export type TrustSource = 'pinned' | 'server-root' | 'server-key';

export interface TrustAnchor {
  readonly logs: TrustedLog[];
  /**
   * The trusted root whose CAs and CT logs decide identities (parsed once when it parses; the
   * raw document otherwise, so each entry reports why it cannot be used). Absent for 3.
   */
  readonly trustedRoot?: unknown;
  readonly source: TrustSource;
  readonly pinned: boolean;
  /** What the page says about where the keys came from. */
  readonly label: string;
}

const STORAGE_KEY = 'sealhouse.pinnedTrustedRoot';
let cached: Promise<TrustAnchor> | undefined;

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: nothing pinned
  }
}

function parsedRoot(doc: unknown): unknown {
  try {
    return asTrustedRoot(doc);
  } catch {
    return doc;
  }
}

function fromRoot(doc: unknown, source: 'pinned' | 'server-root', label: string): TrustAnchor {
  return { logs: logsFromTrustedRoot(nobleCrypto, doc), trustedRoot: parsedRoot(doc), source, pinned: source === 'pinned', label };
}

export const PINNED_LABEL = 'Pinned: the trusted_root.json you saved in this browser';
export const SERVER_ROOT_LABEL = 'From this server — not pinned: its own /trusted_root.json, so this shows only that the answers agree with the keys the server shows now. Pin a trusted root you obtained out of band on the Log page.';
export const SERVER_KEY_LABEL = 'From this server — not pinned: GET /api/v1/log/publicKey, the log key alone, so this shows only that the answers agree with the key the server shows now, and no identity can be verified';

async function load(): Promise<TrustAnchor> {
  const pinned = stored();
  if (pinned !== null) {
    try {
      return fromRoot(JSON.parse(pinned), 'pinned', PINNED_LABEL);
    } catch (err) {
      throw new UiError('trust-unusable', `The trusted root pinned in this browser is unusable (${(err as Error).message}); replace or remove it on the Log page.`);
    }
  }
  const root = await getTrustedRoot();
  if (root !== undefined) {
    try {
      return fromRoot(root, 'server-root', SERVER_ROOT_LABEL);
    } catch (err) {
      throw new UiError('trust-unusable', `This server's trusted_root.json is unusable: ${(err as Error).message}`);
    }
  }
  // A log whose key rotated has a key per shard: the frozen shards' keys verify their entries.
  let logs: TrustedLog[];
  try {
    const frozen = (await getLogInfo()).inactiveShards ?? [];
    const pems = await Promise.all([getPublicKeyPem(), ...frozen.map((s) => getPublicKeyPem(s.treeID))]);
    logs = pems.map((pem) => logFromPem(nobleCrypto, pem));
  } catch (err) {
    if (err instanceof UiError) throw err;
    throw new UiError('trust-unusable', `This server's log public key is unusable: ${(err as Error).message}`);
  }
  return { logs, source: 'server-key', pinned: false, label: SERVER_KEY_LABEL };
}

/** The trust anchor for this page load (fetched once). */
export function loadTrust(): Promise<TrustAnchor> {
  cached ??= load();
  cached.catch(() => (cached = undefined)); // retry on the next view after a failure
  return cached;
}

/** Validate and save a trusted root in this browser; throws a UiError with the reason if unusable. */
export function pinTrustedRoot(text: string): TrustedLog[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UiError('trust-unusable', 'That is not JSON: paste (or choose the file of) the whole trusted_root.json.');
  }
  let logs: TrustedLog[];
  try {
    logs = logsFromTrustedRoot(nobleCrypto, doc);
  } catch (err) {
    throw new UiError('trust-unusable', (err as Error).message);
  }
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(doc));
  } catch (err) {
    throw new UiError('trust-unusable', `This browser does not let the page store the root (${(err as Error).message}).`);
  }
  cached = undefined;
  return logs;
}

export function unpinTrustedRoot(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage disabled: nothing was pinned
  }
  cached = undefined;
}

export const hasBrowserPin = (): boolean => stored() !== null;
