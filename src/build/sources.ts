import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { ensureCacheRepo } from '../plan/as-of.js';
import type { PlannedComponent } from '../plan/plan.js';

/**
 * A working tree of exactly the planned commit. The commit is fetched shallowly into the
 * component's cache repository (shared with --as-of), reused when already there, and checked
 * out detached into `workspace/<component>`.
 */
export async function checkoutPlanned(
  git: Git,
  component: Pick<PlannedComponent, 'name' | 'repo' | 'commit' | 'ref' | 'refKind'>,
  options: { cacheDir: string; workspace: string },
): Promise<string> {
  const cache = await ensureCacheRepo(git, options.cacheDir, component.repo);
  if (!(await git.hasCommit(cache, component.commit))) {
    // Servers that allow fetching a commit by id (GitHub does) need only that commit; others
    // get the ref it was resolved from, a little deeper in case it moved on since planning.
    const bySha = await git.fetchShallow(cache, component.commit);
    if (!bySha && component.refKind !== 'commit')
      await git.fetchShallow(
        cache,
        `+${component.ref}:refs/streamstress/fetched/${component.name}`,
        50,
      );
    if (!(await git.hasCommit(cache, component.commit))) {
      throw new StreamstressError(
        `${component.name}: commit ${component.commit} could not be fetched from ${component.repo}.`,
        {
          exitCode: ExitCode.infrastructure,
          hint:
            component.refKind === 'commit'
              ? 'Check that the commit exists upstream.'
              : `It is no longer near ${component.ref}: plan again.`,
        },
      );
    }
  }
  const tree = join(options.workspace, component.name);
  await rm(tree, { recursive: true, force: true });
  await git.pruneWorktrees(cache);
  await mkdir(options.workspace, { recursive: true });
  await git.addWorktree(cache, tree, component.commit);
  return tree;
}
