import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { refuseOptionLike, type Git } from '../adapters/git.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { loadResultsFile } from '../results/compare.js';
import type { Results } from '../results/model.js';
import { addRunToSite, baseRun, publishedRun, type SiteIndex } from './site.js';

export const DEFAULT_RETENTION = 500;

export interface PublishOptions {
  resultsFile: string;
  label?: string;
  retention: number;
  onProgress: (message: string) => void;
}

export async function loadRunToPublish(file: string, label: string | undefined): Promise<Results> {
  const results = await loadResultsFile(
    file,
    'results file',
    'Give the results/results.json a test run wrote.',
  );
  return publishedRun(results, label);
}

/** `--out DIR`: the site written into a folder, nothing pushed. */
export async function publishToFolder(
  options: PublishOptions & { dir: string },
): Promise<SiteIndex> {
  const results = await loadRunToPublish(options.resultsFile, options.label);
  return addRunToSite(options.dir, results, { retention: options.retention });
}

/**
 * Adds the run to `branch` of `repo` without ever losing someone else's: fetch the branch's
 * newest commit only, add the run and regenerate the derived files, commit, push as a
 * fast-forward. When another publisher got there first, fetch the new tip and re-apply onto
 * it, with backoff and jitter, up to `attempts` times. Never a force push.
 */
export async function publishToBranch(
  options: PublishOptions & {
    git: Git;
    repo: string;
    branch: string;
    attempts?: number;
    backoffMs?: number;
  },
): Promise<{
  runId: string;
  index: SiteIndex;
  attempts: number;
  pushed: boolean;
  /** The base branch's newest published run, to compare a pull request's run with. */
  baseline?: Results;
}> {
  refuseOptionLike(options.repo);
  const results = await loadRunToPublish(options.resultsFile, options.label);
  const attempts = options.attempts ?? 10;
  const backoff = options.backoffMs ?? 200;
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'streamstress-site-'));
  try {
    const exists = await options.git.checkoutBranchTip(options.repo, dir, options.branch);
    if (!exists) options.onProgress(`${options.branch} does not exist yet: starting it`);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const index = await addRunToSite(dir, results, { retention: options.retention });
      const changed = await options.git.commitAll(
        dir,
        `streamstress: add run ${results.run.id}${results.run.label ? ` (${results.run.label})` : ''}`,
      );
      const done = async (pushed: boolean) => {
        const baseline = await baseRun(dir, index, results.run.id);
        return {
          runId: results.run.id,
          index,
          attempts: attempt,
          pushed,
          ...(baseline ? { baseline } : {}),
        };
      };
      if (!changed) {
        options.onProgress(`run ${results.run.id} is already published as it is`);
        return done(false);
      }
      if ((await options.git.pushFastForward(dir, options.branch)) === 'pushed') {
        options.onProgress(`published run ${results.run.id} to ${options.branch}`);
        return done(true);
      }
      if (attempt === attempts) break;
      const delay = backoff * 2 ** Math.min(attempt - 1, 5) * (0.5 + Math.random());
      options.onProgress(
        `${options.branch} moved on while publishing; re-applying onto its new tip in ${Math.round(delay)} ms (attempt ${attempt + 1} of ${attempts})`,
      );
      await sleep(delay);
      await options.git.resetToRemoteTip(dir, options.branch);
    }
    throw new StreamstressError(
      `Could not publish run ${results.run.id}: ${options.branch} kept moving for ${attempts} attempts.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: `Nothing was lost: the results are still in ${options.resultsFile}; publish again later (streamstress publish --results ${options.resultsFile}).`,
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
