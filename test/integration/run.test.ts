import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentRecordSchema } from '../../src/cluster/deploy.js';
import { OPERATOR, type Csv } from '../../src/cluster/operator.js';
import { ResultsSchema, type Results } from '../../src/results/model.js';
import { ROOT, runBundle } from '../helpers/cli.js';
import {
  pushBaseImage,
  registryFlags,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry.js';
import { goTools, realToolsDir } from '../helpers/tools.js';
import { createRepository, createShippedUpstreams, tempDir } from '../helpers/upstreams.js';
import { gaugeEnvironment, releaseTestsFiles } from '../rehearsal/project.js';
import { useTestbed } from '../testbed/hooks.js';
import { CSV_PATH } from '../testbed/release.js';
import type { Testbed } from '../testbed/testbed.js';

const testbedOf = useTestbed();
let testbed: Testbed;
let registry: TestRegistry;
let work: string;
let config: string;
let tokenFile: string;
let baseImage: string;
/** The real ko and gauge. */
let toolsPath: string;
let gaugeEnv: Record<string, string>;
let goCache: string;

/** The rehearsal's release-tests with its fixture steps and one spec of the given scenarios (name → steps). */
function releaseTests(name: string, scenarios: Record<string, string>) {
  const spec = `# Pipelines\nTags: e2e\n\n${Object.entries(scenarios)
    .map(([scenario, steps]) => `## ${scenario}\n${steps}\n`)
    .join('\n')}`;
  return createRepository(
    work,
    name,
    releaseTestsFiles({ specs: { 'specs/pipelines/run.spec': spec }, fixtures: true }),
  ).url;
}

beforeAll(async () => {
  testbed = testbedOf();
  work = tempDir('run');
  registry = await startRegistry();
  baseImage = await pushBaseImage(registry);
  gaugeEnv = await gaugeEnvironment(`${await realToolsDir('ko')}:${process.env.PATH}`);
  toolsPath = gaugeEnv.PATH ?? '';
  goCache = (await goTools()).goCache;
  ({ config } = await createShippedUpstreams(work, {
    triggers: {},
    // An upstream commit that does not compile: ko fails on it.
    pipeline: { 'cmd/controller/types.go': 'package main\n\nvar _ = v1beta1.Foo\n' },
  }));
  tokenFile = join(work, 'registry-token');
  writeFileSync(tokenFile, registry.token, { mode: 0o600 });
  // Each test may start with --no-auto-setup: the operator is installed once, here.
  const setup = await runBundle('cli', ['--kubeconfig', testbed.adminKubeconfig, 'setup'], {
    HOME: work,
  });
  expect(setup.code).toBe(0);
}, 180_000);

afterAll(() => registry?.stop());

const environment = () => ({
  HOME: work,
  ...gaugeEnv,
  PATH: toolsPath,
  GOCACHE: goCache,
});

/** `streamstress run` arguments against the testbed, the loopback registry and the stand-ins. */
function runArgs(out: string, components: string, releaseTestsRepo: string, extra: string[] = []) {
  return [
    '--kubeconfig',
    testbed.adminKubeconfig,
    '--config',
    config,
    'run',
    '--components',
    components,
    ...registryFlags(registry, tokenFile),
    '--ko-base-image',
    baseImage,
    '--release-tests-repo',
    releaseTestsRepo,
    '--cache-dir',
    join(work, 'cache'),
    '--output-dir',
    out,
    '--deploy-timeout',
    '90',
    ...extra,
  ];
}

async function run(components: string, releaseTestsRepo: string, extra: string[] = []) {
  const out = tempDir('run-out');
  const result = await runBundle(
    'cli',
    runArgs(out, components, releaseTestsRepo, extra),
    environment(),
  );
  const file = join(out, 'results', 'results.json');
  const results: Results | undefined = existsSync(file)
    ? ResultsSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
    : undefined;
  expect(result.stdout + result.stderr).not.toContain(registry.token);
  return { ...result, out, results };
}

const phaseStatus = (results: Results | undefined) =>
  Object.fromEntries(Object.entries(results?.phases ?? {}).map(([k, v]) => [k, v.status]));

async function csvEnv(): Promise<Map<string, string>> {
  const csv = await testbed.admin.get<Csv>(CSV_PATH);
  const container = csv.spec.install.spec.deployments
    .find((d) => d.name === OPERATOR.deployment)
    ?.spec.template.spec.containers.find((c) => c.name === OPERATOR.container);
  return new Map((container?.env ?? []).map((e) => [e.name, e.value ?? '']));
}

const PASSING = { 'Run a pipeline': '* Pass', 'Run a task': '* Pass' };
const FAILING = {
  ...PASSING,
  'Cancel a pipeline': '* Fail with "expected Cancelled, got Running"',
};

describe('streamstress run against the testbed', () => {
  it(
    'sets the cluster up, builds, deploys, tests and publishes: all passing exits 0',
    { timeout: 300_000 },
    async () => {
      const site = join(work, 'site.git');
      execFileSync('git', ['init', '--quiet', '--bare', site]);
      const passed = await run('triggers', releaseTests('passing', PASSING), [
        '--label',
        'nightly triggers',
        '--publish',
        site,
      ]);
      expect(passed.stderr).toMatch(/^\d\d:\d\d:\d\d setup: running$/m);
      expect(passed.stderr).toMatch(/^\d\d:\d\d:\d\d triggers: succeeded — \d+\.\d s$/m);
      expect(passed.stderr).toMatch(
        /^\d\d:\d\d:\d\d publish: succeeded — run local-\d+T\d+Z on gh-pages/m,
      );
      expect(passed.stdout).toContain('✅ 2 of 2 tests passed — nightly triggers');
      expect(passed.code).toBe(0);
      expect(phaseStatus(passed.results)).toEqual({
        setup: 'succeeded',
        build: 'succeeded',
        deploy: 'succeeded',
        test: 'succeeded',
      });
      for (const phase of Object.values(passed.results?.phases ?? {}))
        expect(phase.durationSeconds).toBeGreaterThan(0);
      // One output directory holds every record of the run.
      for (const file of [
        'plan.json',
        'images.json',
        'deployment.json',
        'logs/build-triggers.log',
        'logs/gauge-stdout.log',
        'reports/xml-report/result.xml',
        'results/summary.md',
      ])
        expect(existsSync(join(passed.out, file)), file).toBe(true);
      const triggers = passed.results?.components[0];
      expect(triggers?.name).toBe('triggers');
      expect(triggers?.images?.map((i) => i.env).sort()).toEqual([
        'IMAGE_TRIGGERS_ARG__EL_IMAGE',
        'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER',
        'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CORE_INTERCEPTORS',
        'IMAGE_TRIGGERS_WEBHOOK',
      ]);
      // What was tested is what was built: the deployed digests are the images.json ones.
      const record = DeploymentRecordSchema.parse(
        JSON.parse(readFileSync(join(passed.out, 'deployment.json'), 'utf8')),
      );
      const env = await csvEnv();
      for (const change of record.changes) expect(env.get(change.env)).toBe(change.to);
      const index = JSON.parse(
        execFileSync('git', ['-C', site, 'show', 'gh-pages:data/index.json'], { encoding: 'utf8' }),
      ) as { runs: { id: string; label: string }[] };
      expect(index.runs.map((r) => r.label)).toEqual(['nightly triggers']);
      expect(index.runs[0]?.id).toBe(passed.results?.run.id);
    },
  );

  it(
    'reuses an earlier build with --skip-build --images; failing tests exit 1',
    { timeout: 300_000 },
    async () => {
      const first = await run('triggers', releaseTests('first', PASSING));
      expect(first.code).toBe(0);
      const failed = await run('triggers', releaseTests('failing', FAILING), [
        '--skip-build',
        '--images',
        join(first.out, 'images.json'),
      ]);
      expect(failed.stdout).toContain('❌ 1 of 3 tests failed');
      expect(failed.code).toBe(1);
      expect(phaseStatus(failed.results)).toEqual({
        setup: 'succeeded',
        build: 'skipped',
        deploy: 'succeeded',
        test: 'succeeded',
      });
      expect(failed.results?.exitCode).toBe(1);
    },
  );

  it(
    'a build failing exits 2 with a results.json saying so, and nothing is deployed',
    { timeout: 300_000 },
    async () => {
      const before = await csvEnv();
      const broken = await run('pipeline', releaseTests('unused', PASSING), ['--no-auto-setup']);
      expect(broken.code).toBe(2);
      expect(phaseStatus(broken.results)).toEqual({
        setup: 'skipped',
        build: 'failed',
        deploy: 'skipped',
        test: 'skipped',
      });
      expect(broken.results?.phases?.build?.error).toContain(
        'pipeline: ko exited 1: cmd/controller/types.go:3:9: undefined: v1beta1',
      );
      expect(broken.results?.source).toBe('none');
      expect(broken.results?.components.map((c) => c.name)).toEqual(['pipeline']);
      expect(broken.stdout).toContain('The build stage failed: ');
      expect(existsSync(join(broken.out, 'deployment.json'))).toBe(false);
      expect(await csvEnv()).toEqual(before);
    },
  );

  it(
    'one component failing to build while another builds, then tests failing, exits 3',
    { timeout: 300_000 },
    async () => {
      const both = await run('pipeline,triggers', releaseTests('both', FAILING), [
        '--no-auto-setup',
      ]);
      expect(both.code).toBe(3);
      expect(phaseStatus(both.results)).toEqual({
        setup: 'skipped',
        build: 'failed',
        deploy: 'succeeded',
        test: 'succeeded',
      });
      expect(both.results?.phases?.build?.error).toMatch(/^pipeline: ko exited 1/);
      // Only what was built was deployed and tested.
      expect(both.results?.components.map((c) => c.name)).toEqual(['triggers']);
      expect(both.results?.summary.failed).toBe(1);
      expect(both.results?.exitCode).toBe(3);
    },
  );

  it(
    'interrupted mid-test: results marked incomplete, and --restore-after puts the original images back',
    { timeout: 300_000 },
    async () => {
      const out = tempDir('run-out');
      const repo = releaseTests('hangs', { First: '* Pass', Second: '* Hang' });
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'dist', 'cli', 'index.js'),
          ...runArgs(out, 'triggers', repo, ['--no-auto-setup', '--restore-after']),
        ],
        { env: environment(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const log = join(out, 'logs', 'gauge-stdout.log');
      while (child.exitCode === null) {
        if (existsSync(log) && readFileSync(log, 'utf8').includes('## Second')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(child.exitCode).toBe(null);
      const deployed = await csvEnv();
      child.kill('SIGINT');
      expect(await exited).toBe(3);
      const results = ResultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')),
      );
      expect(results.incomplete).toBe(true);
      expect(results.phases?.test?.error).toBe('stopped: the run was cancelled');
      expect(stderr).toMatch(/restore: succeeded — 4 IMAGE_\* values put back/);
      const restored = DeploymentRecordSchema.parse(
        JSON.parse(readFileSync(join(out, 'restore.json'), 'utf8')),
      );
      const env = await csvEnv();
      for (const change of restored.changes) {
        expect(env.get(change.env)).toBe(change.to);
        // The images streamstress built ran until the restore; the operator's own are back.
        expect(deployed.get(change.env)).toContain('/tekton-upstream/');
        expect(change.to).not.toContain('/tekton-upstream/');
      }
    },
  );
});
