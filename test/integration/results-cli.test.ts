import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeXmlReport } from '../../bench/generate-report.mjs';
import type { DeploymentRecord } from '../../src/cluster/deploy.js';
import { ResultsSchema } from '../../src/results/model.js';
import { cli, ROOT } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/upstreams.js';
import { spawn } from 'node:child_process';

/** An output directory as a test run leaves it: the xml-report and/or the console log. */
function outputDir(files: {
  xml?: string;
  console?: string;
  plan?: object;
  deployment?: object;
}): string {
  const dir = tempDir('results');
  if (files.xml !== undefined) {
    mkdirSync(join(dir, 'reports', 'xml-report'), { recursive: true });
    writeFileSync(join(dir, 'reports', 'xml-report', 'result.xml'), files.xml);
  }
  if (files.console !== undefined) {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'gauge-stdout.log'), files.console);
  }
  if (files.plan) writeFileSync(join(dir, 'plan.json'), JSON.stringify(files.plan));
  if (files.deployment)
    writeFileSync(join(dir, 'deployment.json'), JSON.stringify(files.deployment));
  return dir;
}

/** A plan that built chains. */
const CHAINS_PLAN = {
  schemaVersion: 1,
  createdAt: '2026-11-30T00:00:00.000Z',
  componentsFile: 'components.toml',
  components: [
    {
      name: 'chains',
      repo: 'https://example.test/chains',
      build: 'ko',
      requested: 'main',
      ref: 'refs/heads/main',
      refKind: 'branch',
      commit: 'a'.repeat(40),
      images: [],
    },
  ],
};

/** The totals of the fixture run gauge-run.xml / gauge-run.console.log. */
const GAUGE_RUN_TOTALS = {
  total: 7,
  passed: 4,
  failed: 2,
  skipped: 1,
  errored: 0,
  durationSeconds: 77.5,
};
const fixture = (name: string) => readFileSync(join(FIXTURES, 'results', name), 'utf8');
const readResults = (dir: string) =>
  ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')));

