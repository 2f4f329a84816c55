import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KubeClient } from '../adapters/kube.js';
import { runBuildStage, type BuildStageOptions } from '../build/stage.js';
import { loadImages, type Images } from '../build/images.js';
import { registryRouteHost, setupCluster } from '../cluster/setup.js';
import { runDeployStage, type DeployStageOptions } from '../cluster/stages.js';
import type { DeploymentRecord } from '../cluster/deploy.js';
import { findCsv } from '../cluster/operator.js';
import {
  combineExitCodes,
  ExitCode,
  StreamstressError,
  describeError,
  type ExitCode as ExitCodeType,
} from '../errors.js';
import { checkPlanRequest } from '../plan/index.js';
import { loadComponents } from '../config/components.js';
import {
  OUTPUT_LAYOUT,
  plannedComponents,
  recordRunWithoutTests,
  withPayload,
  writeResults,
  type Analysis,
} from '../results/analyse.js';
import type { Results } from '../results/model.js';
import { runTestStage, TEST_OUTPUTS, type TestStageOptions } from '../suite/stage.js';
import type { ItemState, Progress } from '../cli/progress.js';
import type { ComponentBuildState } from '../build/build.js';

type Phases = NonNullable<Results['phases']>;
type PhaseName = keyof Phases;

export interface RunOptions {
  runId: string;
  label?: string;
  outputDir: string;
  connect: () => Promise<KubeClient>;
  /** Prepare the cluster first (registry route, image namespace, operator); idempotent. */
  autoSetup: boolean;
  setup: { imageNamespace: string; operatorNamespace: string; timeoutSeconds: number };
  /** `host/namespace` to push to; default: the registry route and the image namespace. */
  registry?: string;
  /** Reuse earlier builds instead of building (`--skip-build --images FILE`). */
  imagesFile?: string;
  build: Omit<
    BuildStageOptions,
    'registry' | 'outputDir' | 'onProgress' | 'signal' | 'onComponent' | 'onCommand'
  >;
  deploy: Omit<
    DeployStageOptions,
    'connect' | 'imagesFile' | 'lookup' | 'restore' | 'outputDir' | 'onProgress' | 'componentsFile'
  >;
  test: Omit<
    TestStageOptions,
    | 'connect'
    | 'outputDir'
    | 'runId'
    | 'run'
    | 'components'
    | 'earlierPhases'
    | 'signal'
    | 'onProgress'
    | 'onWarning'
    | 'onGaugeLine'
  >;
  /** Put the operator's original images back at the end, whatever happened. */
  restoreAfter: boolean;
  /** Publishes results.json when a target is configured. */
  publish?: (resultsFile: string) => Promise<string>;
  signal: AbortSignal;
  progress: Progress;
}

export interface RunOutcome {
  analysis: Analysis;
  resultsFile: string;
  exitCode: ExitCodeType;
}

const BUILD_STATE: Record<ComponentBuildState, ItemState> = {
  queued: 'waiting',
  building: 'running',
  built: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
};

// What an earlier run into the same output directory left and this run writes anew: a stale
// plan or deployment record must never be taken for this run's.
const REGENERATED = [OUTPUT_LAYOUT.plan, OUTPUT_LAYOUT.deployment, 'restore.json', ...TEST_OUTPUTS];

/** A stage failed: the run records why and goes no further. */
class StageStopped extends Error {}

const STAGE_LABEL: Record<PhaseName, string> = {
  setup: 'setup',
  build: 'build',
  deploy: 'deploy',
  test: 'test',
};

/**
 * `streamstress run`: auto-setup → plan and parallel builds → deploy → test → results, then
 * restore and publish when asked. Every stage's status and duration go into results.json's
 * phases — also when one failed, in which case results.json says so and no later stage runs.
 * A component that fails to build while others build does not stop the run: the others are
 * deployed and tested, and the exit code says both (3 when tests fail too).
 */
