/**
 * Search results: the index search answers entry IDs in log order (rekor-api.md §1.10); this
 * view pages them (PAGE_SIZE per page, `?page=` in the URL so a page can be linked), fetches
 * one page of entries, and verifies each one in the browser.
 */
import { decodeBody, parseBodyJson, type DecodedBody } from '../../src/core/body.js';
import { ATTRIBUTES, PAGE_SIZE, pageFromParams, type Search } from '../query.js';
import { retrieveEntries, searchIndex, type Entry } from '../api.js';
import { code, fields, h, link, notice, type Child } from '../dom.js';
import { plural } from '../format.js';
import { hashLink } from './body.js';
import { sanLink } from './certificate.js';
import { timeView, verify, type TrustResult } from './entry.js';
import { verdictBadge } from './verification.js';
import { nobleCrypto } from '../noble-crypto.js';
import { spkiFingerprint } from '../../src/core/spki.js';

/** Who signed, as the certificate says; marked when nothing vouches for it. */
function identity(body: DecodedBody, v: ReturnType<typeof verify>): Child {
  const unverified = !('error' in v) && v.identity.status === 'not-verified';
  const verifiers = body.kind === 'hashedrekord' ? [body.signature.verifier] : body.kind === 'other' ? [] : body.signatures.map((s) => s.verifier);
  const items = verifiers.flatMap((v) => {
    const leaf = v.certificates[0];
    if (leaf) {
      const issuer = leaf.fulcio.find((f) => f.arc === 8) ?? leaf.fulcio.find((f) => f.arc === 1);
      return [h('span', {}, ...leaf.san.map(sanLink), issuer ? h('span', { class: 'muted' }, ` via ${issuer.value}`) : '', unverified ? h('strong', { class: 'identity-unverified' }, ' (identity NOT verified)') : '')];
    }
    return v.publicKey ? [h('span', {}, `${v.publicKey.description} key `, code(spkiFingerprint(nobleCrypto, v.publicKey.der).slice(0, 16) + '…'))] : [];
  });
  return items.length ? items : undefined;
}

export function resultCard(e: Entry, trust: TrustResult): HTMLElement {
  const uuid = e.id.slice(-64);
  let body: DecodedBody | undefined;
  try {
    body = decodeBody(parseBodyJson(e.entry.body));
  } catch {
    body = undefined;
  }
  const verification = verify(e, trust);
  const hash = body?.kind === 'hashedrekord' ? body.hash : body?.kind === 'dsse' || body?.kind === 'intoto' ? body.payloadHash : undefined;
  return h(
    'li',
    { class: 'result', 'data-uuid': uuid },
    h(
      'h2',
      { class: 'result-title' },
      link({ uuid }, `Entry ${e.entry.logIndex.toLocaleString('en')}`, `Open log entry ${e.entry.logIndex}`),
      ' ',
      h('span', { class: 'kind' }, body ? (body.kind === 'other' ? body.name : body.kind) : 'unreadable body'),
      ' ',
      verdictBadge(verification),
    ),
    fields([
      ['UUID', code(uuid)],
      ['Integrated', timeView(e.entry.integratedTime)],
      ['Identity', body ? identity(body, verification) : undefined],
      [body?.kind === 'hashedrekord' ? 'Artifact hash' : 'Payload hash', hashLink(hash)],
    ], 'fields compact'),
  );
}

function pager(search: Search, page: number, pages: number): HTMLElement {
  const to = (p: number): Record<string, string> => ({ [search.attribute]: search.value, ...(p > 1 ? { page: String(p) } : {}) });
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Result pages' },
    page > 1 ? link(to(page - 1), '← Previous', `Previous page (${page - 1} of ${pages})`) : h('span', { class: 'muted' }, '← Previous'),
    h('span', { 'aria-current': 'page' }, `Page ${page} of ${pages}`),
    page < pages ? link(to(page + 1), 'Next →', `Next page (${page + 1} of ${pages})`) : h('span', { class: 'muted' }, 'Next →'),
  );
}

export async function resultsView(search: Search & { kind: 'index' }, params: URLSearchParams, trust: Promise<TrustResult>): Promise<HTMLElement> {
  const label = ATTRIBUTES.find((a) => a.id === search.attribute)?.label ?? search.attribute;
  const ids = await searchIndex(search.request);
  const heading = h('h1', { id: 'results-h', tabindex: -1 }, `${plural(ids.length, 'entry', 'entries')} for ${label.toLowerCase()} `, code(search.value));
  const note = 'note' in search && search.note ? h('p', { class: 'muted' }, search.note) : undefined;
  if (ids.length === 0) {
    return h('section', { class: 'results' }, heading, note, notice(`No entry in this log matches ${label.toLowerCase()} "${search.value}". Check the spelling, or try another attribute.`, 'empty'));
  }
  const page = pageFromParams(params, ids.length);
  const pages = Math.ceil(ids.length / PAGE_SIZE);
  const first = (page - 1) * PAGE_SIZE;
  const pageIds = ids.slice(first, first + PAGE_SIZE);
  const [entries, t] = await Promise.all([retrieveEntries(pageIds), trust]);
  const missing = pageIds.length - entries.length;
  return h(
    'section',
    { class: 'results', 'aria-labelledby': 'results-h' },
    heading,
    note,
    h('p', { class: 'showing' }, `Showing ${first + 1}–${first + pageIds.length} of ${ids.length.toLocaleString('en')}, oldest first`),
    missing > 0 && notice(`${plural(missing, 'entry', 'entries')} listed by the index could not be fetched from the log.`, 'error'),
    h('ol', { class: 'result-list', start: first + 1 }, ...entries.map((e) => resultCard(e, t))),
    pages > 1 && pager(search, page, pages),
  );
}
