/**
 * The verification verdict of an entry: a banner that says verified or failed (in words and
 * an icon, not colour alone) with the reason, where the log key came from, and every check.
 */
import type { Check } from '../../src/core/checks.js';
import type { EntryVerification } from '../../src/core/verify-entry.js';
import { h } from '../dom.js';
import type { TrustAnchor } from '../trust-source.js';

const ICON: Record<Check['status'], string> = { ok: '✓', failed: '✗', skipped: '–' };
const WORD: Record<Check['status'], string> = { ok: 'passed', failed: 'failed', skipped: 'skipped' };

/** Where the key came from; an unpinned key is called out as a warning. */
export function trustNote(trust: TrustAnchor): HTMLElement {
  return h(
    'p',
    { class: `trust ${trust.pinned ? 'pinned' : 'unpinned'}`, 'data-trust': trust.source },
    h('strong', {}, trust.pinned ? 'Log key: ' : '⚠ Log key not pinned: '),
    trust.label.replace(/^Not pinned: /, ''),
    ` — ${trust.logs.map((l) => `log ID ${l.logIdHex.slice(0, 16)}…`).join(', ')}`,
  );
}

export function verificationPanel(v: EntryVerification | { error: string }, trust?: TrustAnchor): HTMLElement {
  const failed = 'error' in v || !v.verified;
  const summary = 'error' in v ? v.error : v.summary;
  const banner = h(
    'div',
    { class: `verdict ${failed ? 'failed' : 'verified'}`, role: 'status', 'data-verdict': failed ? 'failed' : 'verified' },
    h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, failed ? '✗' : '✓'),
    h('div', {}, h('strong', {}, failed ? 'Verification failed' : trust && !trust.pinned ? 'Verified (against a log key that is not pinned)' : 'Verified'), h('p', { class: 'verdict-reason' }, summary)),
  );
  const checks = 'error' in v
    ? []
    : v.checks.map((c) =>
        h(
          'li',
          { class: `check ${c.status}`, 'data-check': c.id, 'data-status': c.status },
          h('span', { class: 'check-icon', 'aria-hidden': 'true' }, ICON[c.status]),
          h('div', {}, h('span', { class: 'check-title' }, c.title), h('span', { class: 'visually-hidden' }, `: ${WORD[c.status]}`), h('p', { class: 'check-detail' }, c.detail)),
        ),
      );
  return h(
    'section',
    { class: 'panel verification', 'aria-labelledby': 'verification-h' },
    h('h2', { id: 'verification-h' }, 'Verification in your browser'),
    banner,
    trust && trustNote(trust),
    checks.length > 0 && h('ul', { class: 'checks' }, ...checks),
  );
}

/** The compact form for result lists. */
export function verdictBadge(v: EntryVerification | { error: string }): HTMLElement {
  const failed = 'error' in v || !v.verified;
  const reason = 'error' in v ? v.error : v.summary;
  return h(
    'span',
    { class: `badge ${failed ? 'failed' : 'verified'}`, 'data-verdict': failed ? 'failed' : 'verified', title: reason },
    failed ? '✗ verification failed' : '✓ verified',
  );
}