export async function runAll(options: RunOptions): Promise<RunOutcome> {
  const { progress } = options;
  // Bad input is refused before the cluster or the output directory is touched.
  const registry = await loadComponents(options.build.componentsFile);
  const plannedNames = options.imagesFile
    ? (await loadImages(options.imagesFile)).components.map((c) => c.name)
    : (await checkPlanRequest(options.build)).requests.map((r) => r.name);
  const planned = registry.components.filter((c) => plannedNames.includes(c.name));
  const outputDir = resolve(options.outputDir);
  await mkdir(outputDir, { recursive: true });
  const imagesFile = join(outputDir, 'images.json');
  const stale = options.imagesFile ? REGENERATED : [...REGENERATED, 'images.json'];
  for (const file of stale) await rm(join(outputDir, file), { force: true });
  const startedAt = new Date().toISOString();
  const phases: Phases = {};
  let components: Results['components'] = [];
  let operatorChanged = false;
  let deployStarted = false;
  let analysis: Analysis | undefined;
  let extraExitCode: ExitCodeType = ExitCode.passed;

  for (const name of Object.keys(STAGE_LABEL) as PhaseName[])
    progress.item(name, STAGE_LABEL[name], 'waiting');

  /** Runs one stage, timing it into `phases`; a thrown error stops the run after recording it. */
  const stage = async <T>(name: PhaseName, body: () => Promise<T>): Promise<T> => {
    if (options.signal.aborted) {
      phases[name] = { status: 'failed', error: 'not started: the run was cancelled' };
      progress.item(name, STAGE_LABEL[name], 'skipped', 'cancelled');
      throw new StageStopped();
    }
    const started = Date.now();
    const durationSeconds = () => Math.round(Date.now() - started) / 1000;
    progress.item(name, STAGE_LABEL[name], 'running');
    try {
      const result = await body();
      // A body may have recorded a failure it went on from (a component that did not build).
      phases[name] = { status: 'succeeded', ...phases[name], durationSeconds: durationSeconds() };
      progress.item(
        name,
        STAGE_LABEL[name],
        phases[name].status === 'failed' ? 'failed' : 'succeeded',
        phases[name].error ?? '',
      );
      return result;
    } catch (error) {
      // The message, not a stack: it goes into results.json, the dashboard and comments.
      const message = (error as Error).message ?? String(error);
      phases[name] = { status: 'failed', durationSeconds: durationSeconds(), error: message };
      progress.item(name, STAGE_LABEL[name], 'failed', message);
      progress.message(`${name} failed: ${describeError(error)}`);
      throw new StageStopped();
    }
  };
  const skip = (name: PhaseName, why: string) => {
    phases[name] = { status: 'skipped' };
    progress.item(name, STAGE_LABEL[name], 'skipped', why);
  };

  try {
    let registryRoute: string | undefined;
    if (options.autoSetup) {
      registryRoute = await stage('setup', async () => {
        const result = await setupCluster({
          kube: await options.connect(),
          imageNamespace: options.setup.imageNamespace,
          operatorNamespace: options.setup.operatorNamespace,
          timeoutMs: options.setup.timeoutSeconds * 1000,
          components: planned,
          targetNamespace: options.deploy.targetNamespace,
          onStep: (step) => progress.message(`setup: ${step.step}: ${step.status}, ${step.detail}`),
        });
        return result.registryRoute;
      });
    } else skip('setup', '--no-auto-setup');

    let images: Images;
    if (options.imagesFile) {
      images = await stage('build', async () => {
        if (resolve(options.imagesFile!) !== imagesFile)
          await copyFile(options.imagesFile!, imagesFile);
        return loadImages(imagesFile);
      });
      phases.build = { status: 'skipped' };
      progress.item('build', 'build', 'skipped', `--skip-build: images from ${options.imagesFile}`);
    } else {
      images = await stage('build', async () => {
        const registry =
          options.registry ??
          `${registryRoute ?? (await routeOf(await options.connect()))}/${options.setup.imageNamespace}`;
        progress.message(`pushing to ${registry}`);
        const result = await runBuildStage({
          ...options.build,
          registry,
          outputDir,
          signal: options.signal,
          onProgress: (message) => progress.message(message),
          onComponent: (component, state, detail) =>
            progress.item(
              `build:${component}`,
              `  ${component}`,
              BUILD_STATE[state],
              state === 'building' ? `building ${detail ?? ''}` : (detail ?? ''),
            ),
          onCommand: (component, command) => progress.command(`${component}: ${command}`),
        });
        if (result.failures.length > 0) {
          phases.build = {
            status: 'failed',
            error: result.failures
              .map((f) =>
                f.error.startsWith(f.component) ? f.error : `${f.component}: ${f.error}`,
              )
              .join('; '),
          };
        }
        if (result.images.components.length === 0)
          throw new StreamstressError(`no component was built: ${phases.build?.error ?? ''}`);
        return result.images;
      });
    }
    components = images.components.map((c) => ({
      name: c.name,
      repo: c.repo,
      ref: c.ref,
      commit: c.commit,
      images: c.images.map((i) => ({ env: i.env, ref: i.ref })),
    }));

    const deployed = await stage('deploy', () => {
      deployStarted = true;
      return runDeployStage({
        ...options.deploy,
        ...(options.build.componentsFile ? { componentsFile: options.build.componentsFile } : {}),
        connect: options.connect,
        imagesFile,
        outputDir,
        onProgress: (message) => {
          progress.item('deploy', 'deploy', 'running', message);
          progress.message(message);
        },
      });
    });
    // Also when the test stage fails to start: results.json says what the images ran with.
    components = withPayload(components, deployed.record.payload);

    const tested = await stage('test', () =>
      runTestStage({
        ...options.test,
        connect: options.connect,
        outputDir,
        runId: options.runId,
        run: { ...(options.label ? { label: options.label } : {}), startedAt },
        components,
        earlierPhases: phases,
        signal: options.signal,
        onProgress: (message) => {
          progress.item('test', 'test', 'running', message);
          progress.message(message);
        },
        onWarning: (message) => progress.message(`warning: ${message}`),
        onGaugeLine: (line) => progress.output(line),
      }),
    );
    analysis = await refuseChangedOperator(
      tested,
      outputDir,
      options.connect,
      deployed.record.operator,
    );
    operatorChanged = analysis.results.warnings.some((w) => w.startsWith(OPERATOR_CHANGED));
    const testPhase = tested.results.phases?.test;
    if (testPhase) phases.test = testPhase;
    progress.item(
      'test',
      'test',
      testPhase?.status === 'failed' ? 'failed' : 'succeeded',
      tested.results.incomplete
        ? 'incomplete'
        : `${tested.results.summary.passed} of ${tested.results.summary.total} passed`,
    );
  } catch (error) {
    if (!(error instanceof StageStopped)) throw error;
  }

  if (!analysis) {
    for (const name of Object.keys(STAGE_LABEL) as PhaseName[])
      if (!phases[name]) skip(name, 'an earlier stage failed');
    analysis = await recordRunWithoutTests(outputDir, {
      run: {
        id: options.runId,
        ...(options.label ? { label: options.label } : {}),
        startedAt,
        finishedAt: new Date().toISOString(),
      },
      components: components.length > 0 ? components : ((await plannedComponents(outputDir)) ?? []),
      phases,
    });
  }

  if (options.restoreAfter && deployStarted && operatorChanged) {
    // The new CSV carries the images it ships and no originals: nothing of ours to put back.
    progress.item('restore', 'restore', 'skipped', 'the operator was upgraded during the run');
  } else if (options.restoreAfter && deployStarted) {
    progress.item('restore', 'restore', 'running');
    try {
      const { record } = await runDeployStage({
        ...options.deploy,
        ...(options.build.componentsFile ? { componentsFile: options.build.componentsFile } : {}),
        connect: options.connect,
        restore: true,
        outputDir,
        onProgress: (message) => progress.message(message),
      });
      progress.item(
        'restore',
        'restore',
        'succeeded',
        `${record.changes.length} IMAGE_* values put back`,
      );
    } catch (error) {
      progress.item('restore', 'restore', 'failed', (error as Error).message);
      progress.message(`restore failed: ${describeError(error)}`);
      // The run's record says so too: the cluster was left running the upstream images.
      const results = analysis.results;
      results.warnings.push(
        `The operator's original images could not be put back: ${(error as Error).message}`,
      );
      results.exitCode = combineExitCodes(
        results.exitCode as ExitCodeType,
        ExitCode.infrastructure,
      );
      analysis = await writeResults(outputDir, results, analysis.comparison);
    }
  }

  const resultsFile = join(outputDir, OUTPUT_LAYOUT.results);
  if (options.publish) {
    progress.item('publish', 'publish', 'running');
    try {
      progress.item('publish', 'publish', 'succeeded', await options.publish(resultsFile));
    } catch (error) {
      progress.item('publish', 'publish', 'failed', (error as Error).message);
      progress.message(`publish failed: ${describeError(error)}`);
      extraExitCode = ExitCode.infrastructure;
    }
  }
  return {
    analysis,
    resultsFile,
    exitCode: combineExitCodes(analysis.results.exitCode as ExitCodeType, extraExitCode),
  };
}

