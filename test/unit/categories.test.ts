import { describe, expect, it } from 'vitest';
import { StreamstressError } from '../../src/errors.js';
import {
  applyCategories,
  categorise,
  loadCategories,
  parseCategories,
} from '../../src/results/categories.js';
import type { TestResult } from '../../src/results/model.js';

function failing(scenario: string, message = '', spec = 'Spec'): TestResult {
  return { id: `${spec}::${scenario}`, spec, scenario, status: 'failed', message };
}

describe("the default categories (the seed's five, as data)", async () => {
  const rules = await loadCategories();
  const none = new Set<string>();

  it('are ordered with upstream regression last', () => {
    expect(rules.map((r) => r.id)).toEqual([
      'missing-optional-component',
      'upgrade-prerequisite',
      'platform-issue',
      'configuration-gap',
      'upstream-regression',
    ]);
  });

  it.each([
    ['Verify chains signing', '', 'missing-optional-component'],
    ['Create a knative service', '', 'missing-optional-component'],
    ['Approve an ApprovalTask', '', 'missing-optional-component'],
    ['Upgrade the operator', 'namespace openshift-pipelines not found', 'upgrade-prerequisite'],
    ['Build an image', 'newuidmap: write to uid_map failed', 'platform-issue'],
    ['Build with buildah', 'cannot create user namespace', 'platform-issue'],
    ['Clone a private repo', 'secret "git-auth" not found', 'configuration-gap'],
    ['Push an image', 'auth: no credential for quay.io', 'configuration-gap'],
    ['Run a pipeline', 'expected Succeeded, got Failed', 'upstream-regression'],
  ])('%s / %s → %s', (scenario, message, category) => {
    expect(categorise(failing(scenario, message), rules, none)).toBe(category);
  });

  it('does not call a chains test "missing" in a run that deployed chains', () => {
    expect(
      categorise(
        failing('Verify chains signing', 'signature mismatch'),
        rules,
        new Set(['chains']),
      ),
    ).toBe('upstream-regression');
  });

  it('leaves passing and skipped tests uncategorised, and counts the others in rule order', () => {
    const tests: TestResult[] = [
      failing('Run a pipeline'),
      { ...failing('Verify chains'), status: 'errored' },
      { ...failing('x'), status: 'passed' },
      { ...failing('y'), status: 'skipped' },
    ];
    const { tests: categorised, categories } = applyCategories(tests, rules, none);
    expect(categorised.map((t) => t.category)).toEqual([
      'upstream-regression',
      'missing-optional-component',
      undefined,
      undefined,
    ]);
    expect(categories.map((c) => c.count)).toEqual([1, 0, 0, 0, 1]);
  });
});

describe('a categories file of your own', () => {
  const header = 'schema-version = 1\n';

  function problems(text: string): string[] {
    try {
      parseCategories(text, 'mine.toml');
    } catch (error) {
      expect(error).toBeInstanceOf(StreamstressError);
      expect((error as StreamstressError).exitCode).toBe(2);
      expect((error as StreamstressError).message).toContain('mine.toml');
      return [...(error as StreamstressError).problems];
    }
    throw new Error('accepted');
  }

  it('matches on each field, with every pattern of a list required', () => {
    const rules = parseCategories(
      `${header}[[rules]]\nid = "timeouts"\nname = "Timeouts"\ndescription = "d"\nwhen = [{ message = ["timed out", "runner"], spec = "^Pipe" }]\n`,
      'mine.toml',
    );
    expect(
      categorise(failing('s', 'runner connection timed out', 'Pipelines'), rules, new Set()),
    ).toBe('timeouts');
    expect(categorise(failing('s', 'timed out', 'Pipelines'), rules, new Set())).toBeUndefined();
  });

  it('names the rule with an invalid regular expression', () => {
    expect(
      problems(
        `${header}[[rules]]\nid = "broken"\nname = "B"\ndescription = "d"\nwhen = [{ message = "(unclosed" }]\n`,
      )[0],
    ).toMatch(/^rule "broken" when\[0\]\.message: invalid regular expression \/\(unclosed\/: /);
  });

  it('names the rule with an unknown field', () => {
    expect(
      problems(`${header}[[rules]]\nid = "typo"\nname = "T"\ndescription = "d"\nwehn = []\n`),
    ).toEqual(['rule "typo": unknown field wehn']);
    expect(
      problems(
        `${header}[[rules]]\nid = "typo"\nname = "T"\ndescription = "d"\nwhen = [{ mesage = "x" }]\n`,
      ),
    ).toEqual(['rule "typo" when.0: unknown field mesage']);
  });

  it('names missing fields, unknown statuses and repeated ids', () => {
    expect(problems(`${header}[[rules]]\nid = "a"\nname = "A"\n`)).toEqual([
      'rule "a" description: required',
    ]);
    expect(
      problems(
        `${header}[[rules]]\nid = "a"\nname = "A"\ndescription = "d"\nstatuses = ["flaky"]\n`,
      )[0],
    ).toMatch(/^rule "a" statuses\.0: /);
    expect(
      problems(
        `${header}[[rules]]\nid = "a"\nname = "A"\ndescription = "d"\n[[rules]]\nid = "a"\nname = "A"\ndescription = "d"\n`,
      ),
    ).toEqual(['rule "a": the id is used twice']);
  });

  it('refuses broken TOML with its position', () => {
    expect(problems('[[rules]\n')[0]).toMatch(/^not valid TOML \(line 1, column/);
  });
});
