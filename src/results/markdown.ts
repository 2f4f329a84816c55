import type { Comparison } from './compare.js';
import { isFailing, type Results, type TestResult } from './model.js';

/** GitHub's limits, in characters. */
export const COMMENT_LIMIT = 65_536;
export const JOB_SUMMARY_LIMIT = 1_048_576;

const MESSAGE_LENGTH = 240;

/**
 * Makes untrusted text (test names, messages, labels) inert in GitHub markdown, inside a table
 * cell or a line: no HTML, no table breaks, no code spans, links, emphasis or @mentions.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`|*_[\]~#!])/g, '\\$1')
    .replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b');
}

/**
 * A URL as the target of a markdown link: web addresses only, with the characters that would
 * end the link encoded; undefined for anything else (a `javascript:` URL stays out).
 */
export function markdownLink(text: string, url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//i.test(url)) return undefined;
  // Already-encoded parts stay as they are (no double encoding); only what ends a link changes.
  return `[${text}](${url.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)})`;
}

/**
 * The line that says what went wrong: for a Gauge failure (the step's text, then
 * `Step Execution Failure: '<error>'`) the error, else the first line.
 */
function failureLine(text: string | undefined): string {
  const lines = (text ?? '').split('\n');
  const failure = lines
    .map((l) => /^(?:Step|Concept) Execution Failure: '(.*)'$/s.exec(l.trim())?.[1])
    .find((error) => error);
  const line = failure ?? lines.find((l) => l.trim() !== '') ?? '';
  return line.length > MESSAGE_LENGTH ? `${line.slice(0, MESSAGE_LENGTH - 1)}…` : line;
}

export interface SummaryOptions {
  comparison?: Comparison;
  /** Where the full results can be read: used when the failures no longer fit. */
  detailsUrl?: string;
  /** Characters the summary may take (GitHub: 65,536 for a comment, 1 MiB for a job summary). */
  limit?: number;
}

type Detail = 'messages' | 'names' | 'counts';

/**
 * The run as markdown for a job summary or a pull-request comment. When it does not fit the
 * limit it degrades in stages — failures with messages, then names only, then counts with a
 * link — always ending between blocks, never inside a table.
 */
export function renderSummary(results: Results, options: SummaryOptions = {}): string {
  const limit = options.limit ?? JOB_SUMMARY_LIMIT;
  for (const detail of ['messages', 'names'] as const) {
    const text = render(results, options, detail);
    if (text.length <= limit) return text;
  }
  return render(results, options, 'counts');
}

function render(results: Results, options: SummaryOptions, detail: Detail): string {
  const { summary } = results;
  const failing = results.tests.filter(isFailing);
  const blocks: string[] = [];
  const label = results.run.label ? ` — ${escapeMarkdown(results.run.label)}` : '';
  const headline =
    summary.total === 0
      ? '⚠️ No test results'
      : failing.length > 0
        ? `❌ ${failing.length} of ${summary.total} tests failed`
        : `✅ ${summary.passed} of ${summary.total} tests passed`;
  blocks.push(`## ${headline}${label}`);
  blocks.push(
    table(
      ['total', 'passed', 'failed', 'errored', 'skipped', 'duration'],
      [
        [
          summary.total,
          summary.passed,
          summary.failed,
          summary.errored,
          summary.skipped,
          formatDuration(summary.durationSeconds),
        ].map(String),
      ],
    ),
  );
  const notes = [
    ...Object.entries(results.phases ?? {})
      .filter(([, phase]) => phase.status === 'failed')
      .map(([name, phase]) => `The ${name} stage failed${phase.error ? `: ${phase.error}` : '.'}`),
    ...(results.source === 'none' ? ['No test ran: an earlier stage failed.'] : []),
    ...(results.incomplete
      ? ['The run ended before the suite did: tests it did not reach are missing.']
      : []),
    ...(results.source === 'console'
      ? ['Read from the console output (no xml-report was written).']
      : []),
    ...results.warnings,
  ];
  if (notes.length > 0) blocks.push(notes.map((n) => `> ⚠️ ${escapeMarkdown(n)}`).join('\n>\n'));
  if (results.components.length > 0) blocks.push(renderComponents(results.components));
  if (options.comparison) blocks.push(renderComparison(options.comparison));
  const used = results.categories.filter((c) => c.count > 0);
  if (used.length > 0) {
    blocks.push('### Failures by category');
    blocks.push(
      table(
        ['category', 'tests'],
        used.map((c) => [escapeMarkdown(c.name), String(c.count)]),
      ),
    );
  }
  if (failing.length > 0) {
    blocks.push('### Failing tests');
    if (detail === 'counts') {
      const where = markdownLink('the full results', options.detailsUrl) ?? 'results.json';
      blocks.push(`${failing.length} failing tests do not fit here; see ${where}.`);
    } else {
      const newIds = new Set(options.comparison?.newFailures.map((t) => t.id));
      const categoryNames = new Map(results.categories.map((c) => [c.id, c.name]));
      const header = ['test', 'status', 'category', ...(detail === 'messages' ? ['message'] : [])];
      const rows = failing.map((t) => [
        `${escapeMarkdown(testName(t))}${newIds.has(t.id) ? ' 🆕' : ''}`,
        t.status,
        escapeMarkdown(categoryNames.get(t.category ?? '') ?? ''),
        ...(detail === 'messages' ? [escapeMarkdown(failureLine(t.message))] : []),
      ]);
      blocks.push(table(header, rows));
    }
  }
  return `${blocks.join('\n\n')}\n`;
}

/**
 * What was tested: each component's ref and built commit, and — when the deployment recorded
 * it — the version the operator ships for it: the operator installs that version's manifests,
 * RBAC and CRDs and only swaps the images, so a failure may come from that gap.
 */
function renderComponents(components: Results['components']): string {
  const payload = components.some((c) => c.payload !== undefined);
  return [
    '### Components',
    '',
    table(
      ['component', 'ref', 'built', ...(payload ? ['operator ships'] : [])],
      components.map((c) => [
        escapeMarkdown(c.name),
        escapeMarkdown(c.ref),
        escapeMarkdown(c.commit.slice(0, 12)),
        ...(payload ? [escapeMarkdown(c.payload ?? '')] : []),
      ]),
    ),
  ].join('\n');
}

function renderComparison(c: Comparison): string {
  const sign = c.passRate.change > 0 ? '+' : '';
  return [
    `### Compared with run ${escapeMarkdown(c.baselineRunId)}`,
    '',
    table(
      ['new failures', 'fixed', 'still failing', 'new tests', 'removed', 'pass rate'],
      [
        [
          c.newFailures.length,
          c.fixed.length,
          c.stillFailing.length,
          c.added.length,
          c.removed.length,
        ]
          .map(String)
          .concat(`${c.passRate.now}% (${sign}${c.passRate.change} pts)`),
      ],
    ),
  ].join('\n');
}

function testName(test: TestResult): string {
  return `${test.spec} › ${test.scenario}${test.row === undefined ? '' : ` (row ${test.row})`}`;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h}h ${m}m` : `${m}m ${s}s`;
}
