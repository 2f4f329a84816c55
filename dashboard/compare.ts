import type { RunSummary, TestHistory } from './data.js';
import { runLabel } from './data.js';
import { h } from './dom.js';
import { componentsOf, filterBar, matches } from './filters.js';
import { navigate, readState } from './state.js';
import { historyStrip, historyLookup } from './strip.js';
import { failingLetter } from './verdict.js';

export type Comparison = Record<'new failures' | 'fixed' | 'still failing', TestHistory['tests']>;

/** How the tests of run `a` fared in run `b`, by their letters in data/tests.json. */
export function compareRuns(history: TestHistory, a: number, b: number): Comparison {
  const result: Comparison = { 'new failures': [], fixed: [], 'still failing': [] };
  for (const test of history.tests) {
    const before = test.history[a];
    const after = test.history[b];
    if (failingLetter(after) && !failingLetter(before)) result['new failures'].push(test);
    else if (failingLetter(before) && after === 'P') result.fixed.push(test);
    else if (failingLetter(before) && failingLetter(after)) result['still failing'].push(test);
  }
  return result;
}

/**
 * Any two kept runs side by side (default: the latest and the one before): new failures —
 * the regressions, highlighted — then fixed and still failing.
 */
export function compareView(index: RunSummary[], history: TestHistory | undefined): HTMLElement {
  const section = h('section', { class: 'compare', 'aria-labelledby': 'compare-title' });
  if (!history) {
    section.append(h('p', { class: 'compare-loading' }, 'Loading the comparison…'));
    return section;
  }
  const kept = index.filter((r) => !r.pruned && history.runs.includes(r.id));
  const state = readState();
  const a = state.a ?? kept[1]?.id;
  const b = state.b ?? kept[0]?.id;
  const ia = a === undefined ? -1 : history.runs.indexOf(a);
  const ib = b === undefined ? -1 : history.runs.indexOf(b);
  section.append(h('h2', { id: 'compare-title' }, 'Comparison'));
  if (ia < 0 || ib < 0) {
    section.append(h('p', {}, 'A comparison needs two runs still kept in full.'));
    return section;
  }
  const picker = (key: 'a' | 'b', label: string, selected: string) => {
    const select = h('select', { name: key, 'aria-label': label });
    for (const run of kept)
      select.append(h('option', { value: run.id, selected: run.id === selected }, runLabel(run)));
    select.addEventListener('change', () => navigate({ [key]: select.value }));
    return h('label', {}, h('span', { class: 'label' }, label), select);
  };
  const lookup = historyLookup(history);
  const byId = new Map(index.map((r) => [r.id, r]));
  const lists = h('div', { class: 'compare-lists' });
  const draw = () => {
    const filters = readState();
    const comparison = compareRuns(history, ia, ib);
    lists.replaceChildren(
      h(
        'p',
        { class: 'compare-title' },
        `${runLabel(byId.get(a!) ?? { id: a! })} → ${runLabel(byId.get(b!) ?? { id: b! })}`,
      ),
      ...Object.entries(comparison).map(([name, tests]) => {
        const shown = tests.filter((t) => matches(t, filters));
        const regression = name === 'new failures' && shown.length > 0;
        return h(
          'div',
          { class: `group${regression ? ' regression' : ''}`, 'data-group': name },
          h('h3', {}, `${name} (${shown.length})`),
          h(
            'ul',
            {},
            ...shown.map((t) =>
              h(
                'li',
                {},
                h(
                  'a',
                  { href: `#run=${encodeURIComponent(b!)}&q=${encodeURIComponent(t.scenario)}` },
                  `${t.spec} › ${t.scenario}`,
                ),
                ' ',
                historyStrip(lookup, t.id),
              ),
            ),
          ),
        );
      }),
    );
  };
  draw();
  section.append(
    h('div', { class: 'pickers' }, picker('a', 'before', a!), picker('b', 'after', b!)),
    filterBar({ state, components: componentsOf(history.tests), onChange: draw }),
    lists,
  );
  return section;
}
