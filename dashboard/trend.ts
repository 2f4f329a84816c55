import { max } from 'd3-array';
import { axisBottom, axisLeft, axisRight } from 'd3-axis';
import { scaleBand, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line, stack } from 'd3-shape';
import { categoryColour, UNCATEGORISED } from './colours.js';
import { runLabel, type RunSummary } from './data.js';
import { formatTime, h, percent } from './dom.js';

const HEIGHT = 220;
const MARGIN = { top: 12, right: 44, bottom: 28, left: 40 };

type Row = { run: RunSummary; counts: Record<string, number> };

/** Failures of each category in a run; those no category claimed are "uncategorised". */
function countsOf(run: RunSummary): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const category of run.categories) counts[category.id] = category.count;
  const claimed = run.categories.reduce((sum, c) => sum + c.count, 0);
  counts[UNCATEGORISED] = Math.max(0, run.summary.failed + run.summary.errored - claimed);
  return counts;
}

function describe(run: RunSummary): string[] {
  const s = run.summary;
  return [
    runLabel(run),
    formatTime(run.startedAt ?? run.publishedAt),
    `${percent(s.passed, s.total)} % passed: ${s.passed} of ${s.total}`,
    `${s.failed} failed, ${s.errored} errored, ${s.skipped} skipped`,
    ...run.categories.map((c) => `${c.name}: ${c.count}`),
    ...(run.incomplete ? ['incomplete: the run ended before the suite did'] : []),
    ...(run.pruned ? ['details removed by retention'] : []),
  ];
}

/**
 * The trend of the newest runs, oldest on the left: failures stacked by category (left axis)
 * under the pass rate (right axis). Each run is one focusable target: hovering or focusing it
 * shows the run, clicking or Enter opens it, the arrow keys move between runs.
 */
