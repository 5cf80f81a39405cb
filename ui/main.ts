/**
 * The Sealhouse search UI (rekor-api.md §9, extended): a page that finds log entries and
 * verifies them in the browser. The URL is the state (`?email=…`, `?uuid=…`, `?view=log`, …),
 * so every result can be linked; same-page links navigate with the History API.
 */
import { getEntryByIndex, getEntryByUuid } from './api.js';
import { errorHeading } from './errors.js';
import { parseSearch, searchFromParams } from './query.js';
import { errorBox, h, notice } from './dom.js';
import { loadTrust } from './trust-source.js';
import { entryView, type TrustResult } from './views/entry.js';
import { homeView } from './views/home.js';
import { logView } from './views/log.js';
import { resultsView } from './views/results.js';
import { searchForm } from './views/search-form.js';

const view = document.getElementById('view') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
let generation = 0;

const trust = (): Promise<TrustResult> => loadTrust().then((t) => ({ trust: t }), (err: Error) => ({ error: err.message }));

function navigate(params: Record<string, string>): void {
  history.pushState(null, '', `?${new URLSearchParams(params).toString()}`);
  void render(true);
}

const form = searchForm(navigate);
document.getElementById('search-slot')?.replaceWith(form.element);

async function route(params: URLSearchParams): Promise<HTMLElement> {
  if (params.get('view') === 'log') {
    document.title = 'Log · Sealhouse';
    return logView(params, trust(), navigate);
  }
  const named = searchFromParams(params);
  form.show(named?.attribute, named?.raw ?? '');
  if (!named) {
    document.title = 'Sealhouse search';
    return homeView(trust());
  }
  document.title = `${named.raw} · Sealhouse search`;
  const search = parseSearch(named.attribute, named.raw);
  if (search.kind === 'index') return resultsView(search, params, trust());
  const found = search.kind === 'uuid' ? await getEntryByUuid(search.value) : await getEntryByIndex(search.index);
  if (!found) {
    const what = search.kind === 'uuid' ? `UUID ${search.value}` : `log index ${search.value}`;
    return h('section', {}, h('h1', { tabindex: -1 }, 'No such entry'), notice(`This log has no entry with ${what}.`, 'empty'));
  }
  return entryView(found, await trust(), search.kind === 'uuid' ? { uuid: search.value } : { logIndex: search.index });
}

function describeError(err: unknown): HTMLElement {
  return errorBox(errorHeading(err), err instanceof Error ? err.message : String(err));
}

async function render(moveFocus: boolean): Promise<void> {
  const mine = ++generation;
  view.setAttribute('aria-busy', 'true');
  view.dataset.state = 'loading';
  status.textContent = 'Loading…';
  let content: HTMLElement;
  try {
    content = await route(new URLSearchParams(location.search));
  } catch (err) {
    content = describeError(err);
  }
  if (mine !== generation) return; // a newer navigation won
  view.replaceChildren(content);
  view.removeAttribute('aria-busy');
  view.dataset.state = 'ready';
  status.textContent = '';
  if (moveFocus) (view.querySelector('h1') ?? view.querySelector('[role="alert"]') ?? view).focus?.();
}

// Same-page links (`?…`) navigate without reloading; modified clicks keep their browser meaning.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href') ?? '';
  if (!href.startsWith('?')) return;
  e.preventDefault();
  history.pushState(null, '', href);
  void render(true);
});
window.addEventListener('popstate', () => void render(true));

// Never a blank page: anything that escapes is shown where the content would be.
function showFatal(err: unknown): void {
  view.replaceChildren(describeError(err));
  view.removeAttribute('aria-busy');
  view.dataset.state = 'ready';
  status.textContent = '';
}
window.addEventListener('error', (e) => showFatal(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => showFatal(e.reason));

document.documentElement.classList.add('js');
void render(false);
