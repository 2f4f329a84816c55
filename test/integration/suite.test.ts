import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../../src/results/model.js';
import { ROOT, runBundle, type CliRun } from '../helpers/cli.js';
import { ResourceProfileSchema } from '../../src/suite/profile.js';
import { startArtifactService } from '../helpers/artifact-service.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { createRepository, tempDir } from '../helpers/upstreams.js';
import { gaugeEnvironment, releaseTestsFiles } from '../rehearsal/project.js';
import { useTestbed } from '../testbed/hooks.js';
import type { Testbed } from '../testbed/testbed.js';

// The real Gauge runs these with the Go runner and the fixture steps of known outcome
// (test/rehearsal/fixtures); the stand-in gauge only for output no real run gives.
const STAND_INS = join(ROOT, 'test', 'stand-ins');
const PIPELINES_SPEC = `# Pipelines
Tags: e2e

## Run a pipeline
* Pass

## Cancel a pipeline
* Fail with "expected Cancelled, got Running"

## Not on this OpenShift
Tags: skip-4.20
* Pass

## Unfinished
Tags: to-do
* Pass
`;
const TRIGGERS_SPEC = `# Triggers

## Create an EventListener
Tags: e2e, sanity
* Pass

## Not in this run
Tags: manual
* Pass
`;
// Every outcome a step can have, a scenario table and a spec table.
const OUTCOMES_SPEC = `# Outcomes
Tags: e2e

## Passes
* Pass

## Fails with a message
* Fail with "expected Cancelled, got Running"
* Pass

## Panics
* Panic

## Skips as release-tests does
* Skip because "CHAINS_REPOSITORY is not set"

## Runs once per row
|stream|
|one   |
|two   |
* Pass
`;
const TABLE_SPEC = `# Rows
Tags: e2e

|name|
|a   |
|b   |

## Fails on one row
* Fail with <name>
`;

let root: string;

beforeAll(() => {
  root = tempDir('suite');
});

/** The rehearsal's release-tests with the fixture steps and the given specs (and files) on master. */
function releaseTests(name: string, files: Record<string, string>) {
  const specs = Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith('specs/')));
  const others = Object.fromEntries(Object.entries(files).filter(([f]) => !f.startsWith('specs/')));
  return createRepository(root, name, {
    ...releaseTestsFiles({ specs, fixtures: true }),
    ...others,
  });
}

/** The real Gauge, its plugins in a GAUGE_HOME of this run's own, Go's caches kept. */
async function environment(home: string): Promise<Record<string, string>> {
  return { HOME: home, ...(await gaugeEnvironment()) };
}

/** `streamstress test` arguments for a run whose output and cache live under `home`. */
function testArgs(repo: string, home: string, extra: string[] = []): string[] {
  const where = ['--output-dir', join(home, 'out'), '--cache-dir', join(home, 'cache')];
  return ['test', '--release-tests-repo', repo, ...where, ...extra];
}

async function streamstressTest(
  repo: string,
  extra: string[] = [],
  home = tempDir('suite-home'),
  env?: Record<string, string>,
): Promise<CliRun & { out: string; home: string; results?: Results }> {
  const out = join(home, 'out');
  const run = await runBundle('cli', testArgs(repo, home, extra), env ?? (await environment(home)));
  const file = join(out, 'results', 'results.json');
  return {
    ...run,
    out,
    home,
    ...(existsSync(file)
      ? { results: ResultsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) }
      : {}),
  };
}

// Gauge parses specs concurrently, so the order of specs in a run varies; scenarios keep their
// order within a spec. Compared by spec name, stably.
const outcomes = (results: Results | undefined) =>
  results?.tests
    .map((t) => ({ spec: t.spec, line: `${t.spec} / ${t.scenario}: ${t.status}` }))
    .sort((a, b) => a.spec.localeCompare(b.spec))
    .map((t) => t.line);

