import { getOctokit } from '@actions/github';

export interface PullRequest {
  /** `owner/name`. */
  repository: string;
  number: number;
}

/** A failure of the GitHub API with its HTTP status (403: the token may not write). */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The one comment a workflow keeps on a pull request, found again by a hidden marker in its
 * body and edited in place. Calls go to GITHUB_API_URL (api.github.com, or a GitHub Enterprise
 * Server), as every action's do.
 */
export async function upsertComment(
  token: string,
  pr: PullRequest,
  marker: string,
  body: string,
  /** Whether to write, knowing whether the comment exists already. */
  wanted: (exists: boolean) => boolean = () => true,
): Promise<{ action: 'created' | 'updated'; url: string } | undefined> {
  const octokit = getOctokit(token);
  const [owner = '', repo = ''] = pr.repository.split('/');
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pr.number,
      per_page: 100,
    });
    // Only a comment this token wrote is ours: anyone can paste the marker into a comment.
    // GITHUB_TOKEN may not ask who it is; what it writes is github-actions[bot]'s.
    const author = await octokit.rest.users.getAuthenticated().then(
      ({ data }) => data.login,
      () => 'github-actions[bot]',
    );
    const existing = comments.find((c) => c.user?.login === author && c.body?.includes(marker));
    if (!wanted(existing !== undefined)) return undefined;
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', url: data.html_url };
    }
    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: pr.number,
      body,
    });
    return { action: 'created', url: data.html_url };
  } catch (error) {
    const status = (error as { status?: number }).status ?? 0;
    throw new GitHubApiError((error as Error).message, status);
  }
}
