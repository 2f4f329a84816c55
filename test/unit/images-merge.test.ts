import { describe, expect, it } from 'vitest';
import { mergeImages } from '../../src/build/images.js';
import { loadComponents } from '../../src/config/components.js';
import { StreamstressError } from '../../src/errors.js';
import { builtImages } from '../helpers/images.js';

describe('merging the images of a build matrix', () => {
  it('puts each job’s components into one images.json', async () => {
    const registry = await loadComponents();
    const merged = mergeImages([
      { source: 'artifact images-pipeline', images: builtImages(registry, 'a', ['pipeline']) },
      { source: 'artifact images-triggers', images: builtImages(registry, 'b', ['triggers']) },
    ]);
    expect(merged.components.map((c) => c.name)).toEqual(['pipeline', 'triggers']);
    expect(merged.registry).toEqual(builtImages(registry, 'a', ['pipeline']).registry);
  });

  it('refuses an IMAGE_* variable claimed twice, naming both sources', async () => {
    const registry = await loadComponents();
    const triggers = builtImages(registry, 'a', ['triggers']);
    const renamed = {
      ...triggers,
      components: triggers.components.map((c) => ({ ...c, name: 'triggers-fork' })),
    };
    let error: unknown;
    try {
      mergeImages([
        { source: 'artifact one', images: triggers },
        { source: 'artifact two', images: renamed },
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StreamstressError);
    const problems = (error as StreamstressError).problems;
    expect(problems).toContain(
      'IMAGE_TRIGGERS_WEBHOOK is claimed by both triggers in artifact one and triggers-fork in artifact two',
    );
    expect((error as StreamstressError).exitCode).toBe(2);
  });

  it('refuses the same component twice and images pushed to different registries', async () => {
    const registry = await loadComponents();
    const one = builtImages(registry, 'a', ['chains']);
    const other = {
      ...builtImages(registry, 'b', ['chains']),
      registry: { ...one.registry, namespace: 'elsewhere' },
    };
    let problems: readonly string[] = [];
    try {
      mergeImages([
        { source: 'artifact one', images: one },
        { source: 'artifact two', images: other },
      ]);
    } catch (error) {
      problems = (error as StreamstressError).problems;
    }
    expect(problems[0]).toMatch(
      /^artifact two pushed to .*\/elsewhere, artifact one to .*\/tekton-upstream$/,
    );
    expect(problems[1]).toBe('component chains is in both artifact one and artifact two');
    expect(problems.length).toBeGreaterThan(2);
    for (const problem of problems.slice(2))
      expect(problem).toMatch(
        /^IMAGE_CHAINS_\w+ is claimed by both chains in artifact one and chains in artifact two$/,
      );
  });
});
