/**
 * The entry body per kind (rekor-api.md §2): hashedrekord (digest, signature, key or
 * certificate), dsse (envelope and payload hashes, signatures with their verifiers) and intoto
 * (0.0.1/0.0.2). Hashes link to the hash search; identities to theirs.
 */
import type { DecodedBody, HashRef, SignatureRef, Verifier } from '../../src/core/body.js';
import { code, fields, h, link, notice, type Child } from '../dom.js';
import { certificateView, publicKeyFields, type IdentityStatus } from './certificate.js';

export function hashLink(hash: HashRef | undefined): Child {
  if (!hash) return undefined;
  const text = `${hash.algorithm}:${hash.value}`;
  return hash.algorithm === 'sha256' || hash.algorithm === 'sha512'
    ? link({ hash: text }, code(text), `Search entries with hash ${text}`)
    : code(text);
}

function verifierView(v: Verifier, n: number, of: number, identity: IdentityStatus | undefined): Child {
  const suffix = of > 1 ? ` ${n + 1}` : '';
  if (v.error) return notice([h('strong', {}, `Verifier${suffix}: `), v.error], 'error');
  const [leaf, ...chain] = v.certificates;
  if (!leaf) {
    return v.publicKey && h('section', { class: 'panel', 'aria-label': `Public key${suffix}` }, h('h3', {}, `Public key${suffix}`), publicKeyFields(v.publicKey));
  }
  return [
    certificateView(leaf, `Signing certificate${suffix}`, identity),
    chain.map((c, i) => certificateView(c, `Chain certificate ${i + 1}${suffix ? ` (verifier${suffix})` : ''}`)),
  ];
}

function signatures(list: SignatureRef[], identity: IdentityStatus | undefined): Child {
  return list.map((s, i) => [
    s.signature && fields([[list.length > 1 ? `Signature ${i + 1}` : 'Signature', code(s.signature, 'b64')]]),
    verifierView(s.verifier, i, list.length, identity),
  ]);
}

/** `identity`: the entry's identity verdict, shown beside each signing certificate's SAN. */
export function bodyView(body: DecodedBody, identity?: IdentityStatus): HTMLElement {
  const section = (title: string, ...kids: Child[]): HTMLElement =>
    h('section', { class: 'panel body', 'aria-labelledby': 'body-h' }, h('h2', { id: 'body-h' }, title), ...kids);
  switch (body.kind) {
    case 'hashedrekord':
      return section(
        `hashedrekord ${body.apiVersion}: a signature over an artifact digest`,
        fields([
          ['Artifact hash', hashLink(body.hash)],
          ['Signature', code(body.signature.signature, 'b64')],
        ]),
        verifierView(body.signature.verifier, 0, 1, identity),
      );
    case 'dsse':
      return section(
        `dsse ${body.apiVersion}: a signed DSSE envelope (only its hashes are logged)`,
        fields([
          ['Payload hash', hashLink(body.payloadHash)],
          ['Envelope hash', hashLink(body.envelopeHash)],
          ['Signatures', String(body.signatures.length)],
        ]),
        signatures(body.signatures, identity),
      );
    case 'intoto':
      return section(
        `intoto ${body.apiVersion}: an in-toto attestation envelope`,
        fields([
          ['Payload type', body.payloadType],
          ['Envelope hash', hashLink(body.hash)],
          ['Payload hash', hashLink(body.payloadHash)],
        ]),
        signatures(body.signatures, identity),
      );
    default:
      return section(`${body.name} ${body.apiVersion}`, notice(`This page decodes hashedrekord, dsse and intoto entries; a ${body.name} entry is shown in the raw body below.`));
  }
}
