import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../../src/results/model.js';
import { ROOT, runBundle, type CliRun } from '../helpers/cli.js';
import { ResourceProfileSchema } from '../../src/suite/profile.js';
import { startArtifactService } from '../helpers/artifact-service.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { createRepository, tempDir } from '../helpers/upstreams.js';
import { useTestbed } from '../testbed/hooks.js';
import type { Testbed } from '../testbed/testbed.js';

const STAND_INS = join(ROOT, 'test', 'stand-ins');
const MANIFEST = JSON.stringify({ Language: 'go', Plugins: ['xml-report', 'html-report'] });
const PIPELINES_SPEC = `# Pipelines
Tags: e2e

## Run a pipeline
* Create pipeline "demo"

## Cancel a pipeline
* Fail with "expected Cancelled, got Running"

## Not on this OpenShift
Tags: skip-4.18
* Create pipeline "old"

## Unfinished
Tags: to-do
* Create pipeline "later"
`;
const TRIGGERS_SPEC = `# Triggers

## Create an EventListener
Tags: e2e, sanity
* Create eventlistener "el"

## Not in this run
Tags: manual
* Create eventlistener "never"
`;

let root: string;

beforeAll(() => {
  root = tempDir('suite');
});

/** release-tests with the given specs (and other files) on master. */
function releaseTests(name: string, files: Record<string, string>) {
  return createRepository(root, name, {
    'manifest.json': MANIFEST,
    'env/default/default.properties': 'gauge_reports_dir = reports\noverwrite_reports = true\n',
    '.gauge-go-compile-ms': '40000',
    ...files,
  });
}

