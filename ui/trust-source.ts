/**
 * Which log keys the page trusts, strongest first:
 *   1. a trusted_root.json the user pinned in this browser (localStorage);
 *   2. the `trusted_root.json` this Sealhouse serves (the same document cosign/sigstore-js use);
 *   3. GET /api/v1/log/publicKey — not a root of trust (rekor-api.md §1.4), so it is labelled
 *      "not pinned": it only proves the answers agree with the key the server shows now.
 */
import { getPublicKeyPem, getTrustedRoot } from './api.js';
import { logFromPem, logsFromTrustedRoot, type TrustedLog } from '../src/core/trust.js';

export interface TrustAnchor {
  readonly logs: TrustedLog[];
  readonly source: 'browser' | 'trusted-root' | 'server-key';
  readonly pinned: boolean;
  /** What the page says about where the key came from. */
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

async function load(): Promise<TrustAnchor> {
  const pinned = stored();
  if (pinned !== null) {
    try {
      return { logs: logsFromTrustedRoot(JSON.parse(pinned)), source: 'browser', pinned: true, label: 'Pinned: the trusted_root.json you saved in this browser' };
    } catch (err) {
      throw new Error(`The trusted root pinned in this browser is unusable (${(err as Error).message}); replace or remove it on the Log page.`);
    }
  }
  const root = await getTrustedRoot();
  if (root !== undefined) {
    try {
      return { logs: logsFromTrustedRoot(root), source: 'trusted-root', pinned: true, label: 'Pinned from trusted_root.json' };
    } catch (err) {
      throw new Error(`This server's trusted_root.json is unusable: ${(err as Error).message}`);
    }
  }
  const log = logFromPem(await getPublicKeyPem());
  return {
    logs: [log],
    source: 'server-key',
    pinned: false,
    label: 'Not pinned: fetched from the server (GET /api/v1/log/publicKey), so this only shows the answers agree with the key the server shows now',
  };
}

/** The trust anchor for this page load (fetched once). */
export function loadTrust(): Promise<TrustAnchor> {
  cached ??= load();
  cached.catch(() => (cached = undefined)); // retry on the next view after a failure
  return cached;
}

/** Validate and save a trusted root in this browser; throws with the reason if unusable. */
export function pinTrustedRoot(text: string): TrustedLog[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('That is not JSON: paste the whole trusted_root.json.');
  }
  const logs = logsFromTrustedRoot(doc);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(doc));
  cached = undefined;
  return logs;
}

export function unpinTrustedRoot(): void {
  localStorage.removeItem(STORAGE_KEY);
  cached = undefined;
}

export const hasBrowserPin = (): boolean => stored() !== null;
