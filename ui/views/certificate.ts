/**
 * A decoded certificate (fulcio-and-clients.md §2.1–2.2): serial, issuer, subject, validity,
 * key, SANs linked to their searches, key usages, every Fulcio extension by name, SCTs and
 * any remaining extension by OID.
 */
import { spkiFingerprint, type PublicKeyInfo } from '../../src/core/spki.js';
import { toPem } from '../../src/core/pem.js';
import type { Certificate, SanEntry } from '../../src/core/x509.js';
import { code, details, fields, h, link, pre, type Child } from '../dom.js';
import { absoluteTime, relativeTime } from '../format.js';
import { nobleCrypto } from '../noble-crypto.js';

/** SANs link to the search that finds every entry of that identity. */
export function sanLink(san: SanEntry): Child {
  if (san.type === 'email') return link({ email: san.value }, san.value, `Search entries for ${san.value}`);
  if (san.type === 'uri') return link({ subject: san.value }, san.value, `Search entries for ${san.value}`);
  return san.value;
}

function validity(c: Certificate): Child {
  const minutes = Math.round((c.notAfter.getTime() - c.notBefore.getTime()) / 60000);
  const span = minutes < 120 ? `${minutes} minutes` : `${Math.round(minutes / 1440)} days`;
  return [
    h('span', {}, `${absoluteTime(c.notBefore)} to ${absoluteTime(c.notAfter)}`),
    h('span', { class: 'muted' }, ` (${span}; ${c.notAfter.getTime() < Date.now() ? 'expired' : 'expires'} ${relativeTime(c.notAfter)})`),
  ];
}

export function publicKeyFields(key: PublicKeyInfo): HTMLElement {
  return fields([
    ['Algorithm', key.description],
    ['SHA-256 of the key', code(spkiFingerprint(nobleCrypto, key.der))],
    ['PEM', pre(toPem(key.der, 'PUBLIC KEY'))],
  ]);
}

/** How far the page vouches for the identity a signing certificate names (see verification.ts). */
export type IdentityStatus = 'verified' | 'not-verified';

export function certificateView(c: Certificate, title: string, identity?: IdentityStatus): HTMLElement {
  const fulcio = c.fulcio.length === 0
    ? undefined
    : h(
        'table',
        { class: 'ext-table' },
        h('caption', {}, 'Sigstore (Fulcio) extensions'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Extension'), h('th', { scope: 'col' }, 'OID'), h('th', { scope: 'col' }, 'Value'))),
        h('tbody', {}, ...c.fulcio.map((f) => h('tr', { 'data-oid': f.oid }, h('th', { scope: 'row' }, f.name), h('td', { class: 'oid' }, code(f.oid)), h('td', { class: 'wrap' }, f.value)))),
      );
  const others = c.extensions.filter((e) => !e.oid.startsWith('1.3.6.1.4.1.57264.1.'));
  return h(
    'section',
    { class: 'panel certificate', 'aria-label': title },
    h('h3', {}, title),
    fields([
      ['Subject alternative name', c.san.length ? h('ul', { class: 'plain' }, ...c.san.map((s) => h('li', {}, h('span', { class: 'muted' }, `${s.type}: `), sanLink(s)))) : undefined],
      ['Identity', identity === undefined
        ? undefined
        : identity === 'verified'
          ? h('span', { 'data-identity': 'verified' }, '✓ verified: the certificate chains to the trusted CA, with an SCT')
          : h('strong', { class: 'identity-unverified', 'data-identity': 'not-verified' }, '⚠ NOT verified: nothing in the trusted root vouches for this certificate (see the verification above)')],
      ['Issuer', c.issuer],
      ['Subject', c.subject],
      ['Serial number', code(c.serialHex)],
      ['Validity', validity(c)],
      ['Public key', c.publicKey.description],
      ['Signature algorithm', c.signatureAlgorithm],
      ['Key usage', c.keyUsage.length ? c.keyUsage.join(', ') : undefined],
      ['Extended key usage', c.extKeyUsage.length ? c.extKeyUsage.join(', ') : undefined],
      ['Signed certificate timestamps', c.scts.length ? h('ul', { class: 'plain' }, ...c.scts.map((s) => h('li', {}, `${absoluteTime(s.timestamp)} by CT log `, code(s.logIdBase64)))) : undefined],
    ]),
    fulcio,
    details(
      `Standard extensions (${others.length})`,
      h('ul', { class: 'plain ext-list' }, ...others.map((e) => h('li', {}, h('strong', {}, e.name), ` (${e.oid}${e.critical ? ', critical' : ''}): `, h('span', { class: 'wrap' }, e.display)))),
    ),
    details('Certificate PEM', pre(toPem(c.der, 'CERTIFICATE'))),
  );
}
