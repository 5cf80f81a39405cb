/** The start page: what this is, and the latest entries of the log (verified like any other). */
import { getLogInfo, retrieveByIndexes } from '../api.js';
import { h, link, notice } from '../dom.js';
import type { TrustResult } from './entry.js';
import { resultCard } from './results.js';

const RECENT = 10;

export async function homeView(trust: Promise<TrustResult>): Promise<HTMLElement> {
  const info = await getLogInfo();
  const intro = h(
    'section',
    { class: 'intro' },
    h('h1', { tabindex: -1 }, 'Search the transparency log'),
    h(
      'p',
      {},
      'Find entries by email, artifact hash, Git commit, identity, UUID or log index. Every entry you open is verified in your browser — its signed entry timestamp, inclusion proof and checkpoint against the log key, and its signer’s certificate against the trusted CA — not taken on the server’s word. Pin a trusted root you obtained out of band on the Log page, or the keys are only the server’s own. ',
      link({ view: 'log' }, 'Check the log’s consistency'),
      '.',
    ),
  );
  if (info.treeSize === 0) return h('div', {}, intro, notice('The log is empty: nothing has been logged yet.', 'empty'));
  const indexes: number[] = [];
  for (let i = info.treeSize - 1; i >= 0 && indexes.length < RECENT; i--) indexes.push(i);
  const [entries, t] = await Promise.all([retrieveByIndexes(indexes), trust]);
  return h(
    'div',
    {},
    intro,
    h(
      'section',
      { class: 'results', 'aria-labelledby': 'recent-h' },
      h('h2', { id: 'recent-h' }, `Latest entries (the log has ${info.treeSize.toLocaleString('en')})`),
      h('ol', { class: 'result-list', reversed: true }, ...entries.map((e) => resultCard(e, t))),
    ),
  );
}
