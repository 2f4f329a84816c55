import { describe, expect, it } from 'vitest';
import { StreamstressError } from '../../src/errors.js';
import { summarise } from '../../src/results/model.js';
import { parseJUnitXml } from '../../src/results/xml.js';
import { fixture } from '../helpers/fixtures.js';

describe("Gauge's xml-report", () => {
  const tests = parseJUnitXml(fixture('results/gauge-run.xml'), 'result.xml');

  it('reads every test case with its status', () => {
    expect(summarise(tests)).toEqual({
      total: 7,
      passed: 4,
      failed: 2,
      skipped: 1,
      errored: 0,
      durationSeconds: 77.5,
    });
  });

  it('decodes entities and numeric character references, in names and messages', () => {
    const cancel = tests.find((t) => t.scenario.startsWith('Cancel'));
    expect(cancel).toMatchObject({
      id: 'specs/pipelines/run.spec::Cancel a running pipeline & check its "status"',
      spec: 'PipelineRun basics',
      specFile: 'specs/pipelines/run.spec',
      status: 'failed',
      durationSeconds: 12,
      message: `Verify pipelinerun "cancel-me" is "Cancelled"\nStep Execution Failure: 'expected status Cancelled, got Running'`,
    });
    expect(cancel?.stack).toContain('\t/release-tests/pkg/pipelines/status.go:88');
  });

  it('keeps CDATA stacks and Windows spec paths', () => {
    const sign = tests.find((t) => t.spec === 'Chains signing');
    expect(sign?.specFile).toBe('specs/chains/sign.spec');
    expect(sign?.stack).toBe(
      'goroutine 1 [running]:\nmain.sign(<nil>, &amp;opts)\n\t/release-tests/steps/chains.go:12',
    );
  });

  it('keeps non-ASCII names intact', () => {
    expect(tests.map((t) => t.scenario)).toContain('Görev çalıştır — résumé ✓');
  });

  it('gives the rows of a table-driven scenario distinct, stable ids', () => {
    const rows = tests.filter((t) => t.scenario === 'Create an EventListener with an interceptor');
    expect(rows.map((t) => [t.id, t.row])).toEqual([
      ['specs/triggers/eventlistener.spec::Create an EventListener with an interceptor#1', 1],
      ['specs/triggers/eventlistener.spec::Create an EventListener with an interceptor#2', 2],
    ]);
  });

  it('counts a skip as a skip, with its reason', () => {
    expect(tests.find((t) => t.status === 'skipped')).toMatchObject({
      scenario: 'EventListener with TLS',
      message: 'Skipped: tagged to-do',
    });
  });

  it('does not count an all-errored run as passed', () => {
    const errored = parseJUnitXml(fixture('results/all-errored.xml'), 'all-errored.xml');
    expect(summarise(errored)).toMatchObject({ total: 2, passed: 0, errored: 2 });
    expect(errored[0]?.message).toBe('runner connection timed out');
  });

  it('keeps a failing spec hook visible when no test case failed', () => {
    const xml = `<testsuites><testsuite name="Hooked" package="/x/specs/h.spec" tests="1" failures="1" errors="0">
      <testcase classname="Hooked" name="only" time="1"/>
      <system-err>BeforeSpec hook failed: cluster unreachable</system-err></testsuite></testsuites>`;
    const hooked = parseJUnitXml(xml, 'r.xml');
    expect(hooked.map((t) => [t.id, t.status])).toEqual([
      ['specs/h.spec::only', 'passed'],
      ['specs/h.spec::(spec hook)', 'errored'],
    ]);
    expect(hooked[1]?.message).toBe('BeforeSpec hook failed: cluster unreachable');
  });
});

describe('JUnit files of other runners', () => {
  const tests = parseJUnitXml(fixture('results/junit-generic.xml'), 'junit.xml');

  it('reads a <testsuite> root with nested suites, <error>, <skipped/> and missing attributes', () => {
    expect(tests.map((t) => [t.id, t.status])).toEqual([
      ['specs/operator/install.spec::Install the operator', 'passed'],
      ['specs/operator/install.spec::Upgrade with namespace setup', 'errored'],
      ['operator::No attributes at all', 'passed'],
      ['misc::Skipped one', 'skipped'],
      ['misc::Failed without message', 'failed'],
    ]);
    expect(tests[1]).toMatchObject({
      message: 'namespace "openshift-pipelines" not ready',
      stack: 'timeout after 300s',
    });
    expect(tests[2]?.durationSeconds).toBeUndefined();
    expect(tests[4]).toMatchObject({
      message: 'first line of body',
      stack: 'first line of body\nsecond line',
    });
  });
});

describe('unreadable reports name the file and exit 2', () => {
  function refusal(text: string): StreamstressError {
    try {
      parseJUnitXml(text, '/out/reports/xml-report/result.xml');
    } catch (error) {
      expect(error).toBeInstanceOf(StreamstressError);
      expect((error as StreamstressError).exitCode).toBe(2);
      expect((error as StreamstressError).message).toContain('/out/reports/xml-report/result.xml');
      return error as StreamstressError;
    }
    throw new Error('accepted');
  }

  it('a truncated file', () => {
    const whole = fixture('results/gauge-run.xml');
    expect(refusal(whole.slice(0, Math.floor(whole.length / 2))).message).toMatch(
      /not well-formed XML at line 12, column \d+: .*\(is the file truncated\?\)/,
    );
    expect(refusal(whole.slice(0, whole.indexOf('</testsuites>'))).message).toContain(
      'it ends before <testsuites> is closed (is the file truncated?)',
    );
  });

  it('a file that is not XML', () => {
    expect(refusal('Specifications: 3 executed').message).toMatch(
      /not well-formed XML at line 1, column 1/,
    );
  });

  it('an empty file', () => {
    expect(refusal('  \n').message).toContain('it is empty');
  });

  it('XML whose root is not a test report', () => {
    expect(refusal('<html><body/></html>').message).toContain(
      'neither <testsuites> nor <testsuite>',
    );
  });

  it('an XML bomb, refused before any expansion', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<testsuites><testsuite name="&lol9;"><testcase name="&lol9;"/></testsuite></testsuites>`;
    const before = process.memoryUsage().heapUsed;
    expect(refusal(bomb).message).toContain('DOCTYPE or entities');
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});
