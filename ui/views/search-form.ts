/**
 * The search form in the page header: an attribute, a value, and a button. Input is checked
 * before anything is fetched; a problem is shown next to the field (aria-invalid, and the
 * message is the field's description), never only in the console.
 */
import { UiError } from '../errors.js';
import { ATTRIBUTES, parseSearch, type Attribute } from '../query.js';
import { h } from '../dom.js';

export interface SearchForm {
  readonly element: HTMLFormElement;
  /** Show the search a URL names in the form. */
  show(attribute: Attribute | undefined, raw: string): void;
}

export function searchForm(navigate: (params: Record<string, string>) => void): SearchForm {
  const select = h('select', { id: 'search-attribute', name: 'attribute' }, ...ATTRIBUTES.map((a) => h('option', { value: a.id }, a.label)));
  const input = h('input', { id: 'search-value', name: 'q', type: 'search', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'search-error' });
  const error = h('p', { id: 'search-error', class: 'field-error', 'aria-live': 'assertive' });
  const placeholder = (): void => {
    input.placeholder = ATTRIBUTES.find((a) => a.id === select.value)?.placeholder ?? '';
  };
  const clearError = (): void => {
    error.textContent = '';
    input.removeAttribute('aria-invalid');
  };
  select.addEventListener('change', () => {
    placeholder();
    clearError();
  });
  input.addEventListener('input', clearError);
  const form = h(
    'form',
    { class: 'search', role: 'search', 'aria-label': 'Search the log' },
    h('div', { class: 'search-field attr' }, h('label', { for: 'search-attribute' }, 'Search by'), select),
    h('div', { class: 'search-field value' }, h('label', { for: 'search-value' }, 'Value'), input),
    h('button', { type: 'submit' }, 'Search'),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const search = parseSearch(select.value, input.value);
      clearError();
      navigate({ [search.attribute]: input.value.trim() });
    } catch (err) {
      if (!(err instanceof UiError && err.code === 'bad-search')) throw err;
      error.textContent = err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  placeholder();
  return {
    element: form,
    show(attribute, raw) {
      if (attribute) select.value = attribute;
      input.value = raw;
      placeholder();
      clearError();
    },
  };
}
