import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanSchema } from '../../src/plan/index.js';
import { runBundle } from '../helpers/cli.js';
import { createUpstreamFixture, tempDir, type Upstream } from '../helpers/upstreams.js';

let root: string;
let pipeline: Upstream;
let triggers: Upstream;
let config: string;

beforeAll(() => {
  ({ root, pipeline, triggers, config } = createUpstreamFixture(tempDir('cli')));
});

const streamstress = (...args: string[]) => runBundle('cli', args, { HOME: root });

describe('the streamstress bundle', () => {
  it('prints the resolved plan for the README example', async () => {
    const run = await streamstress(
      'run',
      '--dry-run',
      '--json',
      '--components',
      'pipeline:v0.62.0,triggers:pr/123',
      '--config',
      config,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = PlanSchema.parse(JSON.parse(run.stdout));
    expect(plan.components.map((c) => c.commit)).toEqual([
      pipeline.commits['main-2'],
      triggers.commits['pr-123'],
    ]);
  });

  it.each([
    [
      'an unknown component',
      'tekton',
      'unknown component "tekton"; known components: pipeline, triggers',
    ],
    ['the same component twice', 'pipeline,pipeline:v0.62.0', 'pipeline is given more than once'],
    ['an empty ref', 'pipeline:', 'pipeline: the ref is empty'],
    ['an option-like ref', 'pipeline:-x', 'which git would read as an option'],
    ['a range', 'pipeline:a..b', 'which git reads as a range'],
    ['reflog syntax', 'pipeline:main@{yesterday}', 'which git reads as reflog syntax'],
    ['a control character', 'pipeline:a\u0001b', 'contains a control character'],
    ['a shell metacharacter', 'pipeline:main&&id', 'contains "&"'],
    [
      'a ref missing upstream',
      'triggers:v9.9.9',
      `triggers: branch or tag "v9.9.9" does not exist in ${'file://'}`,
    ],
  ])('exits 2 on %s, saying what is wrong', async (_what, components, message) => {
    const run = await streamstress(
      'run',
      '--dry-run',
      '--components',
      components,
      '--config',
      config,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('exits 2 on a usage mistake, and 0 for help', async () => {
    const missing = await streamstress('run', '--dry-run');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--components <specs>' not specified");
    const unknown = await streamstress('frobnicate');
    expect(unknown.code).toBe(2);
    const help = await streamstress('--help');
    expect(help.code).toBe(0);
    for (const command of [
      'check',
      'build',
      'deploy',
      'test',
      'run',
      'results',
      'status',
      'logs',
      'publish',
    ])
      expect(help.stdout).toContain(`  ${command}`);
    expect(help.stdout).toContain('--no-auto-setup');
  });

  it.each(['status', 'logs'])('%s says it is not built yet and exits 2', async (command) => {
    const run = await streamstress(command);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stage is not built yet in this version of streamstress/);
  });

  it.each([
    [['--skip-build'], '--skip-build needs --images FILE.'],
    [['--images', 'images.json'], '--images needs --skip-build.'],
    [['--json'], '--json goes with --dry-run.'],
    [['--deploy-timeout', 'soon'], '--deploy-timeout'],
    [['--registry', 'not a registry'], '--registry "not a registry" is not host/namespace.'],
    [['--strategy', 'sideways'], 'sideways'],
    [['--components', 'nosuch'], 'nosuch'],
    [['--skip-build', '--images', 'absent.json'], 'absent.json'],
  ])(
    'run %j is refused before the cluster or the output directory is touched',
    async (extra, message) => {
      const out = join(root, 'run-refused');
      const run = await streamstress(
        '--kubeconfig',
        join(root, 'absent-kubeconfig'),
        'run',
        '--components',
        'pipeline',
        '--output-dir',
        out,
        ...extra,
      );
      expect(run.stderr).toContain(message);
      expect(run.code).toBe(2);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('names a components file that does not exist', async () => {
    const run = await streamstress(
      'run',
      '--dry-run',
      '--components',
      'pipeline',
      '--config',
      join(root, 'absent.toml'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `Cannot read the components file ${join(root, 'absent.toml')}: ENOENT`,
    );
  });
});
