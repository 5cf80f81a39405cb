/**
 * Pinning a trusted root in this browser: paste, or choose the file of, the trusted_root.json
 * you were given out of band (the same file cosign and sigstore-js verify with). Once pinned,
 * every check on every page uses it instead of anything the server says, and only then does
 * the page call its keys "pinned". Removing the pin goes back to the server's own root.
 */
import { describeLog } from '../../src/core/trust.js';
import { errorBox, h } from '../dom.js';
import { errorHeading } from '../errors.js';
import { hasBrowserPin, pinTrustedRoot, unpinTrustedRoot, type TrustAnchor } from '../trust-source.js';

export function trustPanel(trust: TrustAnchor | undefined): HTMLElement {
  const feedback = h('div', { 'aria-live': 'polite' });
  const area = h('textarea', { id: 'pin-root', rows: 6, spellcheck: 'false', placeholder: '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": [...]}' });
  const pin = (text: string): void => {
    try {
      const logs = pinTrustedRoot(text);
      feedback.replaceChildren(h('p', { class: 'notice info' }, `Pinned ${logs.length} log key(s). Reloading…`));
      location.reload();
    } catch (err) {
      feedback.replaceChildren(errorBox(`Not pinned — ${errorHeading(err).toLowerCase()}`, (err as Error).message));
    }
  };
  const save = (e: Event): void => {
    e.preventDefault();
    pin(area.value);
  };
  const file = h('input', { id: 'pin-file', type: 'file', accept: '.json,application/json' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    chosen.text().then((text) => {
      area.value = text;
      pin(text);
    }, (err: Error) => feedback.replaceChildren(errorBox('Not pinned — the file cannot be read', err.message)));
  });
  const unpin = (): void => {
    unpinTrustedRoot();
    location.reload();
  };
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'trust-h' },
    h('h2', { id: 'trust-h' }, 'Trusted root'),
    trust
      ? h(
          'div',
          { 'data-trust': trust.source },
          h('p', {}, h('strong', {}, trust.pinned ? 'In use: ' : 'In use (not pinned): '), trust.label),
          h('ul', { class: 'plain' }, ...trust.logs.map((l) => h('li', { class: 'mono wrap' }, describeLog(l)))),
        )
      : h('p', {}, 'No usable log key is loaded.'),
    h(
      'form',
      { class: 'stack', onsubmit: save },
      h('label', { for: 'pin-root' }, 'Pin a trusted_root.json you obtained out of band (not from this server)'),
      area,
      h('label', { for: 'pin-file' }, 'or choose the file'),
      file,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Pin'), hasBrowserPin() && h('button', { type: 'button', class: 'secondary', onclick: unpin }, 'Remove the pinned root')),
    ),
    feedback,
  );
}
