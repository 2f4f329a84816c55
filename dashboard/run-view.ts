import { groups } from 'd3-array';
import { categoryColour, UNCATEGORISED } from './colours.js';
import { isFailing, runLabel, type ResourceProfile, type Results } from './data.js';
import { formatDuration, formatTime, h, percent, safeLink } from './dom.js';
import { componentsOf, filterBar, matches } from './filters.js';
import { profileChart } from './profile.js';
import { readState } from './state.js';
import { historyStrip, type HistoryLookup } from './strip.js';
import { testsTable } from './table.js';

/** A GitHub-style link to a commit of a component's repository, or the commit as text. */
function commitLink(repo: string, commit: string): HTMLElement {
  const base = repo.replace(/\.git$/, '').replace(/\/$/, '');
  return safeLink(`${base}/commit/${commit}`, commit.slice(0, 12));
}

function totals(run: Results): HTMLElement {
  const s = run.summary;
  const figure = (name: string, value: number | string, kind = '') =>
    h('div', { class: `total ${kind}` }, h('strong', {}, value), h('span', {}, name));
  return h(
    'div',
    { class: 'totals' },
    figure('pass rate', `${percent(s.passed, s.total)} %`),
    figure('tests', s.total),
    figure('passed', s.passed, 'passed'),
    figure('failed', s.failed, s.failed ? 'failed' : ''),
    figure('errored', s.errored, s.errored ? 'errored' : ''),
    figure('skipped', s.skipped, 'skipped'),
    figure('duration', formatDuration(s.durationSeconds)),
  );
}

function facts(run: Results): HTMLElement {
  const trigger = run.run.trigger;
  const item = (name: string, value: Node | string | undefined) =>
    value ? [h('dt', {}, name), h('dd', {}, value)] : [];
  const phases = Object.entries(run.phases ?? {})
    .map(
      ([name, phase]) =>
        `${name} ${phase.status}${phase.durationSeconds === undefined ? '' : ` in ${formatDuration(phase.durationSeconds)}`}${phase.error ? `: ${phase.error}` : ''}`,
    )
    .join('; ');
  return h(
    'dl',
    { class: 'facts' },
    ...item('started', formatTime(run.run.startedAt)),
    ...item('finished', formatTime(run.run.finishedAt)),
    ...item('trigger', trigger && safeLink(trigger.url, trigger.event)),
    ...item('pull request', trigger?.pr === undefined ? undefined : `#${trigger.pr}`),
    ...item(
      'cluster',
      [
        run.run.cluster?.version,
        run.run.cluster?.operatorVersion && `operator ${run.run.cluster.operatorVersion}`,
      ]
        .filter(Boolean)
        .join(', '),
    ),
    ...item(
      'release-tests',
      run.releaseTests &&
        h(
          'span',
          {},
          `${run.releaseTests.ref} `,
          run.releaseTests.commit ? commitLink(run.releaseTests.repo, run.releaseTests.commit) : '',
          run.releaseTests.tags ? ` — tags ${run.releaseTests.tags}` : '',
        ),
    ),
    ...item('phases', phases),
    ...item(
      'results from',
      { junit: 'the xml-report', console: "Gauge's console output", none: 'no test ran' }[
        run.source
      ],
    ),
  );
}

/**
 * Each component's ref, built commit and images, and — when the deployment recorded it — the
 * version the operator ships for it, whose manifests, RBAC and CRDs the built images ran with.
 */
function componentsTable(run: Results): HTMLElement {
  const payload = run.components.some((c) => c.payload !== undefined);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'components' },
      h('caption', {}, 'Components'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['component', 'ref', 'commit'].map((t) => h('th', { scope: 'col' }, t)),
          payload &&
            h(
              'th',
              {
                scope: 'col',
                title:
                  'The version the operator ships for the component: it installs that version’s manifests, RBAC and CRDs and only swaps the images.',
              },
              'operator ships',
            ),
          h('th', { scope: 'col' }, 'images'),
        ),
      ),
      h(
        'tbody',
        {},
        ...run.components.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, safeLink(c.repo, c.name)),
            h('td', {}, c.ref),
            h('td', {}, commitLink(c.repo, c.commit)),
            payload && h('td', { class: 'payload' }, c.payload ?? ''),
            h('td', { class: 'num' }, c.images?.length ?? ''),
          ),
        ),
      ),
    ),
  );
}

/** Failures grouped by category, each with its message and stack behind a disclosure. */
function failures(run: Results, shown: Results['tests'], history: HistoryLookup | undefined) {
  const failing = shown.filter((t) => isFailing(t.status));
  const categories = new Map(run.categories.map((c) => [c.id, c]));
  const grouped = groups(failing, (t) => t.category ?? UNCATEGORISED);
  return h(
    'section',
    { class: 'failures', 'aria-labelledby': 'failures-title' },
    h('h3', { id: 'failures-title' }, `Failures (${failing.length})`),
    failing.length === 0 && h('p', {}, 'No failing test matches.'),
    ...grouped.map(([id, tests]) => {
      const category = categories.get(id);
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = categoryColour(id);
      return h(
        'div',
        { class: 'category', 'data-category': id },
        h('h4', {}, swatch, `${category?.name ?? 'Uncategorised'} (${tests.length})`),
        category?.description && h('p', { class: 'small' }, category.description),
        ...tests.map((t) =>
          h(
            'details',
            {},
            h(
              'summary',
              {},
              h('span', { class: 'name' }, `${t.spec} › ${t.scenario}`),
              ' ',
              historyStrip(history, t.id),
            ),
            h(
              'pre',
              {},
              [t.message, t.stack].filter(Boolean).join('\n\n') || 'No message recorded.',
            ),
          ),
        ),
      );
    }),
  );
}

/** One run: what ran, what it tested, what failed and why, and every test. */
export function runView(
  run: Results,
  options: { history: HistoryLookup | undefined; width: number },
): HTMLElement {
  const categoryNames = new Map(run.categories.map((c) => [c.id, c.name]));
  const filtered = h('div', { class: 'filtered' });
  const draw = () => {
    const state = readState();
    const shown = run.tests.filter((t) => matches(t, state));
    filtered.replaceChildren(
      failures(run, shown, options.history),
      h('h3', {}, 'Tests'),
      testsTable(shown, { categoryNames, history: options.history, onSort: draw }),
    );
  };
  draw();
  const profile = run.profile as ResourceProfile | undefined;
  return h(
    'section',
    { class: 'run', 'aria-labelledby': 'run-title' },
    h('p', {}, h('a', { href: '#' }, '← all runs')),
    h('h2', { id: 'run-title' }, runLabel(run.run)),
    run.incomplete &&
      h(
        'p',
        { class: 'warning' },
        'Incomplete: the run ended before the suite did, so some tests never ran.',
      ),
    ...run.warnings.map((w) => h('p', { class: 'warning' }, w)),
    totals(run),
    facts(run),
    componentsTable(run),
    profile?.specs?.length ? profileChart(profile, run.tests, options.width) : '',
    filterBar({
      state: readState(),
      components: componentsOf(run.tests),
      categories: run.categories
        .filter((c) => c.count > 0)
        .map((c) => ({ value: c.id, text: c.name })),
      statuses: ['failed', 'errored', 'skipped', 'passed'],
      onChange: draw,
    }),
    filtered,
  );
}