export function trendChart(
  runsNewestFirst: RunSummary[],
  options: { width: number; onOpen: (id: string) => void },
): HTMLElement {
  const width = Math.max(280, options.width);
  const shown = runsNewestFirst.slice(0, width < 560 ? 20 : 60).reverse();
  const rows: Row[] = shown.map((run) => ({ run, counts: countsOf(run) }));
  const categories = [...new Set(rows.flatMap((r) => Object.keys(r.counts)))].filter((id) =>
    rows.some((r) => (r.counts[id] ?? 0) > 0),
  );

  const x = scaleBand<string>()
    .domain(shown.map((r) => r.id))
    .range([MARGIN.left, width - MARGIN.right])
    .padding(0.2);
  const failures = scaleLinear()
    .domain([0, Math.max(1, max(shown, (r) => r.summary.failed + r.summary.errored) ?? 1)])
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const rate = scaleLinear()
    .domain([0, 100])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);

  const tooltip = h('div', { class: 'tooltip', role: 'status', hidden: true });
  const figure = h('figure', { class: 'chart' }, tooltip);
  const svg = select(figure)
    .insert('svg', ':first-child')
    .attr('class', 'trend')
    .attr('viewBox', `0 0 ${width} ${HEIGHT}`)
    .attr('width', width)
    .attr('height', HEIGHT)
    .attr('role', 'group')
    .attr('aria-label', `Failures by category and pass rate of the last ${shown.length} runs`);

  svg
    .append('g')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(
      axisBottom(x)
        .tickValues(shown.length > 12 ? [] : x.domain())
        .tickFormat((id) => {
          const run = shown.find((r) => r.id === id);
          return formatTime(run?.startedAt ?? run?.publishedAt).slice(5);
        }),
    );
  svg
    .append('g')
    .attr('transform', `translate(${MARGIN.left},0)`)
    // Failures are counted: whole numbers only.
    .call(
      axisLeft(failures)
        .ticks(Math.min(4, failures.domain()[1] ?? 1))
        .tickFormat((v) => (Number.isInteger(v) ? String(v) : '')),
    )
    .call((g) =>
      g
        .append('text')
        .attr('class', 'axis-label')
        .attr('x', 4)
        .attr('y', MARGIN.top)
        .text('failures'),
    );
  svg
    .append('g')
    .attr('transform', `translate(${width - MARGIN.right},0)`)
    .call(
      axisRight(rate)
        .ticks(4)
        .tickFormat((v) => `${String(v)} %`),
    );

  const layers = stack<Row>()
    .keys(categories)
    .value((row, key) => row.counts[key] ?? 0)(rows);
  svg
    .append('g')
    .attr('class', 'failures')
    .selectAll('g')
    .data(layers)
    .join('g')
    .attr('fill', (layer) => categoryColour(layer.key))
    .attr('data-category', (layer) => layer.key)
    .selectAll('rect')
    .data((layer) => layer.filter((point) => point[1] > point[0]))
    .join('rect')
    .attr('class', 'failure')
    .attr('x', (point) => x(point.data.run.id) ?? 0)
    .attr('width', x.bandwidth())
    .attr('y', (point) => failures(point[1]))
    .attr('height', (point) => failures(point[0]) - failures(point[1]));

  const centre = (run: RunSummary) => (x(run.id) ?? 0) + x.bandwidth() / 2;
  svg
    .append('path')
    .attr('class', 'pass-rate')
    .attr(
      'd',
      line<RunSummary>()
        .x(centre)
        .y((run) => rate(percent(run.summary.passed, run.summary.total)))(shown),
    );
  svg
    .append('g')
    .selectAll('circle')
    .data(shown)
    .join('circle')
    .attr('class', (run) => (run.incomplete ? 'rate incomplete' : 'rate'))
    .attr('r', 3)
    .attr('cx', centre)
    .attr('cy', (run) => rate(percent(run.summary.passed, run.summary.total)));

  const show = (run: RunSummary, target: SVGRectElement) => {
    tooltip.replaceChildren(...describe(run).map((text, i) => h(i ? 'div' : 'strong', {}, text)));
    tooltip.hidden = false;
    const left = Math.min(Number(target.getAttribute('x')), width - 220);
    tooltip.style.left = `${Math.max(0, left)}px`;
  };
  const hide = () => (tooltip.hidden = true);
  const open = (run: RunSummary) => {
    if (!run.pruned) options.onOpen(run.id);
  };
  const targets = svg
    .append('g')
    .attr('class', 'targets')
    .selectAll<SVGRectElement, RunSummary>('rect')
    .data(shown)
    .join('rect')
    .attr('class', (run) => {
      const bad = run.summary.failed + run.summary.errored > 0 || run.incomplete;
      return `run ${bad ? 'bad' : 'good'}${run.pruned ? ' pruned' : ''}`;
    })
    .attr('data-run', (run) => run.id)
    .attr('x', (run) => x(run.id) ?? 0)
    .attr('width', x.bandwidth())
    .attr('y', MARGIN.top)
    .attr('height', HEIGHT - MARGIN.top - MARGIN.bottom)
    .attr('tabindex', 0)
    .attr('role', 'link')
    .attr('aria-label', (run) => describe(run).join(', '))
    .on('mouseenter focus', function (_event, run) {
      show(run, this);
    })
    .on('mouseleave blur', hide)
    .on('click', (_event, run) => open(run))
    .on('keydown', function (event: KeyboardEvent, run) {
      const all = targets.nodes();
      const at = all.indexOf(this);
      if (event.key === 'Enter' || event.key === ' ') open(run);
      else if (event.key === 'ArrowLeft') all[Math.max(0, at - 1)]?.focus();
      else if (event.key === 'ArrowRight') all[Math.min(all.length - 1, at + 1)]?.focus();
      else return;
      event.preventDefault();
    });

  return h(
    'section',
    { class: 'trend-section', 'aria-labelledby': 'trend-title' },
    h('h2', { id: 'trend-title' }, 'Trend'),
    figure,
    legend(categories, rows),
  );
}

function legend(categories: string[], rows: Row[]): HTMLElement {
  const names = new Map<string, string>([[UNCATEGORISED, 'Uncategorised']]);
  for (const row of rows) for (const c of row.run.categories) names.set(c.id, c.name);
  return h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch line' }), 'pass rate'),
    ...categories.map((id) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = categoryColour(id);
      return h('li', {}, swatch, names.get(id) ?? id);
    }),
  );
}