describe('streamstress test with the real Gauge', () => {
  it(
    'checks out release-tests, runs gauge with the default tags, and writes results.json, summary and logs',
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('release-tests', {
        'specs/pipelines/run.spec': PIPELINES_SPEC,
        'specs/triggers/el.spec': TRIGGERS_SPEC,
      });
      const home = tempDir('suite-home');
      const env = await environment(home);
      const properties = join(env.GAUGE_HOME ?? '', 'config', 'gauge.properties');
      writeFileSync(
        properties,
        '# my settings\ngauge_repository_url = https://example.test/plugins\nrunner_connection_timeout = 30000\nide_request_timeout = 30000\n',
      );
      const run = await streamstressTest(repo.url, [], home, env);
      const out = run.out;
      // No cluster here: the version is unknown, so only `e2e` selects.
      expect(run.stderr).toContain('warning: No cluster to ask for its version');
      expect(run.code).toBe(1);
      const results = ResultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')),
      );
      expect(outcomes(results)).toEqual([
        'Pipelines / Run a pipeline: passed',
        'Pipelines / Cancel a pipeline: failed',
        'Pipelines / Not on this OpenShift: passed',
        'Pipelines / Unfinished: passed',
        'Triggers / Create an EventListener: passed',
      ]);
      expect(results.source).toBe('junit');
      expect(results.incomplete).toBe(false);
      expect(results.releaseTests).toEqual({
        repo: repo.url,
        ref: 'master',
        commit: repo.commit,
        tags: 'e2e',
      });
      expect(results.phases?.test?.status).toBe('succeeded');
      expect(results.tests[1]?.message).toBe(
        `Fail with "expected Cancelled, got Running"\nStep Execution Failure: 'expected Cancelled, got Running'`,
      );
      expect(results.tests[1]?.stack).toContain('steps/fixtures/fixtures.go:');
      expect(run.stdout).toBe(readFileSync(join(out, 'results', 'summary.md'), 'utf8'));
      expect(readFileSync(join(out, 'logs', 'gauge-stdout.log'), 'utf8')).toContain(
        'Specifications:\t2 executed\t1 passed\t1 failed\t0 skipped',
      );
      expect(existsSync(join(out, 'reports', 'xml-report', 'result.xml'))).toBe(true);
      // Gauge's output reached the terminal too, live.
      expect(run.stderr).toContain('# Pipelines');
      // The timeout was raised where Gauge reads it; the user's other settings stay (Gauge then
      // rewrites the file as its own template with those values).
      const settings = readFileSync(properties, 'utf8');
      expect(settings).toMatch(/^runner_connection_timeout = 300000$/m);
      expect(settings).toMatch(/^gauge_repository_url = https:\/\/example\.test\/plugins$/m);
    },
  );

  // Both of Gauge's outputs, of a sequential and a parallel run: the xml-report, and the
  // console when the xml-report plugin is not in the project's manifest.
  describe.each([
    ['sequentially', []],
    ['in two parallel streams', ['--parallel', '2']],
  ])('run %s', (_, parallel) => {
    const expected = [
      'Outcomes / Passes: passed',
      'Outcomes / Fails with a message: failed',
      'Outcomes / Panics: failed',
      'Outcomes / Skips as release-tests does: skipped',
      'Outcomes / Runs once per row: passed',
      'Outcomes / Runs once per row: passed',
      'Rows / Fails on one row: failed',
      'Rows / Fails on one row: failed',
    ];
    const specs = { 'specs/a/outcomes.spec': OUTCOMES_SPEC, 'specs/b/rows.spec': TABLE_SPEC };
    const byId = (results: Results | undefined) =>
      Object.fromEntries((results?.tests ?? []).map((t) => [t.id, t]));

    it('reads the xml-report', { timeout: 180_000 }, async () => {
      const run = await streamstressTest(releaseTests(`xml-${parallel.length}`, specs).url, [
        ...parallel,
      ]);
      expect(run.results?.source).toBe('junit');
      expect(outcomes(run.results)?.sort()).toEqual([...expected].sort());
      const tests = byId(run.results);
      expect(tests['specs/a/outcomes.spec::Panics']?.message).toBe(
        "Panic\nStep Execution Failure: 'assignment to entry in nil map'",
      );
      expect(tests['specs/a/outcomes.spec::Skips as release-tests does']?.message).toContain(
        "'[SKIPPED] CHAINS_REPOSITORY is not set'",
      );
      // The rows of a table are told apart by number, as in the console.
      expect(Object.keys(tests)).toEqual(
        expect.arrayContaining([
          'specs/a/outcomes.spec::Runs once per row#1',
          'specs/a/outcomes.spec::Runs once per row#2',
          'specs/b/rows.spec::Fails on one row#2',
        ]),
      );
      expect(run.results?.warnings).toEqual([]);
      expect(run.code).toBe(1);
      if (parallel.length > 0)
        expect(readFileSync(join(run.out, 'logs', 'gauge-stdout.log'), 'utf8')).toMatch(
          /^\[runner: +[12]\] # Rows$/m,
        );
    });

    it(
      'reads the console output when the xml-report plugin is not installed',
      {
        timeout: 180_000,
      },
      async () => {
        const repo = releaseTests(`console-${parallel.length}`, {
          ...specs,
          'manifest.json': JSON.stringify({ Language: 'go', Plugins: [] }),
        });
        const run = await streamstressTest(repo.url, [...parallel, '--tags', 'e2e & !to-do']);
        expect(run.results?.source).toBe('console');
        expect(outcomes(run.results)?.sort()).toEqual([...expected].sort());
        const tests = byId(run.results);
        expect(tests['specs/a/outcomes.spec::Fails with a message']).toMatchObject({
          message: 'expected Cancelled, got Running',
          stack: expect.stringContaining('steps/fixtures/fixtures.go:'),
        });
        expect(tests['specs/a/outcomes.spec::Panics']?.message).toBe(
          'assignment to entry in nil map',
        );
        expect(tests['specs/b/rows.spec::Fails on one row#2']?.message).toBe('b');
        // Gauge's own summary agrees with what was read.
        expect(run.results?.warnings).toEqual([]);
        expect(run.results?.incomplete).toBe(false);
        expect(run.results?.releaseTests?.tags).toBe('e2e & !to-do');
        expect(run.code).toBe(1);
      },
    );
  });

  // Gauge 1.6 runs the specs it could parse and exits 2; with none left it finds "No
  // specifications" and exits 1 (or 0: under a tag expression the spec is left out unseen).
  it.each([
    [
      'besides a spec that runs',
      { 'specs/fine.spec': '# Fine\nTags: e2e\n## Passes\n* Pass\n' },
      'gauge exited 2 (a spec could not be parsed)',
    ],
    ['alone', {}, 'gauge exited 1 but left out a spec it could not parse'],
  ])(
    'reports a spec Gauge cannot parse %s as an infrastructure failure',
    { timeout: 180_000 },
    async (_, others, error) => {
      const repo = releaseTests(`parse-error-${Object.keys(others).length}`, {
        'specs/broken.spec': '* A step before any heading\n',
        ...others,
      });
      const run = await streamstressTest(repo.url);
      expect(outcomes(run.results)).toEqual(
        Object.keys(others).length > 0 ? ['Fine / Passes: passed'] : [],
      );
      expect(run.results?.phases?.test).toMatchObject({
        status: 'failed',
        error: `${error}: [ParseError] specs/broken.spec:1 Spec does not have any elements => ''`,
      });
      expect(run.code).toBe(2);
    },
  );

  it(
    'keeps the tests that finished when the runner crashes mid-run, marked incomplete',
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('crash', {
        'specs/a.spec': '# First\n## Passes\n* Pass\n## Crashes\n* Crash\n',
        'specs/b.spec': '# Second\n## Never runs\n* Pass\n',
      });
      const run = await streamstressTest(repo.url, ['--tags', '!nothing']);
      expect(run.results?.incomplete).toBe(true);
      expect(run.results?.source).toBe('console');
      expect(outcomes(run.results)).toEqual(['First / Passes: passed', 'First / Crashes: errored']);
      expect(run.code).toBe(3);
    },
  );

  it(
    'reads garbage output as a run cut short (the stand-in gauge)',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('garbage', { 'specs/a.spec': '# First\n## Passes\n* Pass\n' });
      const home = tempDir('suite-home');
      const run = await streamstressTest(repo.url, [], home, {
        HOME: home,
        GAUGE_HOME: join(home, 'gauge'),
        PATH: `${STAND_INS}:${process.env.PATH}`,
      });
      expect(run.results?.incomplete).toBe(true);
      expect(run.results?.source).toBe('console');
      expect(run.results?.warnings).toContain(
        'Gauge never printed its closing summary: the run was cut short, and scenarios it did not reach are missing.',
      );
      expect(run.code).toBe(2);
    },
  );

  it(
    'stops gauge at the timeout and still writes what finished, marked incomplete',
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('hang', {
        'specs/a.spec': '# Hangs\n## Passes\n* Pass\n## Waits forever\n* Hang\n',
      });
      // The Go runner builds the steps first: the timeout leaves room for that.
      const run = await streamstressTest(repo.url, ['--tags', '!nothing', '--timeout', '20']);
      expect(run.stderr).toContain('warning: Gauge was stopped after the timeout of 20 s.');
      expect(run.results?.incomplete).toBe(true);
      expect(run.results?.phases?.test?.error).toBe('stopped after the 20 s timeout');
      expect(outcomes(run.results)).toEqual([
        'Hangs / Passes: passed',
        'Hangs / Waits forever: errored',
      ]);
      expect(run.code).toBe(3);
      expect(gaugeProcessesIn(join(run.home, 'cache'))).toEqual([]);
    },
  );

  it(
    'streams each line to the log as it comes, and on SIGTERM stops gauge and writes an incomplete results.json',
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('sigterm', {
        'specs/a.spec':
          '# Slow\n## First\n* Pass\n## Second\n* Sleep "1" seconds\n## Third\n* Hang\n',
      });
      const home = tempDir('suite-home');
      const out = join(home, 'out');
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'dist', 'cli', 'index.js'),
          ...testArgs(repo.url, home, ['--tags', '!nothing']),
        ],
        { env: await environment(home), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const log = join(out, 'logs', 'gauge-stdout.log');
      // The third scenario's line reaches the log while Gauge is still running (it hangs there).
      while (child.exitCode === null) {
        if (existsSync(log) && readFileSync(log, 'utf8').includes('## Third')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(child.exitCode).toBe(null);
      child.kill('SIGTERM');
      expect(await exited).toBe(3);
      expect(stderr).toContain('warning: Gauge was stopped: the run was cancelled.');
      const results = ResultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')),
      );
      expect(results.incomplete).toBe(true);
      expect(results.phases?.test?.error).toBe('stopped: the run was cancelled');
      expect(outcomes(results)).toEqual([
        'Slow / First: passed',
        'Slow / Second: passed',
        'Slow / Third: errored',
      ]);
      expect(gaugeProcessesIn(join(home, 'cache'))).toEqual([]);
    },
  );

  it.each([
    [
      ['--specs', '../elsewhere'],
      'Spec directories must be relative paths inside release-tests: "../elsewhere".',
    ],
    [
      ['--specs', '--tags=x'],
      'Spec directories must be relative paths inside release-tests: "--tags=x".',
    ],
    [['--timeout', 'soon'], '--timeout is "soon"; it must be a number of seconds above 0.'],
    [['--parallel', '0'], '--parallel is "0"; it must be a whole number above 0.'],
    [
      ['--release-tests-ref', 'main..evil'],
      '--release-tests-ref "main..evil" "main..evil" contains "..", which git reads as a range.',
    ],
    [
      ['--release-tests-repo=-oops'],
      'The repository "-oops" starts with "-", which git would read as an option.',
    ],
  ])('exits 2 on %j before running anything', async (args, message) => {
    const run = await streamstressTest('file:///nonexistent/release-tests.git', args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.results).toBeUndefined();
  });
});

