/**
 * A tiny element builder. Every text from the server goes in as a text node (never innerHTML),
 * so a hostile entry body cannot inject markup into the page.
 */
export type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, kids);
  return el;
}

export function append(parent: Node, kids: Child[]): void {
  for (const kid of kids) {
    if (kid === false || kid === null || kid === undefined) continue;
    if (Array.isArray(kid)) append(parent, kid);
    else parent.appendChild(typeof kid === 'string' || typeof kid === 'number' ? document.createTextNode(String(kid)) : kid);
  }
}

/** A description list of label/value rows; rows with an undefined value are left out. */
export function fields(rows: [string, Child][], cls = 'fields'): HTMLDListElement {
  const dl = h('dl', { class: cls });
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === false) continue;
    dl.append(h('dt', {}, label), h('dd', {}, value));
  }
  return dl;
}

/** Hex, base64 and other long machine strings: monospace, wrapping anywhere. */
export const code = (text: string, cls = ''): HTMLElement => h('code', { class: `mono ${cls}`.trim() }, text);

export const pre = (text: string): HTMLPreElement => h('pre', { class: 'mono', tabindex: 0 }, text);

/** A same-page link (`?email=…`); main.ts turns clicks on it into history navigation. */
export function link(params: Record<string, string>, text: Child, label?: string): HTMLAnchorElement {
  return h('a', { href: `?${new URLSearchParams(params).toString()}`, 'aria-label': label }, text);
}

/** A collapsible section, closed by default. */
export function details(summary: string, ...kids: Child[]): HTMLDetailsElement {
  return h('details', {}, h('summary', {}, summary), ...kids);
}

/** A readable error box: role="alert" so screen readers announce it. */
export function errorBox(title: string, message: string): HTMLElement {
  return h('div', { class: 'notice error', role: 'alert' }, h('strong', {}, title), h('p', {}, message));
}

export function notice(message: Child, cls = 'info'): HTMLElement {
  return h('div', { class: `notice ${cls}` }, message);
}
