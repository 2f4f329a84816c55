import * as core from '@actions/core';
import { Git } from '../adapters/git.js';
import { parsePositiveInteger } from '../input.js';
import { context } from '@actions/github';
import { GitHubApiError, upsertComment } from '../adapters/github.js';
import {
  commentBody,
  commentMarker,
  parseCommentMode,
  shouldComment,
  type CommentMode,
} from '../publish/comment.js';
import { DEFAULT_RETENTION, loadRunToPublish, publishToBranch } from '../publish/publish.js';
import { compareResults, type Comparison } from '../results/compare.js';
import type { Results } from '../results/model.js';
import { optionalInput } from './run-action.js';

/**
 * The repository of this workflow, and where GitHub Pages serves its gh-pages branch. The
 * token reaches git as an HTTP header through GIT_CONFIG_* variables (actions/checkout does the
 * same through a config file): never on a command line, never in .git/config.
 */
function gitHubRepository(token: string | undefined): {
  url: string;
  pagesUrl?: string;
  env: Record<string, string>;
} {
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const [owner, name] = repository.split('/');
  const header = token
    ? `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
    : undefined;
  if (header) core.setSecret(header.slice('AUTHORIZATION: basic '.length));
  return {
    url: `${server}/${repository}.git`,
    ...(owner && name && server === 'https://github.com'
      ? { pagesUrl: `https://${owner}.github.io/${name}/` }
      : {}),
    env: header
      ? {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: `http.${server}/.extraheader`,
          GIT_CONFIG_VALUE_0: header,
        }
      : {},
  };
}

/** The pull request this run is for: the input, else the one results.json records, else the event's. */
function pullRequestNumber(results: Results): number | undefined {
  const input = optionalInput('pr-number');
  if (input) return parsePositiveInteger('pr-number', input);
  return results.run.trigger?.pr ?? context.payload.pull_request?.number;
}

/**
 * publish-dashboard: add the run to the site branch, output where it can be seen, write the job
 * summary, and keep one comment on the pull request up to date (`comment` mode).
 */
export async function publishDashboardAction(): Promise<void> {
  const token = optionalInput('github-token');
  if (token) core.setSecret(token);
  const retention = parsePositiveInteger(
    'retention',
    core.getInput('retention') || String(DEFAULT_RETENTION),
  );
  const mode = parseCommentMode(core.getInput('comment') || 'changes');
  const branch = core.getInput('branch') || 'gh-pages';
  const label = optionalInput('label');
  const resultsFile = core.getInput('results-file') || 'test-output/results/results.json';
  const results = await loadRunToPublish(resultsFile, label);
  const pr = pullRequestNumber(results);
  const github = gitHubRepository(token);
  const repo = optionalInput('repository') ?? github.url;
  // A publish that fails (a read-only token, a site that kept moving) still leaves the job
  // summary and the comment; the step fails after them.
  let publishError: unknown;
  const result = await publishToBranch({
    git: new Git({ env: github.env }),
    resultsFile,
    ...(label ? { label } : {}),
    retention,
    repo,
    branch,
    onProgress: (message) => core.info(message),
  }).catch((error: unknown) => {
    publishError = error;
    return undefined;
  });
  const dashboard = optionalInput('dashboard-url') ?? github.pagesUrl;
  const runUrl =
    result && dashboard ? `${dashboard}#run=${encodeURIComponent(result.runId)}` : undefined;
  if (result) {
    core.setOutput('runs', String(result.index.runs.length));
    core.setOutput('pushed', String(result.pushed));
  }
  core.setOutput('dashboard-url', dashboard ?? '');
  core.setOutput('run-url', runUrl ?? '');

  const baseline = result?.baseline;
  const comparison = baseline ? compareResults(results, baseline) : undefined;
  const marker = commentMarker(process.env.GITHUB_WORKFLOW ?? 'streamstress');
  const body = commentBody(marker, results, {
    ...(comparison ? { comparison } : {}),
    ...(baseline ? { baseLabel: baseline.run.label ?? baseline.run.id } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(dashboard && result ? { dashboardUrl: dashboard } : {}),
  });
  const note =
    pr === undefined
      ? undefined
      : await commentOn(pr, { mode, token, marker, body, results, comparison });
  if (note?.url) core.setOutput('comment-url', note.url);
  // The job summary is written in every case; a comment that could not be left says so there.
  await core.summary.addRaw(note?.text ? `${body}\n> ${note.text}\n` : body).write();
  if (publishError) throw publishError;
}

async function commentOn(
  pr: number,
  options: {
    mode: CommentMode;
    token: string | undefined;
    marker: string;
    body: string;
    results: Results;
    comparison: Comparison | undefined;
  },
): Promise<{ text?: string; url?: string }> {
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  if (options.mode === 'off') return {};
  if (!options.token) return { text: `No github-token: pull request #${pr} gets no comment.` };
  try {
    const done = await upsertComment(
      options.token,
      { repository, number: pr },
      options.marker,
      options.body,
      (commented) =>
        shouldComment(options.mode, options.results, options.comparison, { commented }),
    );
    if (done) core.info(`${done.action} the comment on pull request #${pr}: ${done.url}`);
    return done ? { url: done.url } : {};
  } catch (error) {
    const status = error instanceof GitHubApiError ? error.status : 0;
    const why =
      status === 403 || status === 404
        ? `HTTP ${status}: the token may not write to it, as on a pull request from a fork`
        : (error as Error).message;
    const text = `Could not comment on pull request #${pr} (${why}); the summary is here instead.`;
    core.warning(text);
    return { text };
  }
}