/**
 * An operator upgrade during the tests (a catalog update with automatic approval) replaces the
 * CSV and the images deployed with it: such a run tested something else than what was built,
 * and says so (DOMAIN.md §9.5).
 */
export async function refuseChangedOperator(
  tested: Analysis,
  outputDir: string,
  connect: () => Promise<KubeClient>,
  operator: DeploymentRecord['operator'],
): Promise<Analysis> {
  const results = tested.results;
  let installed: string;
  try {
    installed = (await findCsv(await connect(), operator.namespace, { lenient: true })).metadata
      .name;
    if (installed === operator.csv) return tested;
  } catch (error) {
    // Not knowing is no proof of a change: the run stands, and says what could not be checked.
    results.warnings.push(
      `Whether the operator changed during the run could not be checked: ${describeError(error)}`,
    );
    return writeResults(outputDir, results, tested.comparison);
  }
  results.warnings.push(
    `${OPERATOR_CHANGED}: the images were deployed into ${operator.csv}, and now the installed CSV is ${installed}. The tests may not have run against the images built: this run is invalid.`,
  );
  results.exitCode = combineExitCodes(results.exitCode as ExitCodeType, ExitCode.infrastructure);
  return writeResults(outputDir, results, tested.comparison);
}

const OPERATOR_CHANGED = 'The operator changed during the run';

async function routeOf(kube: KubeClient): Promise<string> {
  const host = await registryRouteHost(kube);
  if (host) return host;
  throw new StreamstressError('The cluster has no route to its internal registry.', {
    hint: 'Run without --no-auto-setup (setup exposes it), or give --registry HOST/NAMESPACE.',
  });
}
