import { h } from './dom.js';
import { navigate, type ViewState } from './state.js';
import { areaOf } from './verdict.js';

export type Filters = Pick<ViewState, 'component' | 'category' | 'status' | 'q'>;

type Filterable = {
  id: string;
  spec: string;
  scenario: string;
  specFile?: string | undefined;
  status?: string | undefined;
  category?: string | undefined;
  message?: string | undefined;
};

export function matches(test: Filterable, filters: Filters): boolean {
  if (filters.component && areaOf(test) !== filters.component) return false;
  if (filters.category && test.category !== filters.category) return false;
  if (filters.status && test.status !== filters.status) return false;
  if (filters.q) {
    const text = `${test.spec} ${test.scenario} ${test.message ?? ''}`.toLowerCase();
    if (
      !filters.q
        .toLowerCase()
        .split(/\s+/)
        .every((word) => text.includes(word))
    )
      return false;
  }
  return true;
}

type Option = { value: string; text: string };

/**
 * Filter controls whose values live in the URL. A change replaces the URL's state and calls
 * `onChange`, which redraws only what the filters select, so typing keeps the focus.
 */
export function filterBar(options: {
  state: ViewState;
  components: string[];
  categories?: Option[];
  statuses?: string[];
  onChange: () => void;
}): HTMLElement {
  const choose = (key: keyof Filters, label: string, choices: Option[]) => {
    const select = h(
      'select',
      { name: key, 'aria-label': label },
      h('option', { value: '' }, `all ${label}`),
    );
    for (const choice of choices)
      select.append(
        h(
          'option',
          { value: choice.value, selected: choice.value === options.state[key] },
          choice.text,
        ),
      );
    select.addEventListener('change', () => {
      navigate({ [key]: select.value }, { replace: true });
      options.onChange();
    });
    return h('label', {}, h('span', { class: 'label' }, label), select);
  };
  const search = h('input', {
    type: 'search',
    name: 'q',
    placeholder: 'spec, scenario or message',
    value: options.state.q ?? '',
    'aria-label': 'search tests',
  });
  search.addEventListener('input', () => {
    navigate({ q: search.value }, { replace: true });
    options.onChange();
  });
  const asOptions = (values: string[]) => values.map((value) => ({ value, text: value }));
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    choose('component', 'components', asOptions(options.components)),
    options.categories && choose('category', 'categories', options.categories),
    options.statuses && choose('status', 'statuses', asOptions(options.statuses)),
    h('label', { class: 'grow' }, h('span', { class: 'label' }, 'text'), search),
  );
  // Enter in the search box would submit the form and reload the page.
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

export function componentsOf(tests: readonly Filterable[]): string[] {
  return [...new Set(tests.map(areaOf))].sort();
}
