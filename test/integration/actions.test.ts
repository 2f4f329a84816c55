import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanSchema } from '../../src/plan/index.js';
import { runBundle } from '../helpers/cli.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { createUpstreamFixture, tempDir, type Upstream } from '../helpers/upstreams.js';

let root: string;
let pipeline: Upstream;
let triggers: Upstream;
let config: string;

beforeAll(() => {
  // "&" in the path reaches the summary through the repo URL: it must arrive escaped.
  root = join(tempDir('action'), 'up&stream');
  mkdirSync(root);
  ({ pipeline, triggers, config } = createUpstreamFixture(root));
});

describe('build-components, run as the Actions runner runs it', () => {
  it('with dry-run: true, outputs the plan and writes a job summary table', async () => {
    const step = runnerEnv({
      components: 'pipeline:v0.62.0\ntriggers:pr/123',
      'components-file': config,
      'dry-run': 'true',
    });
    const run = await runBundle('build-components', [], step.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = PlanSchema.parse(JSON.parse(readOutputs(step.output).plan ?? ''));
    expect(plan.components.map((c) => [c.name, c.ref, c.commit])).toEqual([
      ['pipeline', 'refs/tags/v0.62.0', pipeline.commits['main-2']],
      ['triggers', 'refs/pull/123/head', triggers.commits['pr-123']],
    ]);
    const summary = readFileSync(step.summary, 'utf8');
    expect(summary).toContain('<h2>streamstress plan (dry run)</h2>');
    expect(summary).toContain('<th>component</th>');
    expect(summary).toContain(`<td>${pipeline.commits['main-2']?.slice(0, 12)}</td>`);
    expect(summary).toContain('up&amp;stream');
    expect(summary).not.toMatch(/up&stream/);
    expect(run.stdout).toContain(
      `Planned pipeline@${pipeline.commits['main-2']?.slice(0, 12)}, triggers@`,
    );
  });

  it('fails with exit 2 and an error annotation on a bad component list, writing no plan', async () => {
    const step = runnerEnv({
      components: 'pipeline:$(id),nope',
      'components-file': config,
      'dry-run': 'true',
    });
    const run = await runBundle('build-components', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      /::error::The component list is invalid \(2 problems\):.*pipeline: "\$\(id\)" contains "\$"/,
    );
    expect(run.stdout).toContain('unknown component "nope"');
    expect(readFileSync(step.output, 'utf8')).toBe('');
  });

  it('names an input that is not a boolean', async () => {
    const step = runnerEnv({ components: 'pipeline', 'components-file': config, 'dry-run': 'yes' });
    const run = await runBundle('build-components', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('::error::Input dry-run is "yes"; it must be true or false.');
  });

  it('without dry-run and without a registry, outputs the plan, then says where to push is missing', async () => {
    const step = runnerEnv({ components: 'pipeline', 'components-file': config });
    const run = await runBundle('build-components', [], step.env);
    expect(run.code).toBe(2);
    expect(readOutputs(step.output).plan).toContain(pipeline.commits['main-4']);
    expect(run.stdout).toContain('::error::Input registry is empty: there is nowhere to push.');
  });
});
