/**
 * The entry view: the verdict first (verified in this browser, or why not), then what the
 * entry is (UUID, kind, index, integrated time), the decoded body, and the raw body,
 * verification data and attestation for those who want the bytes.
 */
import { base64ToBytes, fromUtf8 } from '../../src/core/bytes.js';
import { decodeBody, parseBodyJson } from '../../src/core/body.js';
import { verifyEntry, type EntryVerification, type Expected } from '../../src/core/verify-entry.js';
import type { Entry } from '../api.js';
import { nobleCrypto } from '../noble-crypto.js';
import { code, details, errorBox, fields, h, link, pre } from '../dom.js';
import { absoluteTime, relativeTime, unixTime } from '../format.js';
import type { TrustAnchor } from '../trust-source.js';
import { bodyView } from './body.js';
import { verificationPanel } from './verification.js';

export type TrustResult = { trust: TrustAnchor } | { error: string };

export function verify(e: Entry, trust: TrustResult, expected: Expected = {}): EntryVerification | { error: string } {
  if ('error' in trust) return { error: `Could not load the log key to verify against: ${trust.error}` };
  const { logs, trustedRoot } = trust.trust;
  return verifyEntry(e.id, e.entry, { logs, trustedRoot, crypto: nobleCrypto, expected });
}

export function timeView(seconds: number): HTMLElement {
  const t = unixTime(seconds);
  return h('span', {}, h('time', { datetime: t.toISOString() }, absoluteTime(t)), h('span', { class: 'muted' }, ` (${relativeTime(t)})`));
}

function treeIdOf(id: string): string | undefined {
  return id.length === 80 ? BigInt(`0x${id.slice(0, 16)}`).toString() : undefined;
}

function attestation(data: string | undefined): HTMLElement | undefined {
  if (!data) return undefined;
  let text: string;
  try {
    const raw = fromUtf8(base64ToBytes(data));
    try {
      text = JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      text = raw;
    }
  } catch {
    text = data;
  }
  return details('Attestation', pre(text));
}

export function entryView(e: Entry, trust: TrustResult, expected: Expected = {}): HTMLElement {
  const { entry } = e;
  const uuid = e.id.slice(-64);
  const verification = verify(e, trust, expected);
  let json: unknown;
  let body: HTMLElement;
  try {
    json = parseBodyJson(entry.body);
    // Only beside a verified entry: a failed one's verdict says what is wrong first.
    const identity = 'error' in verification || !verification.verified || verification.identity.status === 'none' ? undefined : verification.identity.status;
    body = bodyView(decodeBody(json), identity);
  } catch (err) {
    body = errorBox('The body cannot be decoded', (err as Error).message);
  }
  const root = json as { kind?: unknown; apiVersion?: unknown } | undefined;
  const proof = entry.verification?.inclusionProof;
  return h(
    'article',
    { class: 'entry', 'data-uuid': uuid },
    h('h1', { tabindex: -1 }, `Log entry ${entry.logIndex.toLocaleString('en')}`),
    verificationPanel(verification, 'trust' in trust ? trust.trust : undefined),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'summary-h' },
      h('h2', { id: 'summary-h' }, 'Entry'),
      fields([
        ['Entry UUID', link({ uuid }, code(uuid), `Permanent link to entry ${uuid}`)],
        ['Entry ID', e.id.length === 80 ? code(e.id) : undefined],
        ['Kind', root && typeof root.kind === 'string' ? `${root.kind} ${String(root.apiVersion ?? '')}` : '(unknown)'],
        ['Log index', link({ logIndex: String(entry.logIndex) }, String(entry.logIndex), `Permanent link to log index ${entry.logIndex}`)],
        ['Integrated time', timeView(entry.integratedTime)],
        ['Log ID', code(entry.logID)],
        ['Tree ID', treeIdOf(e.id)],
        ['Inclusion proof', proof ? `leaf ${proof.logIndex} in a tree of ${proof.treeSize.toLocaleString('en')} (${proof.hashes.length} hashes)` : 'none'],
      ]),
    ),
    body,
    h(
      'section',
      { class: 'panel raw', 'aria-label': 'Raw data' },
      h('h2', {}, 'Raw data'),
      details('Raw body (decoded JSON)', pre(json === undefined ? entry.body : JSON.stringify(json, null, 2))),
      details('Raw body (base64, the logged leaf)', pre(entry.body)),
      proof?.checkpoint && details('Checkpoint', pre(proof.checkpoint)),
      details('Verification data (SET and inclusion proof)', pre(JSON.stringify(entry.verification ?? {}, null, 2))),
      attestation(entry.attestation?.data),
    ),
  );
}