describe('run-release-tests, as the Actions runner runs it', () => {
  it(
    'groups the output per spec with workflow commands off, and sets outputs, summary and artifact',
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('action', {
        'specs/pipelines/run.spec': PIPELINES_SPEC.replace(
          '## Run a pipeline',
          '## Run a pipeline ::error::injected by a test name',
        ),
        'specs/triggers/el.spec': TRIGGERS_SPEC,
      });
      const step = runnerEnv({
        'release-tests-repo': repo.url,
        tags: 'e2e & !to-do',
        'output-dir': join(tempDir('action'), 'out'),
      });
      const artifacts = await startArtifactService();
      // A pull_request event, as the runner describes it to the step.
      const event = join(tempDir('event'), 'event.json');
      writeFileSync(event, JSON.stringify({ pull_request: { number: 42 } }));
      const run = await runBundle('run-release-tests', [], {
        ...step.env,
        ...artifacts.env,
        ...(await gaugeEnvironment()),
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'org/repo',
        GITHUB_RUN_ID: '4242',
        GITHUB_SHA: 'f'.repeat(40),
      }).finally(() => artifacts.stop());
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('::error::1 of 4 tests failed or errored. See the job summary');
      const outputs = readOutputs(step.output);
      expect(outputs).toMatchObject({ total: '4', passed: '3', failed: '1', 'exit-code': '1' });
      expect(readFileSync(step.summary, 'utf8')).toBe(outputs.summary);
      expect(outputs.summary).toContain('1 of 4 tests failed');
      // The run records what started it: the dashboard and comments tell PR runs from base runs.
      const recorded = ResultsSchema.parse(
        JSON.parse(readFileSync(outputs['results-file'] ?? '', 'utf8')),
      );
      expect(recorded.run.trigger).toEqual({
        event: 'pull_request',
        url: 'https://github.com/org/repo/actions/runs/4242',
        pr: 42,
        sha: 'f'.repeat(40),
      });

      // Every line of Gauge's output is printed while workflow commands are stopped.
      const lines = run.stdout.split('\n');
      let stoppedBy: string | undefined;
      let injected = 0;
      for (const line of lines) {
        const stop = /^::stop-commands::([0-9a-f]{32})$/.exec(line);
        if (stop) stoppedBy = stop[1];
        else if (stoppedBy && line === `::${stoppedBy}::`) stoppedBy = undefined;
        else if (line.includes('::error::injected')) {
          expect(stoppedBy).toBeDefined();
          injected++;
        }
      }
      expect(injected).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/^::group::Pipelines$/m);
      expect(run.stdout).toMatch(/^::group::Triggers$/m);

      const zip = join(tempDir('artifact'), 'a.zip');
      writeFileSync(zip, artifacts.artifacts[0]?.body ?? '');
      expect(artifacts.artifacts[0]?.name).toBe('streamstress-results');
      expect(execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n')).toEqual(
        expect.arrayContaining([
          'results/results.json',
          'results/summary.md',
          'reports/xml-report/result.xml',
          'logs/gauge-stdout.log',
          'logs/gauge-stderr.log',
        ]),
      );
    },
  );

  it('refuses a parallel-streams that is not a whole number', async () => {
    const step = runnerEnv({ 'parallel-streams': 'many' });
    const run = await runBundle('run-release-tests', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error::parallel-streams is "many"; it must be a whole number above 0.',
    );
  });
});

