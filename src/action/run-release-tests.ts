import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { uploadArtifact } from '../adapters/artifact.js';
import { Git } from '../adapters/git.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { parsePositiveInteger, parseSeconds } from '../input.js';
import { defaultCacheDir } from '../plan/as-of.js';
import { OUTPUT_LAYOUT } from '../results/analyse.js';
import type { Results } from '../results/model.js';
import { DEFAULT_RELEASE_TESTS_REPO } from '../suite/checkout.js';
import { parseExtraArgs, parseSpecDirs } from '../suite/inputs.js';
import { specHeadingOf } from '../results/console.js';
import { cancellationSignal, RESOURCE_PROFILE_FILE, runTestStage } from '../suite/stage.js';
import { withKubeconfig } from './cluster.js';
import { booleanInput, optionalInput } from './run-action.js';
import { ensureGauge } from './tools.js';

/**
 * Gauge's output in the log, a group per spec when the streams are not interleaved. The suite's
 * output is untrusted: workflow commands are off while it prints, so no test can set an
 * output, mask or fail the step by printing `::…::`.
 */
function gaugeLog(grouped: boolean): {
  line(text: string): void;
  /** Our own messages (warnings, progress) are commands again while they are written. */
  ours(write: () => void): void;
  end(): void;
} {
  let token: string | undefined;
  let open = false;
  const pause = () => {
    token = randomBytes(16).toString('hex');
    core.info(`::stop-commands::${token}`);
  };
  const resume = () => {
    if (token) core.info(`::${token}::`);
    token = undefined;
  };
  return {
    line(text) {
      const heading = grouped ? specHeadingOf(text) : undefined;
      if (heading) {
        resume();
        if (open) core.endGroup();
        core.startGroup(heading);
        open = true;
      }
      if (!token) pause();
      core.info(text);
    },
    ours(write) {
      const paused = token !== undefined;
      resume();
      write();
      if (paused) pause();
    },
    end() {
      resume();
      if (open) core.endGroup();
      open = false;
    },
  };
}

/**
 * What started this run, as results.json records it: the event, the workflow run's page, the
 * pull request when there is one (the dashboard and the comments tell base runs from PR runs by
 * it), and the commit.
 */
function workflowTrigger(): NonNullable<Results['run']['trigger']> {
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  const pr = context.payload.pull_request?.number;
  return {
    event: process.env.GITHUB_EVENT_NAME || 'local',
    ...(process.env.GITHUB_REPOSITORY && process.env.GITHUB_RUN_ID
      ? {
          url: `${server}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`,
        }
      : {}),
    ...(typeof pr === 'number' ? { pr } : {}),
    ...(process.env.GITHUB_SHA ? { sha: process.env.GITHUB_SHA } : {}),
  };
}

/** run-release-tests: run the suite, write results.json, the job summary, outputs and an artifact. */
export async function runReleaseTestsAction(): Promise<void> {
  const specDirs = parseSpecDirs(core.getInput('specs') || 'specs');
  const timeoutSeconds = parseSeconds('timeout', core.getInput('timeout') || '10800');
  const profileIntervalSeconds = parseSeconds(
    'profile-interval',
    core.getInput('profile-interval') || '5',
  );
  const parallelInput = optionalInput('parallel-streams');
  const parallelStreams = parallelInput
    ? parsePositiveInteger('parallel-streams', parallelInput)
    : undefined;
  const tags = optionalInput('tags');
  const gaugeEnv = optionalInput('gauge-env');
  const categoriesFile = optionalInput('categories-file');
  const profile = booleanInput('profile');
  const outputDir = resolve(core.getInput('output-dir') || 'test-output');
  const runId = `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  await ensureGauge();
  const log = gaugeLog(!parallelStreams || parallelStreams === 1);
  const cancellation = cancellationSignal();
  const result = await withKubeconfig((cluster) =>
    runTestStage({
      run: { trigger: workflowTrigger() },
      git: new Git(),
      connect: cluster.connect,
      ...(cluster.path ? { kubeconfigPath: cluster.path } : {}),
      releaseTestsRepo: core.getInput('release-tests-repo') || DEFAULT_RELEASE_TESTS_REPO,
      releaseTestsRef: core.getInput('release-tests-ref') || 'master',
      cacheDir: defaultCacheDir(),
      outputDir,
      ...(tags ? { tags } : {}),
      specDirs,
      ...(gaugeEnv ? { gaugeEnv } : {}),
      ...(parallelStreams ? { parallelStreams } : {}),
      extraArgs: parseExtraArgs(core.getInput('gauge-args')),
      timeoutSeconds,
      profile,
      profileIntervalSeconds,
      ...(categoriesFile ? { categoriesFile } : {}),
      signal: cancellation.signal,
      runId,
      onProgress: (message) => log.ours(() => core.info(message)),
      onWarning: (message) => log.ours(() => core.warning(message)),
      onGaugeLine: (line) => log.line(line),
    }),
  ).finally(() => {
    log.end();
    cancellation.dispose();
  });

  const { results } = result;
  const resultsFile = join(outputDir, OUTPUT_LAYOUT.results);
  const { summary } = results;
  for (const name of ['total', 'passed', 'failed', 'skipped', 'errored'] as const)
    core.setOutput(name, String(summary[name]));
  core.setOutput('duration-seconds', String(summary.durationSeconds));
  core.setOutput('results-file', resultsFile);
  core.setOutput('summary', result.summary);
  core.setOutput('incomplete', String(results.incomplete));
  core.setOutput('exit-code', String(results.exitCode));
  if (result.profile)
    core.setOutput(
      'recommended-parallelism',
      String(result.profile.recommendation.parallelism ?? ''),
    );
  await core.summary.addRaw(result.summary).write();
  const artifact = await uploadArtifact(
    core.getInput('artifact-name') || 'streamstress-results',
    [
      OUTPUT_LAYOUT.results,
      OUTPUT_LAYOUT.summary,
      RESOURCE_PROFILE_FILE,
      OUTPUT_LAYOUT.xmlReport,
      OUTPUT_LAYOUT.gaugeStdout,
      OUTPUT_LAYOUT.gaugeStderr,
    ]
      .map((file) => join(outputDir, file))
      .filter((file) => existsSync(file)),
    outputDir,
  );
  core.setOutput('artifact-id', artifact ? String(artifact.id) : '');

  if (results.exitCode !== ExitCode.passed) {
    const failing = summary.failed + summary.errored;
    throw new StreamstressError(
      [
        failing > 0 ? `${failing} of ${summary.total} tests failed or errored` : '',
        results.incomplete ? 'the run is incomplete' : '',
        results.phases?.test?.error ?? '',
        summary.total === 0 ? 'no test ran' : '',
      ]
        .filter(Boolean)
        .join('; ') + '. See the job summary and results.json.',
      { exitCode: results.exitCode as ExitCode },
    );
  }
}
