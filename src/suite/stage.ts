import { openShiftVersion } from '../cluster/openshift.js';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import type { KubeClient } from '../adapters/kube.js';
import { analyseOutputDir, OUTPUT_LAYOUT, type Analysis } from '../results/analyse.js';
import type { Results } from '../results/model.js';
import { specHeadingOf } from '../results/console.js';
import { checkoutReleaseTests } from './checkout.js';
import {
  gaugeArguments,
  gaugeHome,
  raiseRunnerConnectionTimeout,
  runGauge,
  tagExpression,
  type GaugeRun,
} from './gauge.js';
import { Profiler, type ResourceProfile } from './profile.js';

export const RESOURCE_PROFILE_FILE = join('results', 'resource-profile.json');

export interface TestStageOptions {
  git: Git;
  /** Called when the cluster is needed (its version, profiling); a failure is only a warning. */
  connect: () => Promise<KubeClient>;
  /** The kubeconfig streamstress uses, given to the suite too so both talk to one cluster. */
  kubeconfigPath?: string;
  releaseTestsRepo: string;
  releaseTestsRef: string;
  cacheDir: string;
  outputDir: string;
  tags?: string;
  specDirs: string[];
  gaugeEnv?: string;
  parallelStreams?: number;
  extraArgs: string[];
  timeoutSeconds: number;
  profile: boolean;
  profileIntervalSeconds: number;
  categoriesFile?: string;
  /** Aborted when the user or the workflow cancels: Gauge is stopped, results still written. */
  signal?: AbortSignal;
  runId: string;
  /** When run by `streamstress run`: its label, start, components and the stages before this one. */
  run?: Partial<Pick<Results['run'], 'label' | 'startedAt' | 'trigger'>>;
  components?: Results['components'];
  earlierPhases?: Results['phases'];
  onProgress: (message: string) => void;
  onWarning: (message: string) => void;
  /** Every line Gauge prints, live, with the spec it belongs to once one has started. */
  onGaugeLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface TestStageResult extends Analysis {
  profile?: ResourceProfile;
  gauge: GaugeRun;
}

// What an earlier run into the same directory left and this run writes anew.
export const TEST_OUTPUTS = [
  OUTPUT_LAYOUT.xmlReport,
  OUTPUT_LAYOUT.gaugeStdout,
  OUTPUT_LAYOUT.gaugeStderr,
  OUTPUT_LAYOUT.results,
  OUTPUT_LAYOUT.summary,
  RESOURCE_PROFILE_FILE,
];

/**
 * `streamstress test` and run-release-tests: check out release-tests, run Gauge with live logs
 * (and the resource profiler), then turn whatever it left into results.json — also after a
 * timeout or a cancellation, marked incomplete.
 */
export async function runTestStage(options: TestStageOptions): Promise<TestStageResult> {
  const outputDir = resolve(options.outputDir);
  const startedAt = new Date().toISOString();
  const checkout = await checkoutReleaseTests(options.git, {
    repo: options.releaseTestsRepo,
    ref: options.releaseTestsRef,
    cacheDir: options.cacheDir,
  });
  options.onProgress(`release-tests ${checkout.ref} at ${checkout.commit.slice(0, 12)}`);
  for (const file of TEST_OUTPUTS) await rm(join(outputDir, file), { force: true });
  await mkdir(join(outputDir, 'results'), { recursive: true });

  const kube = await options.connect().catch((error: unknown) => {
    options.onWarning(`No cluster to ask for its version: ${(error as Error).message}`);
    return undefined;
  });
  const ocpVersion = kube ? await openShiftVersion(kube) : undefined;
  const tags = tagExpression(options.tags, ocpVersion);
  const home = gaugeHome();
  const raised = await raiseRunnerConnectionTimeout(home);
  if (raised.changed) options.onProgress(`raised runner_connection_timeout in ${raised.file}`);

  const profiler =
    options.profile && kube
      ? await Profiler.start(kube, {
          intervalMs: options.profileIntervalSeconds * 1000,
          onWarning: options.onWarning,
        })
      : undefined;
  const args = gaugeArguments({
    tags,
    specDirs: options.specDirs,
    ...(options.gaugeEnv ? { env: options.gaugeEnv } : {}),
    ...(options.parallelStreams ? { parallelStreams: options.parallelStreams } : {}),
    extraArgs: options.extraArgs,
  });
  options.onProgress(`gauge ${args.join(' ')}`);
  const lastErrors: string[] = [];
  // Gauge prints parse and validation errors on stdout, with the spec's absolute path.
  const specErrors: string[] = [];
  const gauge = await runGauge({
    cwd: checkout.dir,
    args,
    // A process environment value overrides the project's .properties (DOMAIN.md §6).
    env: {
      GAUGE_HOME: home,
      gauge_reports_dir: join(outputDir, 'reports'),
      overwrite_reports: 'true',
      ...(options.kubeconfigPath ? { KUBECONFIG: resolve(options.kubeconfigPath) } : {}),
    },
    stdoutLog: join(outputDir, OUTPUT_LAYOUT.gaugeStdout),
    stderrLog: join(outputDir, OUTPUT_LAYOUT.gaugeStderr),
    timeoutMs: options.timeoutSeconds * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
    onStdoutLine: (line) => {
      if (/^\[(?:ParseError|ValidationError)\] /.test(line) && specErrors.length < 3)
        specErrors.push(line.trim().replaceAll(`${checkout.dir}/`, ''));
      const heading = specHeadingOf(line);
      if (heading) profiler?.specStarted(heading);
      options.onGaugeLine(line, 'stdout');
    },
    onStderrLine: (line) => {
      if (line.trim()) lastErrors.push(line.trim());
      if (lastErrors.length > 3) lastErrors.shift();
      options.onGaugeLine(line, 'stderr');
    },
  });
  if (gauge.stopped === 'timeout')
    options.onWarning(`Gauge was stopped after the timeout of ${options.timeoutSeconds} s.`);
  if (gauge.stopped === 'cancelled') options.onWarning('Gauge was stopped: the run was cancelled.');

  const profile = await profiler?.finish();
  if (profile)
    await writeFile(
      join(outputDir, RESOURCE_PROFILE_FILE),
      `${JSON.stringify(profile, null, 2)}\n`,
    );
  const phase = testPhase(gauge, lastErrors, specErrors, options.timeoutSeconds);
  const analysis = await analyseOutputDir(outputDir, {
    ...(options.categoriesFile ? { categoriesFile: options.categoriesFile } : {}),
    stopped: gauge.stopped !== undefined,
    record: {
      run: {
        id: options.runId,
        ...(options.run?.label ? { label: options.run.label } : {}),
        ...(options.run?.trigger ? { trigger: options.run.trigger } : {}),
        startedAt: options.run?.startedAt ?? startedAt,
        finishedAt: new Date().toISOString(),
        ...(ocpVersion ? { cluster: { version: ocpVersion } } : {}),
      },
      releaseTests: { repo: checkout.repo, ref: checkout.ref, commit: checkout.commit, tags },
      ...(options.components ? { components: options.components } : {}),
      phases: { ...options.earlierPhases, test: phase },
      ...(profile ? { profile } : {}),
    },
  });
  return { ...analysis, ...(profile ? { profile } : {}), gauge };
}

/**
 * Gauge's exit codes: 0 passed, 1 tests failed (or the runner died), 2 parse error, 3 validation
 * error. A step without implementation is no validation error to Gauge 1.6: it skips the
 * scenario and may exit 0.
 */
function testPhase(
  gauge: GaugeRun,
  lastErrors: string[],
  specErrors: string[],
  timeoutSeconds: number,
): NonNullable<Results['phases']>['test'] {
  const durationSeconds = Math.round(gauge.durationSeconds * 1000) / 1000;
  const errors =
    gauge.exitCode === 2 || gauge.exitCode === 3 ? [...specErrors, ...lastErrors] : lastErrors;
  const detail = errors.length > 0 ? `: ${errors.join(' | ')}` : '';
  if (gauge.stopped === 'timeout')
    return {
      status: 'failed',
      durationSeconds,
      error: `stopped after the ${timeoutSeconds} s timeout`,
    };
  if (gauge.stopped === 'cancelled')
    return { status: 'failed', durationSeconds, error: 'stopped: the run was cancelled' };
  // Under a tag expression Gauge 1.6 leaves a spec it cannot parse out of the run, and may
  // exit 0: a spec that silently did not run is no success.
  const parseErrors = specErrors.filter((e) => e.startsWith('[ParseError]'));
  if ((gauge.exitCode === 0 || gauge.exitCode === 1) && parseErrors.length > 0)
    return {
      status: 'failed',
      durationSeconds,
      error: `gauge exited ${gauge.exitCode} but left out a spec it could not parse: ${parseErrors.join(' | ')}`,
    };
  if (gauge.exitCode === 0 || gauge.exitCode === 1) return { status: 'succeeded', durationSeconds };
  const meaning =
    { 2: ' (a spec could not be parsed)', 3: ' (the specs did not validate)' }[
      gauge.exitCode ?? -1
    ] ?? '';
  return {
    status: 'failed',
    durationSeconds,
    error: `gauge exited ${gauge.exitCode ?? 'on a signal'}${meaning}${detail}`,
  };
}

/** An AbortSignal that fires on SIGINT or SIGTERM (a workflow cancellation, Ctrl-C). */
export function cancellationSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
