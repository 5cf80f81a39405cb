/**
 * The verification verdict of an entry, in words and an icon (not colour alone), in three
 * states: verified (the log's proofs and, for a certificate, the identity), log-only (the log
 * holds the entry, but nothing vouches for the identity its certificate names — anyone can log a
 * self-signed certificate for anyone), and failed, each with its reason; then where the trusted
 * keys came from, and every check.
 */
import type { Check } from '../../src/core/checks.js';
import type { EntryVerification } from '../../src/core/verify-entry.js';
import { h } from '../dom.js';
import type { TrustAnchor } from '../trust-source.js';

const ICON: Record<Check['status'], string> = { ok: '✓', failed: '✗', skipped: '–' };
const WORD: Record<Check['status'], string> = { ok: 'passed', failed: 'failed', skipped: 'skipped' };

export type Verdict = 'verified' | 'log-only' | 'failed';
type Result = EntryVerification | { error: string };

export function verdictOf(v: Result): Verdict {
  if ('error' in v || !v.verified) return 'failed';
  return v.identity.status === 'not-verified' ? 'log-only' : 'verified';
}

const VERDICT_ICON: Record<Verdict, string> = { verified: '✓', 'log-only': '⚠', failed: '✗' };

/** Where the keys came from; anything the user did not pin is called out as a warning. */
export function trustNote(trust: TrustAnchor): HTMLElement {
  return h(
    'p',
    { class: `trust ${trust.pinned ? 'pinned' : 'unpinned'}`, 'data-trust': trust.source },
    h('strong', {}, trust.pinned ? 'Trusted root: ' : '⚠ '),
    trust.label,
    ` — ${trust.logs.map((l) => `log ID ${l.logIdHex.slice(0, 16)}…`).join(', ')}`,
  );
}

function headline(v: Result, trust: TrustAnchor | undefined): { title: string; reasons: string[] } {
  if ('error' in v) return { title: 'Verification failed', reasons: [v.error] };
  const verdict = verdictOf(v);
  if (verdict === 'failed') return { title: 'Verification failed', reasons: [v.summary] };
  const against = trust && !trust.pinned ? ' (against keys from this server, not pinned)' : '';
  if (verdict === 'log-only') return { title: `Log checks passed${against} — identity NOT verified`, reasons: [v.identity.detail, v.summary] };
  const who = v.identity.status === 'verified' ? `Identity verified: ${v.identity.detail}` : 'Signed with a bare public key: the entry names no identity.';
  return { title: `Verified${against}`, reasons: [v.summary, who] };
}

export function verificationPanel(v: Result, trust?: TrustAnchor): HTMLElement {
  const verdict = verdictOf(v);
  const { title, reasons } = headline(v, trust);
  const banner = h(
    'div',
    {
      class: `verdict ${verdict}`,
      role: 'status',
      'data-verdict': verdict,
      'data-identity': 'error' in v ? undefined : v.identity.status,
    },
    h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, VERDICT_ICON[verdict]),
    h('div', {}, h('strong', {}, title), h('p', { class: 'verdict-reason' }, reasons[0]), ...reasons.slice(1).map((r) => h('p', { class: 'verdict-more' }, r))),
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

const BADGE: Record<Verdict, string> = { verified: '✓ verified', 'log-only': '⚠ logged, identity NOT verified', failed: '✗ verification failed' };

/** The compact form for result lists. */
export function verdictBadge(v: Result): HTMLElement {
  const verdict = verdictOf(v);
  const reason = 'error' in v ? v.error : verdict === 'log-only' ? v.identity.detail : v.summary;
  return h('span', { class: `badge ${verdict}`, 'data-verdict': verdict, title: reason }, BADGE[verdict]);
}
