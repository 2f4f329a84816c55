import { describe, expect, it } from 'vitest';
import { parseComponents } from '../../src/config/components.js';
import { StreamstressError } from '../../src/errors.js';
import { classifyRef, refProblem } from '../../src/plan/refs.js';
import { parseComponentSpecs } from '../../src/plan/spec.js';

const registry = parseComponents(
  `schema-version = 1
${['pipeline', 'triggers', 'chains', 'results']
  .map(
    (name) => `[components.${name}]
repo = "https://example.test/${name}"
build = "ko"
installer-sets = { recycle = ["a=b"] }
images = [{ import-path = "./cmd/controller", env = "IMAGE_${name.toUpperCase()}_CONTROLLER", container = "controller" }]
`,
  )
  .join('\n')}`,
  'test.toml',
);

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('component specs', () => {
  it('reads every form the seed shows', () => {
    expect(
      parseComponentSpecs(`pipeline:v0.62.0,triggers:pr/123 chains:${SHA}\nresults:main`, registry),
    ).toEqual([
      { name: 'pipeline', ref: 'v0.62.0' },
      { name: 'triggers', ref: 'pr/123' },
      { name: 'chains', ref: SHA },
      { name: 'results', ref: 'main' },
    ]);
  });

  it('takes commas, spaces, tabs and newlines alike, as a multi-line action input gives them', () => {
    expect(parseComponentSpecs('\n  pipeline ,\ttriggers\n\n', registry)).toEqual([
      { name: 'pipeline' },
      { name: 'triggers' },
    ]);
  });

  function refusal(text: string): StreamstressError {
    try {
      parseComponentSpecs(text, registry);
    } catch (error) {
      expect(error).toBeInstanceOf(StreamstressError);
      expect((error as StreamstressError).exitCode).toBe(2);
      return error as StreamstressError;
    }
    throw new Error(`"${text}" was accepted`);
  }

  it.each([
    [
      'an unknown component, listing the known ones',
      'pipelines',
      /unknown component "pipelines"; known components: pipeline, triggers, chains, results/,
    ],
    ['a component twice', 'pipeline:main,pipeline:v1', /pipeline is given more than once/],
    ['an empty ref', 'pipeline:', /pipeline: the ref is empty/],
    [
      'a ref git would read as an option',
      'pipeline:--upload-pack=x',
      /starts with "-", which git would read as an option/,
    ],
    ['a range', 'pipeline:main..evil', /contains "\.\.", which git reads as a range/],
    ['reflog syntax', 'pipeline:main@{1}', /contains "@\{"/],
    [
      'a control character',
      'pipeline:ma\u0007in',
      /pipeline: "ma\\u0007in" contains a control character/,
    ],
    ['an escape sequence', 'pipeline:\u001b[31mred', /contains a control character/],
    ['a shell metacharacter', 'pipeline:main;reboot', /contains ";"/],
    ['command substitution', 'pipeline:$(id)', /contains "\$"/],
    ['a backtick', 'pipeline:`id`', /contains "`"/],
    ['a pipe', 'pipeline:a|b', /contains "\|"/],
    ['a second colon', 'pipeline:a:b', /contains ":"/],
    [
      'a pull request that is not a number',
      'triggers:pr/abc',
      /is not a pull request: write pr\/<number>/,
    ],
    ['a lock file name', 'pipeline:main.lock', /is not a valid git ref name/],
    ['an empty path segment', 'pipeline:feature//x', /has an empty path segment/],
  ])('refuses %s', (_what, text, expected) => {
    const error = refusal(text);
    expect(error.problems.join('\n')).toMatch(expected);
  });

  it('refuses a ref holding a space inside one item', () => {
    // Spaces separate items, so the only way a space reaches a ref is through the API.
    expect(refProblem('main branch')).toMatch(/contains a space/);
  });

  it('refuses an empty list, naming the components to choose from', () => {
    const error = refusal(' , \n');
    expect(error.message).toBe('No component was given.');
    expect(error.hint).toContain('pipeline, triggers, chains, results');
  });

  it('reports every bad item at once', () => {
    expect(refusal('nope,pipeline:,triggers:a;b').problems).toHaveLength(3);
  });
});

describe('ref classification', () => {
  it.each([
    [undefined, { kind: 'default-branch' }],
    ['HEAD', { kind: 'default-branch' }],
    [SHA.toUpperCase(), { kind: 'commit', sha: SHA }],
    ['pr/123', { kind: 'pull-request', number: 123, ref: 'refs/pull/123/head' }],
    ['refs/heads/main', { kind: 'full-ref', ref: 'refs/heads/main' }],
    ['v0.62.0', { kind: 'name', name: 'v0.62.0' }],
    ['abc1234', { kind: 'name', name: 'abc1234' }],
  ])('%s → %o', (ref, expected) => {
    expect(classifyRef(ref)).toEqual(expected);
  });
});
