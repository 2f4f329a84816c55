import { ascending, descending } from 'd3-array';
import type { TestResult } from './data.js';
import { formatDuration, h } from './dom.js';
import { navigate, readState } from './state.js';
import { historyStrip, type HistoryLookup } from './strip.js';
import { areaOf } from './verdict.js';

type Column = {
  key: string;
  title: string;
  value: (test: TestResult) => string | number;
  numeric?: boolean;
};

const STATUS_ORDER: Record<string, number> = { errored: 0, failed: 1, skipped: 2, passed: 3 };

const COLUMNS: Column[] = [
  { key: 'status', title: 'status', value: (t) => STATUS_ORDER[t.status] ?? 9 },
  { key: 'spec', title: 'spec', value: (t) => t.spec },
  { key: 'scenario', title: 'scenario', value: (t) => t.scenario },
  { key: 'component', title: 'component', value: (t) => areaOf(t) },
  { key: 'category', title: 'category', value: (t) => t.category ?? '' },
  {
    key: 'duration',
    title: 'duration',
    value: (t) => t.durationSeconds ?? -1,
    numeric: true,
  },
];

/** `sort=duration` ascending, `sort=-duration` descending; failures first by default. */
function sortOf(state: string | undefined): { column: Column; descending: boolean } {
  const descendingOrder = state?.startsWith('-') ?? false;
  const key = state?.replace(/^-/, '') ?? 'status';
  return {
    column: COLUMNS.find((c) => c.key === key) ?? COLUMNS[0]!,
    descending: descendingOrder,
  };
}

/**
 * Every test of a run in a table sorted by any column: the column headings are buttons (so the
 * keyboard reaches them), the order is kept in the URL and announced through aria-sort.
 */
export function testsTable(
  tests: TestResult[],
  options: {
    categoryNames: Map<string, string>;
    history: HistoryLookup | undefined;
    onSort: () => void;
  },
): HTMLElement {
  const sort = sortOf(readState().sort);
  const order = sort.descending ? descending : ascending;
  const sorted = [...tests].sort(
    (a, b) =>
      order(sort.column.value(a), sort.column.value(b)) ||
      ascending(a.spec, b.spec) ||
      ascending(a.scenario, b.scenario),
  );
  const heading = (column: Column) => {
    const active = column === sort.column;
    const button = h(
      'button',
      { type: 'button' },
      column.title,
      active ? (sort.descending ? ' ▼' : ' ▲') : '',
    );
    button.addEventListener('click', () => {
      const descendingNext = active ? !sort.descending : column.numeric === true;
      navigate({ sort: `${descendingNext ? '-' : ''}${column.key}` }, { replace: true });
      options.onSort();
      // The table was drawn again: give the keyboard back the heading it pressed.
      document.querySelector<HTMLElement>('table.tests th[aria-sort] button')?.focus();
    });
    return h(
      'th',
      {
        scope: 'col',
        'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : undefined,
        class: column.numeric ? 'num' : undefined,
      },
      button,
    );
  };
  const rows = sorted.map((test) =>
    h(
      'tr',
      { class: `status-${test.status}` },
      h('td', {}, h('span', { class: `badge ${test.status}` }, test.status)),
      h('td', {}, test.spec),
      h('td', {}, test.scenario, test.row === undefined ? '' : ` #${test.row}`),
      h('td', {}, areaOf(test)),
      h('td', {}, test.category ? (options.categoryNames.get(test.category) ?? test.category) : ''),
      h('td', { class: 'num' }, formatDuration(test.durationSeconds)),
      h('td', {}, historyStrip(options.history, test.id)),
    ),
  );
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'tests' },
      h('caption', {}, `${tests.length} tests`),
      h('thead', {}, h('tr', {}, ...COLUMNS.map(heading), h('th', { scope: 'col' }, 'history'))),
      h('tbody', {}, ...rows),
    ),
  );
}
