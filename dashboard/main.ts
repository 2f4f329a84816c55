// The dashboard: one page that reads data/ and routes by the URL's fragment. The trend and the
// run list need only data/index.json; the per-test history (larger) follows and fills in the
// comparison and the history strips.
import { compareView } from './compare.js';
import {
  loadHistory,
  loadIndex,
  loadRun,
  runLabel,
  type RunSummary,
  type SiteIndex,
  type TestHistory,
} from './data.js';
import { formatTime, h, percent } from './dom.js';
import { runView } from './run-view.js';
import { navigate, readState } from './state.js';
import { historyLookup } from './strip.js';
import { trendChart } from './trend.js';

const main = document.getElementById('main')!;
let index: SiteIndex | undefined;
let history: TestHistory | undefined;
let drawing = 0;

function runList(runs: RunSummary[]): HTMLElement {
  const rows = runs.map((r) =>
    h(
      'tr',
      { class: r.summary.failed + r.summary.errored > 0 || r.incomplete ? 'bad' : 'good' },
      h(
        'td',
        {},
        r.pruned ? runLabel(r) : h('a', { href: `#run=${encodeURIComponent(r.id)}` }, runLabel(r)),
      ),
      h('td', {}, formatTime(r.startedAt ?? r.publishedAt)),
      h('td', { class: 'num' }, `${percent(r.summary.passed, r.summary.total)} %`),
      h('td', { class: 'num' }, r.summary.total),
      h('td', { class: 'num' }, r.summary.failed + r.summary.errored),
      h(
        'td',
        {},
        [r.incomplete && 'incomplete', r.pruned && 'summary only'].filter(Boolean).join(', '),
      ),
      h(
        'td',
        { class: 'components' },
        r.components.map((c) => `${c.name}@${c.commit.slice(0, 7)}`).join(', '),
      ),
    ),
  );
  return h(
    'section',
    { class: 'runs', 'aria-labelledby': 'runs-title' },
    h('h2', { id: 'runs-title' }, `Runs (${runs.length})`),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['run', 'started', 'passed', 'tests', 'failed', '', 'components'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

async function draw(): Promise<void> {
  if (!index) return;
  const ticket = ++drawing;
  const state = readState();
  const width = main.clientWidth;
  if (!state.run) {
    if (index.runs.length === 0)
      return void main.replaceChildren(h('p', {}, 'No run published yet.'));
    main.replaceChildren(
      trendChart(index.runs, { width, onOpen: (id) => navigate({ run: id }) }),
      compareView(index.runs, history),
      runList(index.runs),
    );
    return;
  }
  if (!main.querySelector('section.run'))
    main.replaceChildren(h('p', { role: 'status' }, 'Loading the run…'));
  const run = await loadRun(state.run);
  // A later navigation has started its own drawing: this one is stale.
  if (ticket !== drawing) return;
  main.replaceChildren(runView(run, { history: historyLookup(history), width }));
}

async function start(): Promise<void> {
  const pendingHistory = loadHistory();
  index = await loadIndex();
  await draw();
  // The benchmark reads this: the time to the first chart by the page's own clock.
  performance.mark('streamstress:first-view');
  history = await pendingHistory;
  await draw();
  performance.mark('streamstress:complete-view');
}

const fail = (error: unknown) =>
  main.replaceChildren(
    h(
      'p',
      { class: 'warning', role: 'alert' },
      `Cannot load the data: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );

window.addEventListener('hashchange', () => void draw().catch(fail));
let resized: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resized);
  // Charts are drawn for the page's width; a new width redraws them, once the resizing stops.
  resized = window.setTimeout(() => !readState().run && void draw().catch(fail), 200);
});
start().catch(fail);
