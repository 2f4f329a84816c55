import { ExitCode, StreamstressError } from '../errors.js';
import type { Git, RemoteRef } from '../adapters/git.js';
import type { RefRequest } from './refs.js';

export type RefKind = 'branch' | 'tag' | 'pull-request' | 'commit' | 'ref';

export interface ResolvedRef {
  /** The full ref that was resolved (`refs/heads/main`, `refs/pull/123/head`), or the SHA itself. */
  ref: string;
  kind: RefKind;
  commit: string;
}

/**
 * Resolves a requested ref to a commit with `git ls-remote`, the way the remote sees it now.
 * Annotated tags are peeled to their commit. A full SHA is taken as it is: no protocol lists
 * arbitrary commits, and build fetches it by SHA, which fails loudly if it does not exist.
 */
export async function resolveRef(
  git: Git,
  component: string,
  repo: string,
  request: RefRequest,
): Promise<ResolvedRef> {
  switch (request.kind) {
    case 'commit':
      return { ref: request.sha, kind: 'commit', commit: request.sha };
    case 'default-branch':
      return resolveDefaultBranch(git, component, repo);
    case 'pull-request':
    case 'full-ref': {
      const refs = await git.lsRemote(repo, [request.ref, `${request.ref}^{}`]);
      const found = pick(refs, request.ref);
      if (!found) {
        const what =
          request.kind === 'pull-request'
            ? `pull request #${request.number} (${request.ref})`
            : request.ref;
        throw notFound(
          component,
          repo,
          what,
          request.kind === 'pull-request' ? 'Check the pull request number.' : undefined,
        );
      }
      return { ref: request.ref, kind: kindOf(request.ref), commit: found };
    }
    case 'name': {
      const branch = `refs/heads/${request.name}`;
      const tag = `refs/tags/${request.name}`;
      const refs = await git.lsRemote(repo, [branch, tag, `${tag}^{}`]);
      const asBranch = pick(refs, branch);
      const asTag = pick(refs, tag);
      if (asBranch && asTag && asBranch !== asTag) {
        throw new StreamstressError(
          `${component}: "${request.name}" is both a branch and a tag in ${repo}, at different commits.`,
          {
            exitCode: ExitCode.infrastructure,
            hint: `Say which one: ${component}:${branch} or ${component}:${tag}.`,
          },
        );
      }
      if (asTag) return { ref: tag, kind: 'tag', commit: asTag };
      if (asBranch) return { ref: branch, kind: 'branch', commit: asBranch };
      const hint = /^[0-9a-f]{4,39}$/i.test(request.name)
        ? 'If this is an abbreviated commit, give the full 40-character SHA.'
        : 'Check the spelling, or that the branch or tag has been pushed.';
      throw notFound(component, repo, `branch or tag "${request.name}"`, hint);
    }
  }
}

async function resolveDefaultBranch(
  git: Git,
  component: string,
  repo: string,
): Promise<ResolvedRef> {
  const refs = await git.lsRemote(repo, ['HEAD'], { symref: true });
  const target = refs.find((r) => r.name === 'HEAD' && r.symrefTarget)?.symrefTarget;
  const commit = refs.find((r) => r.name === 'HEAD' && r.object)?.object;
  if (!commit)
    throw notFound(
      component,
      repo,
      'a default branch (HEAD)',
      'Give a branch or tag explicitly, e.g. pipeline:main.',
    );
  return target ? { ref: target, kind: 'branch', commit } : { ref: 'HEAD', kind: 'ref', commit };
}

/** The commit a ref points at, peeling an annotated tag when ls-remote listed it. */
function pick(refs: readonly RemoteRef[], name: string): string | undefined {
  return (
    refs.find((r) => r.name === `${name}^{}`)?.object ?? refs.find((r) => r.name === name)?.object
  );
}

function kindOf(ref: string): RefKind {
  if (ref.startsWith('refs/heads/')) return 'branch';
  if (ref.startsWith('refs/tags/')) return 'tag';
  if (ref.startsWith('refs/pull/')) return 'pull-request';
  return 'ref';
}

function notFound(component: string, repo: string, what: string, hint?: string): StreamstressError {
  return new StreamstressError(`${component}: ${what} does not exist in ${repo}.`, {
    exitCode: ExitCode.infrastructure,
    ...(hint ? { hint } : {}),
  });
}
