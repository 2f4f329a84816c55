import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results, TestResult } from '../../src/results/model.js';
import { writeResultsFile } from '../helpers/results.js';
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