describe('streamstress test on the testbed', () => {
  const testbedOf = useTestbed();
  let testbed: Testbed;
  beforeAll(() => {
    testbed = testbedOf();
  });

  it(
    "skips what the cluster's OpenShift version skips, and profiles each spec through the metrics API",
    { timeout: 180_000 },
    async () => {
      const repo = releaseTests('profiled', {
        'specs/pipelines/run.spec': PIPELINES_SPEC.replace(
          '* Pass',
          '* Run "3" pods using "400" millicores and "512" MiB\n* Sleep "4" seconds',
        ),
        'specs/triggers/el.spec': TRIGGERS_SPEC.replace('* Pass', '* Sleep "2" seconds'),
      });
      const home = tempDir('suite-home');
      const run = await runBundle(
        'cli',
        [
          '--kubeconfig',
          testbed.adminKubeconfig,
          ...testArgs(repo.url, home, ['--profile', '--profile-interval', '0.5']),
        ],
        await environment(home),
      );
      expect(run.code).toBe(1);
      const out = join(home, 'out');
      const results = ResultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')),
      );
      // The testbed runs OpenShift 4.20.0 (its default).
      expect(results.releaseTests?.tags).toBe('e2e & !(skip-4.20 | to-do)');
      expect(results.run.cluster?.version).toBe('4.20.0');
      expect(outcomes(results)).toEqual([
        'Pipelines / Run a pipeline: passed',
        'Pipelines / Cancel a pipeline: failed',
        'Triggers / Create an EventListener: passed',
      ]);

      const profile = ResourceProfileSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'resource-profile.json'), 'utf8')),
      );
      expect(results.profile).toEqual(profile);
      expect(profile.allocatable).toEqual({
        cpuCores: 7.5,
        memoryBytes: 30 * 2 ** 30,
        nodes: 1,
      });
      const pipelines = profile.specs.find((s) => s.spec === 'Pipelines');
      const triggers = profile.specs.find((s) => s.spec === 'Triggers');
      // Three pods of 400m and 512 MiB on top of the baseline, while the Pipelines spec ran.
      expect(pipelines?.cpuCores.max).toBeCloseTo(profile.baseline.cpuCores + 1.2, 2);
      expect(pipelines?.memoryBytes.max).toBe(profile.baseline.memoryBytes + 1.5 * 2 ** 30);
      expect(pipelines?.pods.max).toBe(profile.baseline.pods + 3);
      // The load's pods go a moment after its scenario ends; then the Triggers spec runs idle.
      expect(triggers?.cpuCores.min).toBeLessThan(profile.baseline.cpuCores + 0.1);
      const byCpu = ((7.5 - profile.baseline.cpuCores) * 0.8) / 1.2;
      expect(profile.recommendation).toMatchObject({
        parallelism: Math.floor(byCpu + 1e-9),
        limitingResource: 'cpu',
      });
      expect(run.stdout).toContain(`Parallelism: CPU limits it: (7.50 cores allocatable`);
    },
  );

  it(
    'goes on without a profile, saying so once, when the cluster has no metrics API',
    { timeout: 180_000 },
    async () => {
      await testbed.admin.delete(
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pods.metrics.k8s.io',
      );
      const repo = releaseTests('unprofiled', { 'specs/triggers/el.spec': TRIGGERS_SPEC });
      const home = tempDir('suite-home');
      const run = await runBundle(
        'cli',
        ['--kubeconfig', testbed.adminKubeconfig, ...testArgs(repo.url, home, ['--profile'])],
        await environment(home),
      );
      expect(run.code).toBe(0);
      expect(run.stderr.match(/Resource profiling is off/g)).toHaveLength(1);
      expect(run.stderr).toContain(
        'warning: Resource profiling is off: the cluster serves no metrics API (/apis/metrics.k8s.io/v1beta1/pods); install metrics-server to profile.',
      );
      expect(existsSync(join(home, 'out', 'results', 'resource-profile.json'))).toBe(false);
    },
  );
});

/** Processes whose working directory is under `dir`: a gauge left behind would be one. */
function gaugeProcessesIn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    });
}
