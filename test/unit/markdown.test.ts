import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/results/compare.js';
import {
  COMMENT_LIMIT,
  escapeMarkdown,
  markdownLink,
  renderSummary,
} from '../../src/results/markdown.js';
import { summarise, type Results, type TestResult } from '../../src/results/model.js';

function results(tests: TestResult[], id = 'run-2'): Results {
  return {
    schemaVersion: 1,
    run: { id, label: 'nightly' },
    components: [],
    summary: summarise(tests),
    tests,
    categories: [
      {
        id: 'upstream-regression',
        name: 'Upstream regression',
        description: 'd',
        count: tests.filter((t) => t.category).length,
      },
    ],
    source: 'junit',
    incomplete: false,
    warnings: [],
    exitCode: 1,
  };
}

const test = (scenario: string, status: TestResult['status'], message?: string): TestResult => ({
  id: `specs/a.spec::${scenario}`,
  spec: 'A',
  specFile: 'specs/a.spec',
  scenario,
  status,
  ...(message ? { message, category: 'upstream-regression' } : {}),
});

describe('escaping untrusted text', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['`rm -rf`', '\\`rm -rf\\`'],
    ['ping @octocat and @org/team', 'ping @\u200boctocat and @\u200borg/team'],
    ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['**bold** _em_ ~~gone~~', '\\*\\*bold\\*\\* \\_em\\_ \\~\\~gone\\~\\~'],
    ['line one\nline two\r\n| row', 'line one line two \\| row'],
    ['a & b &amp; c', 'a &amp; b &amp;amp; c'],
    ['back\\slash', 'back\\\\slash'],
    ['![img](x)', '\\!\\[img\\](x)'],
  ])('%j → %j', (text, escaped) => expect(escapeMarkdown(text)).toBe(escaped));
});

