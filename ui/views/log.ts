/**
 * The log page: the head (tree size, root, the latest checkpoint and its signature checked in
 * this browser) and a consistency check from a size the user saw before to the head
 * (GET /api/v1/log/proof, verified against the head checkpoint's root; rekor-api.md §1.5).
 */
import { hexToBytes, toHex } from '../../src/core/bytes.js';
import { parseCheckpoint, type Checkpoint } from '../../src/core/checkpoint.js';
import { verifyConsistency } from '../../src/core/merkle.js';
import { nobleCrypto, nobleSha256 } from '../noble-crypto.js';
import { verifyLogCheckpoint } from '../../src/core/verify-entry.js';
import { needsOldRoot, parseOldSize, parseRootHash } from '../consistency-input.js';
import { errorHeading } from '../errors.js';
import { getConsistencyProof, getLogInfo, type LogInfo } from '../api.js';
import { code, errorBox, fields, h, pre } from '../dom.js';
import type { TrustAnchor } from '../trust-source.js';
import type { TrustResult } from './entry.js';
import { trustPanel } from './trust-panel.js';
import { trustNote } from './verification.js';

interface Head {
  readonly info: LogInfo;
  readonly checkpoint?: Checkpoint;
  readonly error?: string;
}

function verifyHead(info: LogInfo, trust: TrustResult): Head {
  if ('error' in trust) return { info, error: `Could not load the log key: ${trust.error}` };
  try {
    const cp = parseCheckpoint(info.signedTreeHead);
    const reasons: string[] = [];
    for (const log of trust.trust.logs) {
      try {
        verifyLogCheckpoint(cp, log, nobleCrypto);
        if (cp.size !== info.treeSize || toHex(cp.rootHash) !== info.rootHash.toLowerCase()) {
          return { info, error: `The signed checkpoint (size ${cp.size}, root ${toHex(cp.rootHash)}) does not match the reported tree (size ${info.treeSize}, root ${info.rootHash}).` };
        }
        return { info, checkpoint: cp };
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
    return { info, error: reasons.join('; ') };
  } catch (err) {
    return { info, error: `The checkpoint cannot be read: ${(err as Error).message}` };
  }
}

function verdict(ok: boolean, title: string, reason: string): HTMLElement {
  return h(
    'div',
    { class: `verdict ${ok ? 'verified' : 'failed'}`, role: 'status', 'data-verdict': ok ? 'verified' : 'failed' },
    h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
    h('div', {}, h('strong', {}, title), h('p', { class: 'verdict-reason' }, reason)),
  );
}

async function consistencyResult(head: Head, fromText: string, rootText: string): Promise<HTMLElement> {
  const fail = (reason: string): HTMLElement => verdict(false, 'Consistency not proven', reason);
  if (!head.checkpoint) return fail(`The head checkpoint is not verified, so there is nothing trustworthy to check against (${head.error ?? ''}).`);
  const cp = head.checkpoint;
  let size: number;
  let root: Uint8Array | undefined;
  try {
    size = parseOldSize(fromText, cp.size);
    root = parseRootHash(rootText);
  } catch (err) {
    return errorBox(errorHeading(err), (err as Error).message);
  }
  try {
    // A power-of-two tree's root is not part of its proof: take the server's word for it here,
    // and let the proof confirm it (a wrong root cannot hash up to the signed head root).
    const claimed = !root && needsOldRoot(size) && size < cp.size ? hexToBytes((await getConsistencyProof(size, size)).rootHash) : undefined;
    const proof = await getConsistencyProof(size, cp.size);
    const oldRoot = verifyConsistency(nobleSha256, size, cp.size, root ?? claimed, cp.rootHash, proof.hashes.map(hexToBytes));
    const rootNote = root ? 'the root you entered' : 'computed from the proof: compare it with the checkpoint you saved';
    return verdict(true, 'Consistent', `The head (size ${cp.size}, root ${toHex(cp.rootHash)}) extends the tree of size ${size} with root ${toHex(oldRoot)} (${rootNote}). Proof of ${proof.hashes.length} hashes checked in your browser.`);
  } catch (err) {
    return fail((err as Error).message);
  }
}

export async function logView(params: URLSearchParams, trust: Promise<TrustResult>, navigate: (p: Record<string, string>) => void): Promise<HTMLElement> {
  const [info, t] = await Promise.all([getLogInfo(), trust]);
  const head = verifyHead(info, t);
  const from = params.get('from') ?? '';
  const rootParam = params.get('root') ?? '';
  const sizeInput = h('input', { id: 'from-size', name: 'from', type: 'text', inputmode: 'numeric', autocomplete: 'off', value: from, required: true, 'aria-describedby': 'from-help' });
  const rootInput = h('input', { id: 'from-root', name: 'root', type: 'text', autocomplete: 'off', spellcheck: 'false', value: rootParam });
  const form = h(
    'form',
    { class: 'stack', onsubmit: (e: Event) => {
      e.preventDefault();
      navigate({ view: 'log', from: sizeInput.value.trim(), ...(rootInput.value.trim() ? { root: rootInput.value.trim() } : {}) });
    } },
    h('label', { for: 'from-size' }, 'Tree size you saw before'),
    sizeInput,
    h('p', { id: 'from-help', class: 'muted' }, `Between 1 and ${info.treeSize.toLocaleString('en')}.`),
    h('label', { for: 'from-root' }, 'Root hash at that size (optional, hex or base64)'),
    rootInput,
    h('button', { type: 'submit' }, 'Check consistency'),
  );
  const headVerdict = head.checkpoint
    ? verdict(true, 'Checkpoint verified', `Signed by the log key over size ${head.checkpoint.size} and root ${info.rootHash}.`)
    : verdict(false, 'Checkpoint not verified', head.error ?? 'unknown reason');
  return h(
    'article',
    { class: 'log' },
    h('h1', { tabindex: -1 }, 'The transparency log'),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'head-h' },
      h('h2', { id: 'head-h' }, 'Latest checkpoint'),
      headVerdict,
      'trust' in t && trustNote(t.trust),
      fields([
        ['Tree size', info.treeSize.toLocaleString('en')],
        ['Root hash', code(info.rootHash)],
        ['Tree ID', info.treeID],
        ['Origin', head.checkpoint?.origin],
        ['Signed checkpoint', pre(info.signedTreeHead)],
      ]),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'consistency-h' },
      h('h2', { id: 'consistency-h' }, 'Consistency check'),
      h('p', {}, 'Prove that the log only grew since you last looked: the head must contain the tree you saw, unchanged.'),
      form,
      from && h('div', { class: 'consistency-result', 'aria-live': 'polite' }, await consistencyResult(head, from, rootParam)),
    ),
    trustPanel('trust' in t ? (t.trust as TrustAnchor) : undefined),
  );
}
