/**
 * Pinning the log key in this browser: paste the trusted_root.json you were given out of band
 * (the same file cosign and sigstore-js verify with), and every check on every page uses it
 * instead of anything the server says.
 */
import { describeLog } from '../../src/core/trust.js';
import { errorBox, h } from '../dom.js';
import { hasBrowserPin, pinTrustedRoot, unpinTrustedRoot, type TrustAnchor } from '../trust-source.js';

export function trustPanel(trust: TrustAnchor | undefined): HTMLElement {
  const feedback = h('div', { 'aria-live': 'polite' });
  const area = h('textarea', { id: 'pin-root', rows: 6, spellcheck: 'false', placeholder: '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": [...]}' });
  const save = (e: Event): void => {
    e.preventDefault();
    try {
      const logs = pinTrustedRoot(area.value);
      feedback.replaceChildren(h('p', { class: 'notice info' }, `Pinned ${logs.length} log key(s). Reloading…`));
      location.reload();
    } catch (err) {
      feedback.replaceChildren(errorBox('Not pinned', (err as Error).message));
    }
  };
  const unpin = (): void => {
    unpinTrustedRoot();
    location.reload();
  };
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'trust-h' },
    h('h2', { id: 'trust-h' }, 'Trusted log key'),
    trust
      ? h('div', {}, h('p', {}, h('strong', {}, 'In use: '), trust.label, '.'), h('ul', { class: 'plain' }, ...trust.logs.map((l) => h('li', { class: 'mono wrap' }, describeLog(l)))))
      : h('p', {}, 'No usable log key is loaded.'),
    h(
      'form',
      { class: 'stack', onsubmit: save },
      h('label', { for: 'pin-root' }, 'Pin a trusted_root.json in this browser'),
      area,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Pin'), hasBrowserPin() && h('button', { type: 'button', class: 'secondary', onclick: unpin }, 'Remove the pinned root')),
    ),
    feedback,
  );
}
