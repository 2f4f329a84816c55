import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanSchema, type Plan } from '../../src/plan/index.js';
import { cli } from '../helpers/cli.js';
import {
  createUpstreamFixture,
  tempDir,
  writeComponentsFile,
  type Upstream,
} from '../helpers/upstreams.js';

let root: string;
let pipeline: Upstream;
let triggers: Upstream;
let config: string;

beforeAll(() => {
  ({ root, pipeline, triggers, config } = createUpstreamFixture(tempDir('plan')));
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

async function plan(components: string, ...extra: string[]): Promise<Plan> {
  const run = await cli(
    '--config',
    config,
    'run',
    '--dry-run',
    '--json',
    '--components',
    components,
    '--cache-dir',
    join(root, 'cache'),
    ...extra,
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return PlanSchema.parse(JSON.parse(run.stdout));
}

describe('run --dry-run resolves every ref form against real git remotes', () => {
  it('an annotated tag, peeled to its commit, and a pull request', async () => {
    const result = await plan('pipeline:v0.62.0,triggers:pr/123');
    expect(result.components).toMatchObject([
      {
        name: 'pipeline',
        repo: pipeline.url,
        requested: 'v0.62.0',
        ref: 'refs/tags/v0.62.0',
        refKind: 'tag',
        commit: pipeline.commits['main-2'],
      },
      {
        name: 'triggers',
        repo: triggers.url,
        requested: 'pr/123',
        ref: 'refs/pull/123/head',
        refKind: 'pull-request',
        commit: triggers.commits['pr-123'],
      },
    ]);
    expect(result.components[0]?.commit).not.toBe(pipeline.annotatedTagObject);
    expect(result.components[0]?.images.map((i) => i.env)).toEqual([
      'IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER',
      'IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE',
    ]);
  });

  it('the default branch through HEAD, and a branch by name', async () => {
    const result = await plan('pipeline triggers:release-v1');
    expect(result.components).toMatchObject([
      {
        name: 'pipeline',
        requested: 'HEAD',
        ref: 'refs/heads/main',
        refKind: 'branch',
        commit: pipeline.commits['main-4'],
      },
      {
        name: 'triggers',
        requested: 'release-v1',
        ref: 'refs/heads/release-v1',
        refKind: 'branch',
        commit: triggers.commits['release'],
      },
    ]);
  });

  it('a lightweight tag, a full ref and a full SHA', async () => {
    const sha = triggers.commits['main-1'] ?? '';
    const result = await plan(`pipeline:light,triggers:${sha}`);
    expect(result.components).toMatchObject([
      { ref: 'refs/tags/light', refKind: 'tag', commit: pipeline.commits['main-3'] },
      { ref: sha, refKind: 'commit', commit: sha },
    ]);
    const full = await plan('pipeline:refs/heads/release-v1');
    expect(full.components[0]).toMatchObject({
      ref: 'refs/heads/release-v1',
      refKind: 'branch',
      commit: pipeline.commits['release'],
    });
  });

  it('--as-of takes the last commit before that day, from a shallow cached fetch', async () => {
    const result = await plan('pipeline,triggers:release-v1', '--as-of', '2026-11-01');
    expect(result.asOf).toBe('2026-11-01');
    // main-3 was committed at 12:00 on 11-01, after the day began: main-2 is the answer.
    expect(result.components).toMatchObject([
      {
        name: 'pipeline',
        ref: 'refs/heads/main',
        asOf: '2026-11-01',
        commit: pipeline.commits['main-2'],
      },
      {
        name: 'triggers',
        ref: 'refs/heads/release-v1',
        asOf: '2026-11-01',
        commit: triggers.commits['release'],
      },
    ]);
    // The history is shallow, and holds the chosen commit for the build stage to use.
    const caches = readdirSync(join(root, 'cache', 'git'));
    expect(caches).toHaveLength(2);
    const pipelineCache = join(
      root,
      'cache',
      'git',
      caches.find((c) => c.includes('-pipeline-')) ?? '',
    );
    expect(git(pipelineCache, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git(pipelineCache, 'cat-file', '-t', pipeline.commits['main-2'] ?? '')).toBe('commit');
    expect(() => git(pipelineCache, 'cat-file', '-t', pipeline.commits['main-0'] ?? '')).toThrow();
    const later = await plan('pipeline', '--as-of', '2026-11-02');
    expect(later.components[0]?.commit).toBe(pipeline.commits['main-3']);
  });

  it('prints a table without --json', async () => {
    const run = await cli(
      '--config',
      config,
      'run',
      '--dry-run',
      '--components',
      'pipeline:v0.62.0',
    );
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^COMPONENT\s+REF\s+COMMIT\s+IMAGES\s+REPO$/);
    expect(row).toContain(`refs/tags/v0.62.0  ${pipeline.commits['main-2']?.slice(0, 12)}  2`);
  });
});

describe('refs that cannot be planned exit 2 with a message naming component and ref', () => {
  async function refused(components: string, ...extra: string[]): Promise<string> {
    const run = await cli(
      '--config',
      config,
      'run',
      '--dry-run',
      '--components',
      components,
      '--cache-dir',
      join(root, 'cache'),
      ...extra,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    return run.stderr;
  }

  it('a branch or tag that does not exist', async () => {
    expect(await refused('pipeline:no-such-branch')).toContain(
      `pipeline: branch or tag "no-such-branch" does not exist in ${pipeline.url}`,
    );
  });

  it('a pull request that does not exist', async () => {
    expect(await refused('triggers:pr/999')).toContain(
      `triggers: pull request #999 (refs/pull/999/head) does not exist in ${triggers.url}`,
    );
  });

  it('an abbreviated SHA, saying to give the full one', async () => {
    expect(await refused(`pipeline:${pipeline.commits['main-1']?.slice(0, 7)}`)).toContain(
      'give the full 40-character SHA',
    );
  });

  it('a name that is both a branch and a tag', async () => {
    expect(await refused('pipeline:twin')).toMatch(
      /"twin" is both a branch and a tag[\s\S]*pipeline:refs\/heads\/twin or pipeline:refs\/tags\/twin/,
    );
  });

  it('a repository that does not exist, with every failing component listed', async () => {
    const broken = writeComponentsFile(
      root,
      { pipeline: `${pipeline.url}-missing`, triggers: `${triggers.url}-missing` },
      'broken.toml',
    );
    const run = await cli(
      '--config',
      broken,
      'run',
      '--dry-run',
      '--components',
      'pipeline,triggers',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /2 components could not be resolved:\n {2}- pipeline: git could not list the refs of file:.*does not appear to be a git repository[\s\S]*- triggers: /,
    );
  });

  it('--as-of with a tag, and a date that does not exist', async () => {
    expect(await refused('pipeline:v0.62.0', '--as-of', '2026-11-01')).toContain(
      'pipeline: --as-of picks a commit on a branch, but v0.62.0 is a tag',
    );
    expect(await refused('pipeline', '--as-of', '2026-02-30')).toContain(
      '--as-of "2026-02-30" is not a date',
    );
  });

  it('--as-of before the first commit', async () => {
    expect(await refused('pipeline', '--as-of', '2025-01-01')).toContain(
      `pipeline: refs/heads/main of ${pipeline.url} has no commit before 2025-01-01`,
    );
  });
});