describe('the markdown summary', () => {
  it('shows totals, categories and each failing test with its first message line', () => {
    const text = renderSummary(
      results([
        test('ok', 'passed'),
        test('broken | <b>', 'failed', 'expected 1\nstack line'),
        test('gone', 'skipped'),
      ]),
    );
    expect(text).toContain('## ❌ 1 of 3 tests failed — nightly');
    expect(text).toContain('| 3 | 1 | 1 | 0 | 1 | 0s |');
    expect(text).toContain('| Upstream regression | 1 |');
    expect(text).toContain(
      '| A › broken \\| &lt;b&gt; | failed | Upstream regression | expected 1 |',
    );
    expect(text).not.toContain('stack line');
  });

  it('shows each component with its built commit and what the operator ships for it', () => {
    const component = (name: string, ref: string, commit: string) => ({
      name,
      repo: `https://github.com/tektoncd/${name}`,
      ref,
      commit: commit.repeat(40),
    });
    const built = [
      component('pipeline', 'refs/heads/main', 'a'),
      component('triggers', 'refs/pull/7/head', 'b'),
      component('chains', 'main', 'c'),
    ];
    const text = renderSummary({
      ...results([test('ok', 'passed')]),
      components: [
        { ...built[0]!, payload: 'v1.6.6' },
        built[1]!,
        { ...built[2]!, payload: 'v0.26.9 | <b>@ops</b>' },
      ],
    });
    expect(text).toContain(
      '### Components\n\n| component | ref | built | operator ships |\n| --- | --- | --- | --- |\n',
    );
    expect(text).toContain('| pipeline | refs/heads/main | aaaaaaaaaaaa | v1.6.6 |');
    expect(text).toContain('| triggers | refs/pull/7/head | bbbbbbbbbbbb |  |');
    expect(text).toContain(
      '| chains | main | cccccccccccc | v0.26.9 \\| &lt;b&gt;@\u200bops&lt;/b&gt; |',
    );
    // A run whose deployment recorded no payload has no column for it; one without components, no table.
    const unrecorded = renderSummary({ ...results([test('ok', 'passed')]), components: built });
    expect(unrecorded).toContain('| component | ref | built |\n');
    expect(unrecorded).not.toContain('operator ships');
    expect(renderSummary(results([test('ok', 'passed')]))).not.toContain('### Components');
  });

  it("shows a Gauge failure's error rather than the text of the step that failed", () => {
    const text = renderSummary(
      results([
        test(
          'cancel',
          'failed',
          'Verify pipelinerun "x" is "Cancelled"\nStep Execution Failure: \'expected Cancelled, got Running\'',
        ),
      ]),
    );
    expect(text).toContain('| failed | Upstream regression | expected Cancelled, got Running |');
  });

  it('says plainly when nothing ran, and when the run was cut short', () => {
    expect(renderSummary(results([]))).toContain('## ⚠️ No test results');
    const cut = { ...results([test('a', 'passed')]), incomplete: true, source: 'console' as const };
    expect(renderSummary(cut)).toContain('> ⚠️ The run ended before the suite did');
  });

  it('shows the comparison with a baseline and marks new failures', () => {
    const baseline = results(
      [
        test('a', 'passed'),
        test('b', 'failed', 'x'),
        test('c', 'failed', 'x'),
        test('old', 'passed'),
      ],
      'run-1',
    );
    const current = results([
      test('a', 'failed', 'boom'),
      test('b', 'passed'),
      test('c', 'failed', 'x'),
      test('new', 'passed'),
    ]);
    const comparison = compareResults(current, baseline);
    expect(comparison.newFailures.map((t) => t.scenario)).toEqual(['a']);
    expect(comparison.fixed.map((t) => t.scenario)).toEqual(['b']);
    expect(comparison.stillFailing.map((t) => t.scenario)).toEqual(['c']);
    expect(comparison.added.map((t) => t.scenario)).toEqual(['new']);
    expect(comparison.removed.map((t) => t.scenario)).toEqual(['old']);
    expect(comparison.passRate).toEqual({ now: 50, baseline: 50, change: 0 });
    const text = renderSummary(current, { comparison });
    expect(text).toContain('### Compared with run run-1');
    expect(text).toContain('| 1 | 1 | 1 | 1 | 1 | 50% (0 pts) |');
    expect(text).toContain('| A › a 🆕 | failed |');
  });

  it('degrades in stages to fit a limit, ending between blocks', () => {
    const many = Array.from({ length: 600 }, (_, i) =>
      test(`failing scenario number ${i}`, 'failed', `a long message ${'x'.repeat(200)}`),
    );
    const full = renderSummary(results(many));
    expect(full.length).toBeGreaterThan(COMMENT_LIMIT);
    expect(full).toContain('| test | status | category | message |');

    const names = renderSummary(results(many), { limit: COMMENT_LIMIT });
    expect(names.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(names).toContain('| test | status | category |\n');
    expect(names).toContain('failing scenario number 599');

    const counts = renderSummary(results(many), {
      limit: 2000,
      detailsUrl: 'https://example.test/run?id=2',
    });
    expect(counts.length).toBeLessThanOrEqual(2000);
    expect(counts).toContain(
      '600 failing tests do not fit here; see [the full results](https://example.test/run?id=2).',
    );
    for (const text of [full, names, counts]) {
      // Every table is whole: each row has the header's number of cells.
      for (const block of text.split('\n\n').filter((b) => b.startsWith('|'))) {
        const widths = block
          .split('\n')
          .filter(Boolean)
          .map((row) => row.replace(/\\\|/g, '').split('|').length);
        expect(new Set(widths).size).toBe(1);
      }
    }
  });
});

describe('links in markdown', () => {
  it('links web addresses only, with nothing that could end the link', () => {
    expect(markdownLink('run', 'https://example.org/a (b)')).toBe(
      '[run](https://example.org/a%20%28b%29)',
    );
    expect(markdownLink('run', 'javascript:alert(1)')).toBeUndefined();
    expect(markdownLink('run', undefined)).toBeUndefined();
  });
});