describe('streamstress results', () => {
  it('re-analyses an xml-report: writes results.json and summary.md, prints the summary, exits 1 on failures', async () => {
    const dir = outputDir({
      xml: fixture('gauge-run.xml'),
      console: fixture('gauge-run.console.log'),
    });
    const run = await cli('results', '--output-dir', dir);
    expect(run.code).toBe(1);
    const results = readResults(dir);
    expect(results.source).toBe('junit');
    expect(results.summary).toEqual(GAUGE_RUN_TOTALS);
    expect(results.exitCode).toBe(1);
    expect(results.tests.find((t) => t.spec === 'Chains signing')?.category).toBe(
      'missing-optional-component',
    );
    expect(results.tests.find((t) => t.scenario.startsWith('Cancel'))?.category).toBe(
      'upstream-regression',
    );
    expect(run.stdout).toBe(readFileSync(join(dir, 'results', 'summary.md'), 'utf8'));
    expect(run.stdout).toContain('## ❌ 2 of 7 tests failed');
  });

  it('falls back to the console log with the same totals', async () => {
    const dir = outputDir({ console: fixture('gauge-run.console.log') });
    const run = await cli('results', '--output-dir', dir, '--json');
    expect(run.code).toBe(1);
    const results = ResultsSchema.parse(JSON.parse(run.stdout));
    expect(results.source).toBe('console');
    expect(results.summary).toEqual(GAUGE_RUN_TOTALS);
  });

  it('takes components from plan.json: a chains failure in a run that deployed chains is a regression', async () => {
    const dir = outputDir({ xml: fixture('gauge-run.xml'), plan: CHAINS_PLAN });
    await cli('results', '--output-dir', dir);
    const results = readResults(dir);
    expect(results.components).toEqual([
      {
        name: 'chains',
        repo: 'https://example.test/chains',
        ref: 'refs/heads/main',
        commit: 'a'.repeat(40),
      },
    ]);
    expect(results.tests.find((t) => t.spec === 'Chains signing')?.category).toBe(
      'configuration-gap',
    );
  });

  it("puts what the operator ships next to each built commit, from deployment.json's payload", async () => {
    const deployment: DeploymentRecord = {
      schemaVersion: 1,
      startedAt: '2026-11-30T00:00:00.000Z',
      finishedAt: '2026-11-30T00:02:00.000Z',
      operator: {
        namespace: 'openshift-operators',
        csv: 'openshift-pipelines-operator-rh.v1.21.0',
      },
      strategy: 'auto',
      patched: ['csv'],
      changes: [],
      installerSets: { deleted: [], created: [] },
      reconcileSeconds: 90,
      payload: { chains: 'v0.26.9', pipeline: 'v1.6.6' },
      verified: [],
    };
    const dir = outputDir({ xml: fixture('gauge-run.xml'), plan: CHAINS_PLAN, deployment });
    await cli('results', '--output-dir', dir);
    expect(readResults(dir).components).toEqual([
      {
        name: 'chains',
        repo: 'https://example.test/chains',
        ref: 'refs/heads/main',
        commit: 'a'.repeat(40),
        payload: 'v0.26.9',
      },
    ]);
    expect(readFileSync(join(dir, 'results', 'summary.md'), 'utf8')).toContain(
      '| chains | refs/heads/main | aaaaaaaaaaaa | v0.26.9 |',
    );
  });

  it('compares with a baseline', async () => {
    // The same run with the cancel test passing.
    const passingCancel = fixture('gauge-run.xml')
      .replace(/<failure[\s\S]*?<\/failure>/, '')
      .replace('tests="3" failures="1"', 'tests="3" failures="0"');
    const baselineDir = outputDir({ xml: passingCancel });
    await cli('results', '--output-dir', baselineDir);
    const dir = outputDir({ xml: fixture('gauge-run.xml') });
    const run = await cli(
      'results',
      '--output-dir',
      dir,
      '--baseline',
      join(baselineDir, 'results', 'results.json'),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/### Compared with run local-\d+/);
    expect(run.stdout).toContain('| 1 | 0 | 1 | 0 | 0 | 57.1% (-14.3 pts) |');
    expect(run.stdout).toContain('Cancel a running pipeline &amp; check its "status" 🆕');
  });

  it('exits 0 when everything passed, 2 when the run was cut short, 3 when it was cut short with failures', async () => {
    const passing = outputDir({
      xml: '<testsuites><testsuite name="S" package="specs/s.spec"><testcase name="t" classname="S" time="1"/></testsuite></testsuites>',
    });
    expect((await cli('results', '--output-dir', passing)).code).toBe(0);
    // Killed before any scenario started: nothing failed, but nothing can be called a pass.
    const killedEarly = outputDir({ console: '# S\n' });
    expect((await cli('results', '--output-dir', killedEarly)).code).toBe(2);
    const killed = outputDir({ console: fixture('killed.console.log') });
    const run = await cli('results', '--output-dir', killed);
    expect(run.code).toBe(3);
    expect(readResults(killed).incomplete).toBe(true);
  });
});

describe('bad input to streamstress results: exit 2, the file named, nothing overwritten', () => {
  async function refused(dir: string, message: string | RegExp, ...extra: string[]): Promise<void> {
    const before = safeRead(join(dir, 'results', 'results.json'));
    const run = await cli('results', '--output-dir', dir, ...extra);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(safeRead(join(dir, 'results', 'results.json'))).toBe(before);
  }
  const safeRead = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  /** An output directory that already holds a good results.json, which must survive. */
  async function analysedDir(): Promise<string> {
    const dir = outputDir({ xml: fixture('gauge-run.xml') });
    await cli('results', '--output-dir', dir);
    statSync(join(dir, 'results', 'results.json'));
    return dir;
  }

  it('a truncated xml-report', async () => {
    const dir = await analysedDir();
    const xml = fixture('gauge-run.xml');
    writeFileSync(join(dir, 'reports', 'xml-report', 'result.xml'), xml.slice(0, xml.length - 40));
    await refused(
      dir,
      new RegExp(
        `Cannot read the test report ${join(dir, 'reports', 'xml-report', 'result.xml')}: .*truncated`,
      ),
    );
  });

  it('a report that is not XML', async () => {
    const dir = await analysedDir();
    writeFileSync(join(dir, 'reports', 'xml-report', 'result.xml'), 'Specifications: 3 executed\n');
    await refused(dir, /result\.xml: not well-formed XML at line 1, column 1/);
  });

  it('an XML bomb', async () => {
    const dir = await analysedDir();
    writeFileSync(
      join(dir, 'reports', 'xml-report', 'result.xml'),
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuites>&b;</testsuites>',
    );
    await refused(dir, /result\.xml: it declares a DOCTYPE or entities/);
  });

  it('an empty output directory, and one that does not exist', async () => {
    const empty = tempDir('empty');
    await refused(
      empty,
      new RegExp(
        `${empty} holds no test output: neither reports/xml-report/result.xml nor logs/gauge-stdout.log exists`,
      ),
    );
    await refused(join(empty, 'missing'), /holds no test output/);
  });

  it('a baseline of an unknown schema version, or not JSON at all', async () => {
    const dir = await analysedDir();
    const baseline = join(tempDir('baseline'), 'results.json');
    writeFileSync(baseline, JSON.stringify({ schemaVersion: 7, tests: [] }));
    await refused(
      dir,
      `The baseline ${baseline} has schemaVersion 7; this streamstress reads version 1.`,
      '--baseline',
      baseline,
    );
    writeFileSync(baseline, '{ not json');
    await refused(dir, `Cannot read the baseline ${baseline}:`, '--baseline', baseline);
  });

  it('a categories file with an invalid rule', async () => {
    const dir = await analysedDir();
    const categories = join(tempDir('categories'), 'categories.toml');
    writeFileSync(
      categories,
      'schema-version = 1\n[[rules]]\nid = "x"\nname = "X"\ndescription = "d"\nwhen = [{ message = "[" }]\n',
    );
    await refused(
      dir,
      /The categories file .*categories\.toml is invalid:\n {2}- rule "x" when\[0\]\.message: invalid regular expression/,
      '--categories',
      categories,
    );
  });
});

describe('a 100 MB report', () => {
  it('is read by the CLI bundle within a 1 GiB heap', { timeout: 300_000 }, async () => {
    const dir = tempDir('big');
    mkdirSync(join(dir, 'reports', 'xml-report'), { recursive: true });
    const report = join(dir, 'reports', 'xml-report', 'result.xml');
    await writeXmlReport(report, 560_000);
    expect(statSync(report).size).toBeGreaterThan(100 * 1000 * 1000);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--max-old-space-size=1024',
          join(ROOT, 'dist', 'cli', 'index.js'),
          'results',
          '--output-dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      child.on('close', resolve);
    });
    expect(code).toBe(1);
    const results = readResults(dir);
    expect(results.summary).toMatchObject({ total: 560_000, failed: 56_000, passed: 504_000 });
  });
});