function environment(home: string): Record<string, string> {
  return { HOME: home, GAUGE_HOME: join(home, 'gauge'), PATH: `${STAND_INS}:${process.env.PATH}` };
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
): Promise<CliRun & { out: string; home: string; results?: Results }> {
  const out = join(home, 'out');
  const run = await runBundle('cli', testArgs(repo, home, extra), environment(home));
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

const outcomes = (results: Results | undefined) =>
  results?.tests.map((t) => `${t.spec} / ${t.scenario}: ${t.status}`);

describe('streamstress test with a stand-in gauge', () => {
  it(
    'checks out release-tests, runs gauge with the default tags, and writes results.json, summary and logs',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('release-tests', {
        'specs/pipelines/run.spec': PIPELINES_SPEC,
        'specs/triggers/el.spec': TRIGGERS_SPEC,
      });
      const home = tempDir('suite-home');
      mkdirSync(join(home, 'gauge', 'config'), { recursive: true });
      const properties = join(home, 'gauge', 'config', 'gauge.properties');
      writeFileSync(
        properties,
        '# my settings\ngauge_repository_url = https://example.test/plugins\nrunner_connection_timeout = 30000\nide_request_timeout = 30000\n',
      );
      const run = await streamstressTest(repo.url, [], home);
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
      expect(results.tests[1]?.message).toContain('expected Cancelled, got Running');
      expect(run.stdout).toBe(readFileSync(join(out, 'results', 'summary.md'), 'utf8'));
      expect(readFileSync(join(out, 'logs', 'gauge-stdout.log'), 'utf8')).toContain(
        'Specifications:\t2 executed\t1 passed\t1 failed',
      );
      expect(existsSync(join(out, 'reports', 'xml-report', 'result.xml'))).toBe(true);
      // Gauge's output reached the terminal too, live.
      expect(run.stderr).toContain('# Pipelines');
      // The cold Go compile (40 s) needed the raised timeout; the user's other settings stay.
      expect(readFileSync(properties, 'utf8')).toBe(
        '# my settings\ngauge_repository_url = https://example.test/plugins\nrunner_connection_timeout = 300000\nide_request_timeout = 30000\n',
      );
    },
  );

  it(
    'reads the console output when the xml-report plugin is not installed',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('no-xml', {
        'manifest.json': JSON.stringify({ Language: 'go', Plugins: ['html-report'] }),
        'specs/triggers/el.spec': TRIGGERS_SPEC,
        'specs/pipelines/run.spec': PIPELINES_SPEC,
      });
      const run = await streamstressTest(repo.url, ['--tags', 'e2e & !to-do']);
      expect(run.results?.source).toBe('console');
      expect(outcomes(run.results)).toEqual([
        'Pipelines / Run a pipeline: passed',
        'Pipelines / Cancel a pipeline: failed',
        'Pipelines / Not on this OpenShift: passed',
        'Triggers / Create an EventListener: passed',
      ]);
      expect(run.results?.releaseTests?.tags).toBe('e2e & !to-do');
      expect(run.code).toBe(1);
    },
  );

  it('runs parallel streams and reads their prefixed output', { timeout: 60_000 }, async () => {
    const repo = releaseTests('parallel', {
      'specs/pipelines/run.spec': PIPELINES_SPEC,
      'specs/triggers/el.spec': TRIGGERS_SPEC,
    });
    const run = await streamstressTest(repo.url, ['--parallel', '2', '--tags', 'e2e']);
    expect(readFileSync(join(run.out, 'logs', 'gauge-stdout.log'), 'utf8')).toMatch(
      /^\[runner: 2\] # Triggers$/m,
    );
    expect(run.results?.summary).toMatchObject({ total: 5, passed: 4, failed: 1 });
  });

  it(
    'reports a spec Gauge cannot parse as an infrastructure failure, exit 2',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('parse-error', {
        'specs/broken.spec': '* A step before any heading\n',
      });
      const run = await streamstressTest(repo.url);
      expect(run.code).toBe(2);
      expect(run.results?.phases?.test).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(
          /^gauge exited 2 \(a spec could not be parsed\): \[ParseError\] specs\/broken\.spec:1 /,
        ),
      });
      expect(run.results?.exitCode).toBe(2);
    },
  );

  it(
    'keeps the tests that finished when a runner crashes mid-run, marked incomplete',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('crash', {
        'specs/a.spec': '# First\n## Passes\n* Create pipeline "a"\n## Crashes\n* Crash\n',
        'specs/b.spec': '# Second\n## Never runs\n* Create pipeline "b"\n',
      });
      const run = await streamstressTest(repo.url, ['--tags', '!nothing']);
      expect(run.results?.incomplete).toBe(true);
      expect(run.results?.source).toBe('console');
      expect(outcomes(run.results)).toEqual(['First / Passes: passed', 'First / Crashes: errored']);
      expect(run.code).toBe(3);
    },
  );

  it(
    'stops gauge at the timeout and still writes what finished, marked incomplete',
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('hang', {
        'specs/a.spec': '# Hangs\n## Passes\n* Create pipeline "a"\n## Waits forever\n* Hang\n',
      });
      const run = await streamstressTest(repo.url, ['--tags', '!nothing', '--timeout', '3']);
      expect(run.stderr).toContain('warning: Gauge was stopped after the timeout of 3 s.');
      expect(run.results?.incomplete).toBe(true);
      expect(run.results?.phases?.test?.error).toBe('stopped after the 3 s timeout');
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
    { timeout: 60_000 },
    async () => {
      const repo = releaseTests('sigterm', {
        'specs/a.spec':
          '# Slow\n## First\n* Create pipeline "a"\n## Second\n* Sleep "1" seconds\n## Third\n* Hang\n',
      });
      const home = tempDir('suite-home');
      const out = join(home, 'out');
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'dist', 'cli', 'index.js'),
          ...testArgs(repo.url, home, ['--tags', '!nothing']),
        ],
        { env: { ...environment(home) }, stdio: ['ignore', 'pipe', 'pipe'] },
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
    { timeout: 60_000 },
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
        GAUGE_HOME: join(step.env.HOME ?? '', 'gauge'),
        PATH: `${STAND_INS}:${process.env.PATH}`,
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
    { timeout: 120_000 },
    async () => {
      const repo = releaseTests('profiled', {
        'specs/pipelines/run.spec': PIPELINES_SPEC.replace(
          '* Create pipeline "demo"',
          '* Run "3" pods using "400" millicores and "512" MiB\n* Sleep "4" seconds',
        ),
        'specs/triggers/el.spec': TRIGGERS_SPEC.replace(
          '* Create eventlistener "el"',
          '* Sleep "2" seconds',
        ),
      });
      const home = tempDir('suite-home');
      const run = await runBundle(
        'cli',
        [
          '--kubeconfig',
          testbed.adminKubeconfig,
          ...testArgs(repo.url, home, ['--profile', '--profile-interval', '0.5']),
        ],
        environment(home),
      );
      expect(run.code).toBe(1);
      const out = join(home, 'out');
      const results = ResultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')),
      );
      // The testbed runs OpenShift 4.18.3.
      expect(results.releaseTests?.tags).toBe('e2e & !(skip-4.18 | to-do)');
      expect(results.run.cluster?.version).toBe('4.18.3');
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
    { timeout: 120_000 },
    async () => {
      await testbed.admin.delete(
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pods.metrics.k8s.io',
      );
      const repo = releaseTests('unprofiled', { 'specs/triggers/el.spec': TRIGGERS_SPEC });
      const home = tempDir('suite-home');
      const run = await runBundle(
        'cli',
        ['--kubeconfig', testbed.adminKubeconfig, ...testArgs(repo.url, home, ['--profile'])],
        environment(home),
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
