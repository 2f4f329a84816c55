import { describe, expect, it } from 'vitest';
import { withPayload } from '../../src/results/analyse.js';
import type { Results } from '../../src/results/model.js';

const component = (name: string): Results['components'][number] => ({
  name,
  repo: `https://github.com/tektoncd/${name}`,
  ref: 'refs/heads/main',
  commit: 'a'.repeat(40),
});

describe("the operator's payload next to the built commits", () => {
  it('gives each component the version the deployment record names for it', () => {
    expect(
      withPayload([component('pipeline'), component('triggers'), component('chains')], {
        pipeline: 'v1.6.6',
        triggers: 'v0.34.0',
        results: 'v0.17.2',
      }),
    ).toEqual([
      { ...component('pipeline'), payload: 'v1.6.6' },
      { ...component('triggers'), payload: 'v0.34.0' },
      component('chains'),
    ]);
  });

  it('keeps the components as they are without a payload, and reads no inherited key', () => {
    const existing = { ...component('pipeline'), payload: 'v1.6.5' };
    expect(withPayload([existing], undefined)).toEqual([existing]);
    expect(withPayload([component('constructor')], {})).toEqual([component('constructor')]);
  });
});
