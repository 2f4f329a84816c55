import * as core from '@actions/core';
import { Git } from '../adapters/git.js';
import { parsePositiveInteger } from '../input.js';
import { DEFAULT_RETENTION, publishToBranch } from '../publish/publish.js';
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

/** publish-dashboard: add the run to the site branch, output where it can be seen. */
export async function publishDashboardAction(): Promise<void> {
  const token = optionalInput('github-token');
  if (token) core.setSecret(token);
  const retention = parsePositiveInteger(
    'retention',
    core.getInput('retention') || String(DEFAULT_RETENTION),
  );
  const branch = core.getInput('branch') || 'gh-pages';
  const label = optionalInput('label');
  const github = gitHubRepository(token);
  const repo = optionalInput('repository') ?? github.url;
  const result = await publishToBranch({
    git: new Git({ env: github.env }),
    resultsFile: core.getInput('results-file') || 'test-output/results/results.json',
    ...(label ? { label } : {}),
    retention,
    repo,
    branch,
    onProgress: (message) => core.info(message),
  });
  const dashboard = optionalInput('dashboard-url') ?? github.pagesUrl;
  core.setOutput('runs', String(result.index.runs.length));
  core.setOutput('pushed', String(result.pushed));
  core.setOutput('dashboard-url', dashboard ?? '');
  core.setOutput(
    'run-url',
    dashboard ? `${dashboard}#run=${encodeURIComponent(result.runId)}` : '',
  );
}
