import { select } from 'd3-selection';
import { STATUS_COLOUR } from './colours.js';
import type { TestHistory } from './data.js';
import { h } from './dom.js';
import { describeVerdict, STATUS_OF_LETTER, verdictOf } from './verdict.js';

const CELL = 7;
const SHOWN = 30;

export type HistoryLookup = { runs: string[]; byTest: Map<string, string> };

export function historyLookup(history: TestHistory | undefined): HistoryLookup | undefined {
  if (!history) return undefined;
  return { runs: history.runs, byTest: new Map(history.tests.map((t) => [t.id, t.history])) };
}

/**
 * A test's last results as a strip of cells (oldest left) with its verdict, so a flaky test
 * (alternating colours) looks different from a broken one (one colour since a run).
 */
export function historyStrip(lookup: HistoryLookup | undefined, testId: string): HTMLElement {
  const letters = lookup?.byTest.get(testId);
  if (!lookup || letters === undefined) return h('span', { class: 'history' });
  const verdict = verdictOf(letters, lookup.runs);
  const from = Math.max(0, letters.length - SHOWN);
  const shown = [...letters.slice(from)];
  const text = describeVerdict(verdict);
  const wrapper = h('span', { class: `history ${verdict.kind}` });
  select(wrapper)
    .append('svg')
    .attr('width', shown.length * CELL)
    .attr('height', 12)
    .attr('role', 'img')
    .attr('aria-label', `last ${shown.length} runs: ${shown.join('')}`)
    .selectAll('rect')
    .data(shown)
    .join('rect')
    .attr('x', (_letter, i) => i * CELL)
    .attr('width', CELL - 1)
    .attr('height', 12)
    .attr('fill', (letter) => STATUS_COLOUR[STATUS_OF_LETTER[letter] ?? 'absent'] ?? 'transparent')
    .attr('class', (letter) => (letter === '-' ? 'absent' : null))
    .append('title')
    .text((letter, i) => `${lookup.runs[from + i]}: ${STATUS_OF_LETTER[letter] ?? letter}`);
  if (text) wrapper.append(h('span', { class: 'verdict' }, text));
  return wrapper;
}
