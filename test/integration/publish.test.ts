import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results, TestResult } from '../../src/results/model.js';
import { resultsOf, writeResultsFile } from '../helpers/results.js';
import { startGitHubApi } from '../helpers/github-api.js';
import { commentMarker } from '../../src/publish/comment.js';
import { SiteIndexSchema, TestHistorySchema } from '../../src/publish/site.js';
import { runBundle } from '../helpers/cli.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { tempDir } from '../helpers/upstreams.js';

let root: string;

beforeAll(() => {
  root = tempDir('publish');
});

const resultsFile = (id: string, day: number, outcomes: Record<string, TestResult['status']>) =>
  writeResultsFile(root, id, day, outcomes);

/** A bare repository that refuses any non-fast-forward update, as a guard against force pushes. */
function bareRepo(name: string): string {
  const dir = join(root, `${name}.git`);
  execFileSync('git', ['init', '--quiet', '--bare', dir]);
  execFileSync('git', ['-C', dir, 'config', 'receive.denyNonFastForwards', 'true']);
  return dir;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

function siteFile(repo: string, path: string): string {
  return git(repo, 'show', `gh-pages:${path}`);
}

const publish = (...args: string[]) => runBundle('cli', ['publish', ...args], { HOME: root });

describe('streamstress publish into a git repository', () => {
  it(
    'starts gh-pages as an orphan branch and adds three runs, newest first, with their history',
    { timeout: 60_000 },
    async () => {
      const repo = bareRepo('three');
      const files = [
        resultsFile('101', 1, { a: 'passed', b: 'passed', c: 'failed' }),
        resultsFile('102', 2, { a: 'passed', b: 'failed', c: 'failed' }),
        resultsFile('103', 3, { a: 'passed', b: 'passed', c: 'failed', d: 'skipped' }),
      ];
      for (const file of files) {
        const run = await publish('--results', file, '--repo', repo);
        expect(run.stderr).not.toContain('error');
        expect(run.code).toBe(0);
      }
      expect(git(repo, 'rev-list', '--count', 'gh-pages')).toBe('3');
      expect(git(repo, 'rev-list', '--max-parents=0', 'gh-pages').split('\n')).toHaveLength(1);
      const index = SiteIndexSchema.parse(JSON.parse(siteFile(repo, 'data/index.json')));
      expect(index.runs.map((r) => [r.id, r.summary.failed, r.pruned])).toEqual([
        ['103', 1, false],
        ['102', 2, false],
        ['101', 1, false],
      ]);
      expect(index.runs[0]?.trigger?.url).toBe('https://github.com/org/repo/actions/runs/103');
      const history = TestHistorySchema.parse(JSON.parse(siteFile(repo, 'data/tests.json')));
      expect(history.runs).toEqual(['101', '102', '103']);
      expect(Object.fromEntries(history.tests.map((t) => [t.scenario, t.history]))).toEqual({
        a: 'PPP',
        b: 'PFP',
        c: 'FFF',
        d: '--S',
      });
      expect(siteFile(repo, 'index.html')).toContain('http-equiv="Content-Security-Policy"');
      expect(git(repo, 'ls-tree', '--name-only', 'gh-pages:data/runs').split('\n')).toEqual([
        '101.json',
        '102.json',
        '103.json',
      ]);

      const again = await publish('--results', files[2] ?? '', '--repo', repo);
      expect(again.stdout).toContain('Already published: run 103');
      expect(git(repo, 'rev-list', '--count', 'gh-pages')).toBe('3');
    },
  );

  it(
    'loses no run when eight publish at once, and never force-pushes',
    { timeout: 120_000 },
    async () => {
      const repo = bareRepo('concurrent');
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          publish(
            '--results',
            resultsFile(`20${i}`, 10 + i, { a: 'passed', b: i % 2 ? 'failed' : 'passed' }),
            '--repo',
            repo,
          ),
        ),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      // The branch moved on under some of them, and they re-applied their run onto the new tip.
      expect(runs.some((r) => r.stderr.includes('moved on while publishing'))).toBe(true);
      const index = SiteIndexSchema.parse(JSON.parse(siteFile(repo, 'data/index.json')));
      expect(index.runs.map((r) => r.id).sort()).toEqual([
        '200',
        '201',
        '202',
        '203',
        '204',
        '205',
        '206',
        '207',
      ]);
      // One commit per run on a single line of history: nothing was overwritten.
      expect(git(repo, 'rev-list', '--count', 'gh-pages')).toBe('8');
      expect(git(repo, 'ls-tree', '--name-only', 'gh-pages:data/runs').split('\n')).toHaveLength(8);
    },
  );

  it(
    'keeps the newest runs in full and only the summary of older ones',
    { timeout: 60_000 },
    async () => {
      const repo = bareRepo('retention');
      for (const [id, day] of [
        ['301', 1],
        ['302', 2],
        ['303', 3],
      ] as const) {
        const run = await publish(
          '--results',
          resultsFile(id, day, { a: 'passed' }),
          '--repo',
          repo,
          '--retention',
          '2',
        );
        expect(run.code).toBe(0);
      }
      const index = SiteIndexSchema.parse(JSON.parse(siteFile(repo, 'data/index.json')));
      expect(index.runs.map((r) => [r.id, r.pruned])).toEqual([
        ['303', false],
        ['302', false],
        ['301', true],
      ]);
      expect(git(repo, 'ls-tree', '--name-only', 'gh-pages:data/runs').split('\n')).toEqual([
        '302.json',
        '303.json',
      ]);
      expect(TestHistorySchema.parse(JSON.parse(siteFile(repo, 'data/tests.json'))).runs).toEqual([
        '302',
        '303',
      ]);
    },
  );

  it('writes the site into a folder with --out', async () => {
    const out = join(root, 'site');
    const run = await publish('--results', resultsFile('401', 1, { a: 'passed' }), '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Wrote the site with 1 runs to ${out}\n`);
    expect(readdirSync(join(out, 'data', 'runs'))).toEqual(['401.json']);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it.each([
    [['--results', 'x.json'], 'publish needs --repo or --out.'],
    [['--results', 'x.json', '--repo', 'r', '--out', 'o'], 'Give --repo or --out, not both.'],
    [
      ['--results', '/nonexistent/results.json', '--out', 'o'],
      'Cannot read the results file /nonexistent/results.json',
    ],
    [
      ['--results', 'x.json', '--repo=-oops'],
      'The repository "-oops" starts with "-", which git would read as an option.',
    ],
    [
      ['--results', 'x.json', '--out', 'o', '--retention', 'all'],
      '--retention is "all"; it must be a whole number above 0.',
    ],
  ])('exits 2 on %j', async (args, message) => {
    const run = await publish(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('refuses a run id that cannot name a file, writing nothing', async () => {
    const file = resultsFile('bad-id', 1, { a: 'passed' });
    const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
    writeFileSync(file, JSON.stringify({ ...results, run: { ...results.run, id: '../../etc' } }));
    const out = join(root, 'bad-site');
    const run = await publish('--results', file, '--out', out);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('The run id "../../etc" cannot name a file on the site.');
    expect(existsSync(out)).toBe(false);
  });
});

describe('publish-dashboard, as the Actions runner runs it', () => {
  it('publishes the run, masks the token and sets its outputs', { timeout: 60_000 }, async () => {
    const repo = bareRepo('action');
    const token = 'ghs_publishtoken0123456789';
    const step = runnerEnv({
      'results-file': resultsFile('501', 5, { a: 'passed', b: 'failed' }),
      repository: repo,
      label: 'nightly main',
      'dashboard-url': 'https://org.github.io/streamstress/',
      'github-token': token,
    });
    const run = await runBundle('publish-dashboard', [], step.env);
    expect(run.stdout).not.toContain('::error');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(readOutputs(step.output)).toEqual({
      runs: '1',
      pushed: 'true',
      'dashboard-url': 'https://org.github.io/streamstress/',
      'run-url': 'https://org.github.io/streamstress/#run=501',
    });
    const index = SiteIndexSchema.parse(JSON.parse(siteFile(repo, 'data/index.json')));
    expect(index.runs[0]?.label).toBe('nightly main');
    expect(git(repo, 'log', '-p', 'gh-pages')).not.toContain(token);
  });

  it('refuses a retention that is not a whole number', async () => {
    const step = runnerEnv({ retention: 'forever' });
    const run = await runBundle('publish-dashboard', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error::retention is "forever"; it must be a whole number above 0.',
    );
  });
});

describe('publish-dashboard comments on the pull request', () => {
  const token = 'ghs_commenttoken0123456789';
  let api: Awaited<ReturnType<typeof startGitHubApi>>;
  beforeAll(async () => {
    api = await startGitHubApi({ token, perPage: 2 });
  });
  afterAll(() => api?.stop());

  /** A results file of a run for pull request `pr` (none: a nightly run of the base branch). */
  function runFile(
    id: string,
    day: number,
    outcomes: Record<string, TestResult['status']>,
    pr?: number,
  ) {
    const results = resultsOf(id, `2026-11-${String(day).padStart(2, '0')}T02:00:00Z`, outcomes);
    if (pr !== undefined) results.run.trigger = { event: 'pull_request', pr };
    const file = join(root, `${id}.json`);
    writeFileSync(file, JSON.stringify(results));
    return file;
  }

  async function publishStep(repo: string, file: string, inputs: Record<string, string> = {}) {
    const step = runnerEnv({
      'results-file': file,
      repository: repo,
      'dashboard-url': 'https://org.github.io/streamstress/',
      'github-token': token,
      comment: 'always',
      ...inputs,
    });
    const run = await runBundle('publish-dashboard', [], {
      ...step.env,
      GITHUB_API_URL: api.url,
      GITHUB_REPOSITORY: 'org/repo',
      GITHUB_WORKFLOW: 'streamstress-run',
    });
    expect(run.stdout).not.toContain('::error');
    expect(run.code).toBe(0);
    return {
      ...run,
      outputs: readOutputs(step.output),
      summary: readFileSync(step.summary, 'utf8'),
    };
  }

  it(
    'leaves one comment, compared with the base branch, and edits it on the next run',
    { timeout: 60_000 },
    async () => {
      const repo = bareRepo('comments');
      // Other people's comments come first; with two per page, ours is found on a later page.
      api.addComment(7, 'LGTM');
      // Someone pasting the hidden marker does not make their comment ours to edit.
      api.addComment(7, `quoting the bot: ${commentMarker('streamstress-run')}`);
      api.requests.length = 0;
      await publishStep(repo, runFile('base-1', 1, { a: 'passed', b: 'passed' }));
      expect(api.requests).toEqual([]);

      const first = await publishStep(repo, runFile('pr-1', 2, { a: 'passed', b: 'failed' }, 7));
      const ours = () => api.comments(7).filter((c) => c.user.login === 'github-actions[bot]');
      expect(ours()).toHaveLength(1);
      const body = ours()[0]?.body ?? '';
      expect(body).toContain('❌ 1 of 2 tests failed');
      expect(body).toContain('### Compared with run base-1');
      expect(body).toContain("Compared with the base branch's last published run, nightly");
      expect(body).toContain(
        '[this run on the dashboard](https://org.github.io/streamstress/#run=pr-1)',
      );
      expect(first.outputs['comment-url']).toMatch(
        /^https:\/\/github\.com\/org\/repo\/pull\/7#issuecomment-/,
      );
      expect(first.summary).toContain('❌ 1 of 2 tests failed');

      api.requests.length = 0;
      await publishStep(repo, runFile('pr-2', 3, { a: 'passed', b: 'passed' }, 7));
      expect(api.comments(7)).toHaveLength(3);
      expect(ours()[0]?.body).toContain('✅ 2 of 2 tests passed');
      expect(api.requests.filter((r) => !r.startsWith('GET'))).toEqual([
        `PATCH /repos/org/repo/issues/comments/${ours()[0]?.id}`,
      ]);
      expect(
        api
          .comments(7)
          .map((c) => c.body)
          .slice(0, 2),
      ).toEqual(['LGTM', `quoting the bot: ${commentMarker('streamstress-run')}`]);
    },
  );

  it.each([
    ['off', { a: 'failed' }, false],
    ['failures', { a: 'passed' }, false],
    ['failures', { a: 'failed' }, true],
    ['changes', { a: 'passed' }, false],
    ['changes', { a: 'failed' }, true],
  ] as const)(
    'mode %s with %o comments: %s',
    { timeout: 60_000 },
    async (mode, outcomes, comments) => {
      const repo = bareRepo(`mode-${mode}-${Object.values(outcomes).join()}`);
      const pr = 100 + api.requests.length;
      await publishStep(repo, runFile(`base-${mode}`, 1, { a: 'passed' }));
      api.requests.length = 0;
      await publishStep(repo, runFile(`pr-${mode}`, 2, outcomes, pr), { comment: mode });
      expect(api.comments(pr)).toHaveLength(comments ? 1 : 0);
      if (mode === 'off') expect(api.requests).toEqual([]);
    },
  );

  it(
    'falls back to the job summary where the token may not write (a fork), and says so',
    { timeout: 60_000 },
    async () => {
      api.setReadOnly(true);
      try {
        const run = await publishStep(bareRepo('fork'), runFile('pr-fork', 2, { a: 'failed' }, 8));
        expect(run.stdout).toContain(
          '::warning::Could not comment on pull request #8 (HTTP 403: the token may not write to it, as on a pull request from a fork); the summary is here instead.',
        );
        expect(run.summary).toContain('❌ 1 of 1 tests failed');
        expect(run.summary).toContain('the summary is here instead');
        expect(api.comments(8)).toEqual([]);
      } finally {
        api.setReadOnly(false);
      }
    },
  );

  it(
    'keeps a comment of thousands of failures within GitHub’s 65,536 characters',
    { timeout: 60_000 },
    async () => {
      const outcomes = Object.fromEntries(
        Array.from({ length: 3000 }, (_, i) => [
          `scenario ${i} ${'with a long name '.repeat(4)}`,
          'failed' as const,
        ]),
      );
      await publishStep(bareRepo('big'), runFile('pr-big', 2, outcomes, 9), { 'pr-number': '9' });
      const body = api.comments(9)[0]?.body ?? '';
      expect(body).toContain('## ❌ 3000 of 3000 tests failed');
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(body).toContain(
        '3000 failing tests do not fit here; see [the full results](https://org.github.io/streamstress/#run=pr-big).',
      );
    },
  );

  it('refuses an unknown comment mode before publishing', async () => {
    const step = runnerEnv({ comment: 'sometimes' });
    const run = await runBundle('publish-dashboard', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error::comment is "sometimes"; it must be one of always, changes, failures, off.',
    );
  });
});
