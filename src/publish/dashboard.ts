import { createHash } from 'node:crypto';

// The dashboard's script. Every value from data/ is untrusted (test names, messages, labels):
// it reaches the page through textContent and attributes only, never as markup.
const SCRIPT = String.raw`
'use strict';
const $ = (tag, attrs, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
};
const main = document.getElementById('main');
const pct = (s) => (s.total ? Math.round((100 * s.passed) / s.total) : 0);
const label = (r) => r.label || r.id;
const params = () => new URLSearchParams(location.hash.slice(1));
const go = (p) => { location.hash = new URLSearchParams(p).toString(); };
let index, tests;

// The trend and the run list need only the index; the per-test history (larger) follows.
async function load() {
  const history = fetch('data/tests.json').then((r) => r.json());
  index = await fetch('data/index.json').then((r) => r.json());
  await render();
  tests = await history;
  await render();
}

function trend(runs) {
  const ns = 'http://www.w3.org/2000/svg';
  const shown = runs.slice(0, 60).reverse();
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + shown.length * 12 + ' 100');
  svg.setAttribute('class', 'trend');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Pass rate of the last ' + shown.length + ' runs');
  shown.forEach((r, i) => {
    const rate = pct(r.summary);
    const bar = document.createElementNS(ns, 'rect');
    bar.setAttribute('x', String(i * 12 + 1));
    bar.setAttribute('y', String(100 - rate));
    bar.setAttribute('width', '10');
    bar.setAttribute('height', String(Math.max(rate, 1)));
    bar.setAttribute('class', r.summary.failed + r.summary.errored > 0 || r.incomplete ? 'bad' : 'good');
    const title = document.createElementNS(ns, 'title');
    title.textContent = label(r) + ': ' + rate + ' % passed, ' + r.summary.failed + ' failed';
    bar.append(title);
    bar.addEventListener('click', () => go({ run: r.id }));
    svg.append(bar);
  });
  return svg;
}

function runList() {
  const rows = index.runs.map((r) =>
    $('tr', {},
      $('td', {}, r.pruned ? label(r) : $('a', { href: '#run=' + encodeURIComponent(r.id) }, label(r))),
      $('td', {}, (r.startedAt || r.publishedAt).slice(0, 16).replace('T', ' ')),
      $('td', { class: 'num' }, r.summary.total),
      $('td', { class: 'num' }, r.summary.passed),
      $('td', { class: 'num' }, r.summary.failed + r.summary.errored),
      $('td', {}, r.incomplete ? 'incomplete' : ''),
      $('td', {}, r.components.map((c) => c.name + '@' + c.commit.slice(0, 7)).join(', '))));
  return $('div', { class: 'scroll' }, $('table', {},
    $('thead', {}, $('tr', {}, ...['run', 'started', 'tests', 'passed', 'failed', '', 'components'].map((h) => $('th', {}, h)))),
    $('tbody', {}, ...rows)));
}

// A flaky test flips between passing and failing; a broken one fails in every run since one.
function historyOf(id) {
  const t = tests && tests.tests.find((x) => x.id === id);
  if (!t) return '';
  const ran = t.history.replace(/[-S]/g, '');
  const flips = [...ran].filter((c, i) => i > 0 && (c === 'P') !== (ran[i - 1] === 'P')).length;
  let start = t.history.length;
  while (start > 0 && 'FE-S'.includes(t.history[start - 1])) start--;
  while (start < t.history.length && !'FE'.includes(t.history[start])) start++;
  const verdict = flips >= 2 ? 'flaky' : /[FE]$/.test(ran) ? 'broken since ' + tests.runs[start] : '';
  return t.history + (verdict ? ' (' + verdict + ')' : '');
}

async function runView(id) {
  const run = await fetch('data/runs/' + encodeURIComponent(id) + '.json').then((r) => r.json());
  const failing = run.tests.filter((t) => t.status === 'failed' || t.status === 'errored');
  return $('section', {},
    $('h2', {}, label({ id: run.run.id, label: run.run.label })),
    $('p', {}, run.summary.passed + ' of ' + run.summary.total + ' passed, ' + run.summary.failed + ' failed, ' + run.summary.errored + ' errored, ' + run.summary.skipped + ' skipped' + (run.incomplete ? ' — incomplete' : '')),
    $('ul', {}, ...run.components.map((c) => $('li', {}, c.name + ' ' + c.ref + ' ' + c.commit))),
    $('h3', {}, 'Failures'),
    ...failing.map((t) => $('details', {},
      $('summary', {}, t.spec + ' › ' + t.scenario + ' [' + (t.category || t.status) + '] ' + historyOf(t.id)),
      $('pre', {}, (t.message || '') + '\n' + (t.stack || '')))),
    $('p', {}, $('a', { href: '#' }, 'all runs')));
}

function compareView() {
  if (!tests) return $('p', { class: 'compare-loading' }, 'Loading the comparison…');
  const kept = index.runs.filter((r) => !r.pruned);
  const p = params();
  const a = p.get('a') || (kept[1] && kept[1].id);
  const b = p.get('b') || (kept[0] && kept[0].id);
  const ia = tests.runs.indexOf(a);
  const ib = tests.runs.indexOf(b);
  if (ia < 0 || ib < 0) return $('p', {}, 'Two kept runs are needed for a comparison.');
  const bad = (c) => c === 'F' || c === 'E';
  const groups = { 'new failures': [], fixed: [], 'still failing': [] };
  for (const t of tests.tests) {
    const before = bad(t.history[ia]);
    const after = bad(t.history[ib]);
    if (after && !before) groups['new failures'].push(t);
    else if (before && t.history[ib] === 'P') groups.fixed.push(t);
    else if (before && after) groups['still failing'].push(t);
  }
  return $('section', { class: 'compare' },
    $('h2', {}, 'Compared: ' + a + ' → ' + b),
    ...Object.entries(groups).map(([name, list]) => $('div', { class: name === 'new failures' && list.length ? 'regression' : '' },
      $('h3', {}, name + ' (' + list.length + ')'),
      $('ul', {}, ...list.map((t) => $('li', {}, t.spec + ' › ' + t.scenario))))));
}

async function render() {
  const run = params().get('run');
  if (!run) return main.replaceChildren($('div', {}, trend(index.runs), compareView(), runList()));
  if (!main.querySelector('section h2')) main.replaceChildren($('p', {}, 'Loading…'));
  main.replaceChildren(await runView(run));
}

window.addEventListener('hashchange', () => index && render());
load().catch((e) => main.replaceChildren($('p', { class: 'regression' }, 'Cannot load the data: ' + e.message)));
`;

const STYLE = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
.scroll { overflow-x: auto; }
pre, summary, li, h2 { overflow-wrap: anywhere; }
td { overflow-wrap: break-word; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #d0d7de; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.trend { width: 100%; height: 8rem; background: #f6f8fa; }
.trend .good { fill: #1a7f37; } .trend .bad { fill: #cf222e; } .trend rect { cursor: pointer; }
.regression { color: #cf222e; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem; }
a:focus, summary:focus { outline: 2px solid #0969da; }
@media (max-width: 40rem) { td:nth-child(7), th:nth-child(7) { display: none; } }
`;

/** The dashboard: one self-contained page that reads data/ and trusts none of it. */
export function dashboardHtml(): string {
  const digest = createHash('sha256').update(SCRIPT).digest('base64');
  const policy = `default-src 'none'; script-src 'sha256-${digest}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>streamstress</title>
<style>${STYLE}</style>
</head>
<body>
<h1><a href="#">streamstress</a></h1>
<main id="main"></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
