import { describe, expect, it } from 'vitest';
import { parseGaugeConsole, parseGoDuration } from '../../src/results/console.js';
import { summarise } from '../../src/results/model.js';
import { renderTerminal } from '../../src/results/terminal.js';
import { parseJUnitXml } from '../../src/results/xml.js';
import { fixture } from '../helpers/fixtures.js';

describe('Gauge console output', () => {
  const parsed = parseGaugeConsole(fixture('results/gauge-run.console.log'));

  it('gives the same totals as the xml-report of the same run', () => {
    const xml = summarise(parseJUnitXml(fixture('results/gauge-run.xml'), 'result.xml'));
    const fromConsole = summarise(parsed.tests);
    expect({ ...fromConsole, durationSeconds: 0 }).toEqual({ ...xml, durationSeconds: 0 });
    expect(parsed.complete).toBe(true);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.durationSeconds).toBe(77.5);
  });

  it('follows interleaved [runner: N] streams and reads failure blocks', () => {
    const cancel = parsed.tests.find((t) => t.scenario.startsWith('Cancel'));
    expect(cancel).toMatchObject({
      id: 'specs/pipelines/run.spec::Cancel a running pipeline & check its "status"',
      spec: 'PipelineRun basics',
      specFile: 'specs/pipelines/run.spec',
      status: 'failed',
      message: 'expected status Cancelled, got Running',
    });
    expect(cancel?.stack).toBe(
      'github.com/openshift-pipelines/release-tests/pkg/pipelines.AssertStatus(0xc000123)\n/release-tests/pkg/pipelines/status.go:88 +0x1a5',
    );
    expect(
      parsed.tests
        .filter((t) => t.spec === 'EventListener')
        .map((t) => [t.scenario, t.row, t.status]),
    ).toEqual([
      ['Create an EventListener with an interceptor', 1, 'passed'],
      ['Create an EventListener with an interceptor', 2, 'passed'],
      ['EventListener with TLS', undefined, 'skipped'],
    ]);
  });

  it('uses the same ids as the xml-report where the console names the spec file', () => {
    const xmlIds = new Set(
      parseJUnitXml(fixture('results/gauge-run.xml'), 'result.xml').map((t) => t.id),
    );
    const failing = parsed.tests.filter((t) => t.status === 'failed');
    expect(failing.every((t) => xmlIds.has(t.id))).toBe(true);
  });

  it('strips colours, replays cursor rewrites, and marks a killed run incomplete', () => {
    const killed = parseGaugeConsole(fixture('results/killed.console.log'));
    expect(killed.complete).toBe(false);
    expect(killed.tests.map((t) => [t.scenario, t.status])).toEqual([
      ['Run a pipeline with a workspace', 'passed'],
      ['Cancel a running pipeline', 'failed'],
      ['Retry a task', 'errored'],
    ]);
    expect(killed.tests[2]?.message).toBe('The run ended before this scenario finished.');
    expect(killed.warnings[0]).toContain('never printed its closing summary');
  });

  it('reports counts that disagree with the summary, adding failures it could not attribute', () => {
    const log =
      '# S\n  ## one\n    * step\t...[PASS]\n\nSpecifications:\t1 executed\t0 passed\t1 failed\t0 skipped\nScenarios:\t3 executed\t1 passed\t2 failed\t0 skipped\n';
    const result = parseGaugeConsole(log);
    expect(result.warnings).toEqual([
      "Gauge's summary counts 1 passed, 2 failed and 0 skipped scenarios, but the console showed 1 passed, 0 failed and 0 skipped.",
    ]);
    expect(summarise(result.tests)).toMatchObject({ total: 3, passed: 1, errored: 2 });
  });

  it('keeps a failure outside any scenario as a failing spec hook', () => {
    const log =
      '# Hooked\n        Failed Step: BeforeSpec\n        Error Message: cluster unreachable\n\n  ## runs\n    * s\t...[PASS]\n\nScenarios:\t1 executed\t1 passed\t0 failed\t0 skipped\n';
    expect(parseGaugeConsole(log).tests.map((t) => [t.scenario, t.status, t.message])).toEqual([
      ['(spec hook)', 'failed', 'cluster unreachable'],
      ['runs', 'passed', undefined],
    ]);
  });
});

describe('the terminal replay', () => {
  it('drops colour codes and applies carriage returns, cursor-up and erase-line', () => {
    expect(
      renderTerminal('\x1b[1;31mred\x1b[0m text\nfirst\rFIRST\nold line\n\x1b[1A\x1b[2Knew line\n'),
    ).toEqual(['red text', 'FIRST', 'new line']);
  });
});

describe('Go durations', () => {
  it.each([
    ['1m17.5s', 77.5],
    ['450ms', 0.45],
    ['2h0m3s', 7203],
    ['1.234s', 1.234],
    ['soon', undefined],
  ])('%s → %s', (text, seconds) => expect(parseGoDuration(text)).toBe(seconds));
});
