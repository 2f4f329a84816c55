import { join } from 'node:path';
import { refuseOptionLike, type Git } from '../adapters/git.js';
import { checkoutPlanned } from '../build/sources.js';
import { classifyRef, refProblem } from '../plan/refs.js';
import { resolveRef } from '../plan/resolve.js';
import { ExitCode, StreamstressError } from '../errors.js';

export const DEFAULT_RELEASE_TESTS_REPO = 'https://github.com/openshift-pipelines/release-tests';

export interface ReleaseTestsCheckout {
  dir: string;
  repo: string;
  ref: string;
  commit: string;
}

/**
 * release-tests at a branch, tag or SHA, resolved with ls-remote and fetched one commit deep
 * into the cache, like a component's sources.
 */
export async function checkoutReleaseTests(
  git: Git,
  options: { repo: string; ref: string; cacheDir: string },
): Promise<ReleaseTestsCheckout> {
  refuseOptionLike(options.repo);
  const problem = refProblem(options.ref);
  if (problem) {
    throw new StreamstressError(`--release-tests-ref "${options.ref}" ${problem}.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Give a branch, tag or full commit SHA of release-tests (default master).',
    });
  }
  const resolved = await resolveRef(git, 'release-tests', options.repo, classifyRef(options.ref));
  const dir = await checkoutPlanned(
    git,
    {
      name: 'release-tests',
      repo: options.repo,
      commit: resolved.commit,
      ref: resolved.ref,
      refKind: resolved.kind,
    },
    { cacheDir: options.cacheDir, workspace: join(options.cacheDir, 'workspace') },
  );
  return { dir, repo: options.repo, ref: options.ref, commit: resolved.commit };
}
