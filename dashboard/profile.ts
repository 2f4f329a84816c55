import { scaleBand, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { axisTop } from 'd3-axis';
import { isFailing, type ResourceProfile, type TestResult } from './data.js';
import { h } from './dom.js';

const RESOURCES = [
  { key: 'cpuCores', name: 'CPU', unit: (v: number) => `${v.toFixed(2)} cores` },
  { key: 'memoryBytes', name: 'memory', unit: (v: number) => `${(v / 2 ** 30).toFixed(2)} GiB` },
] as const;

/**
 * The resource profile over the run's specs: each spec's peak CPU and memory as a share of what
 * the nodes can allocate, the baseline before the suite marked, and the specs that had failures
 * marked, so a failure that coincides with a peak stands out.
 */
export function profileChart(
  profile: ResourceProfile,
  tests: TestResult[],
  width: number,
): HTMLElement {
  const failingSpecs = new Set(tests.filter((t) => isFailing(t.status)).map((t) => t.spec));
  const rowHeight = 34;
  const margin = { top: 24, right: 24, bottom: 8, left: 16 };
  const chartWidth = Math.max(280, width);
  const height = margin.top + margin.bottom + profile.specs.length * rowHeight;
  const share = (key: (typeof RESOURCES)[number]['key'], value: number) =>
    profile.allocatable[key] ? (100 * value) / profile.allocatable[key] : 0;
  const x = scaleLinear()
    .domain([0, 100])
    .range([margin.left, chartWidth - margin.right]);
  const y = scaleBand<string>()
    .domain(profile.specs.map((s) => s.spec))
    .range([margin.top, height - margin.bottom]);

  const svg = select(h('figure', { class: 'chart' }))
    .append('svg')
    .attr('class', 'profile')
    .attr('width', chartWidth)
    .attr('height', height)
    .attr('role', 'img')
    .attr(
      'aria-label',
      `Peak CPU and memory of ${profile.specs.length} specs as a share of allocatable`,
    );
  svg
    .append('g')
    .attr('transform', `translate(0,${margin.top})`)
    .call(
      axisTop(x)
        .ticks(5)
        .tickFormat((v) => `${String(v)} %`),
    );
  const rows = svg
    .selectAll('g.spec')
    .data(profile.specs)
    .join('g')
    .attr('class', (s) => (failingSpecs.has(s.spec) ? 'spec failing' : 'spec'))
    .attr('transform', (s) => `translate(0,${y(s.spec) ?? 0})`);
  rows
    .append('text')
    .attr('x', margin.left)
    .attr('y', 11)
    .text((s) => `${failingSpecs.has(s.spec) ? '✗ ' : ''}${s.spec}`);
  RESOURCES.forEach((resource, i) => {
    rows
      .append('rect')
      .attr('class', `peak ${resource.name}`)
      .attr('x', margin.left)
      .attr('y', 14 + i * 8)
      .attr('height', 7)
      .attr('width', (s) => Math.max(1, x(share(resource.key, s[resource.key].max)) - margin.left))
      .append('title')
      .text(
        (s) =>
          `${s.spec}: ${resource.name} peak ${resource.unit(s[resource.key].max)}, p95 ${resource.unit(s[resource.key].p95)}, average ${resource.unit(s[resource.key].avg)}`,
      );
  });
  svg
    .selectAll('line.baseline')
    .data(RESOURCES)
    .join('line')
    .attr('class', (r) => `baseline ${r.name}`)
    .attr('x1', (r) => x(share(r.key, profile.baseline[r.key])))
    .attr('x2', (r) => x(share(r.key, profile.baseline[r.key])))
    .attr('y1', margin.top)
    .attr('y2', height - margin.bottom)
    .append('title')
    .text((r) => `${r.name} in use before the suite: ${r.unit(profile.baseline[r.key])}`);

  const recommendation = profile.recommendation;
  return h(
    'section',
    { class: 'profile-section', 'aria-labelledby': 'profile-title' },
    h('h3', { id: 'profile-title' }, 'Resource profile'),
    h(
      'p',
      {},
      recommendation.parallelism === undefined
        ? 'No recommendation: nothing was measured.'
        : `Recommended parallel streams: ${recommendation.parallelism}` +
            (recommendation.limitingResource
              ? ` (limited by ${recommendation.limitingResource})`
              : ''),
    ),
    h('p', { class: 'small' }, recommendation.reasoning),
    h(
      'ul',
      { class: 'legend' },
      h('li', {}, h('span', { class: 'swatch cpu' }), 'CPU peak'),
      h('li', {}, h('span', { class: 'swatch memory' }), 'memory peak'),
      h('li', {}, h('span', { class: 'swatch baseline' }), 'before the suite'),
      h('li', {}, '✗ spec with failures'),
    ),
    h('div', { class: 'scroll' }, svg.node()!.parentNode!),
  );
}
