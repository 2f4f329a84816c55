import { parseTomlText, readConfigFile, shippedConfigFile } from '../config/files.js';
import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';
import { TestStatusSchema, type TestResult } from './model.js';

const Patterns = z.union([z.string(), z.array(z.string()).min(1)]);
const ConditionToml = z.strictObject({
  scenario: Patterns.optional(),
  spec: Patterns.optional(),
  message: Patterns.optional(),
  stack: Patterns.optional(),
  text: Patterns.optional(),
  'unless-deployed': z.union([z.string(), z.array(z.string())]).optional(),
});
const RuleToml = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower case, digits and -'),
  name: z.string().min(1),
  description: z.string().min(1),
  statuses: z.array(TestStatusSchema).min(1).default(['failed', 'errored']),
  when: z.array(ConditionToml).optional(),
});
const CategoriesToml = z.strictObject({
  'schema-version': z.literal(1, 'must be 1'),
  rules: z.array(RuleToml).min(1, 'lists no rule'),
});

type Field = 'scenario' | 'spec' | 'message' | 'stack' | 'text';
const FIELDS: readonly Field[] = ['scenario', 'spec', 'message', 'stack', 'text'];

interface Condition {
  patterns: [Field, RegExp][];
  unlessDeployed: string[];
}

export interface CategoryRule {
  id: string;
  name: string;
  description: string;
  statuses: string[];
  /** Empty: the rule matches every test of its statuses. */
  when: Condition[];
}

export const DEFAULT_CATEGORIES_FILE = shippedConfigFile('categories.toml');

export async function loadCategories(
  path: string = DEFAULT_CATEGORIES_FILE,
): Promise<CategoryRule[]> {
  return parseCategories(await readConfigFile(path, 'categories', '--categories'), path);
}

/** Validates a categories file; every problem names the rule (by id, or by position). */
export function parseCategories(text: string, source: string): CategoryRule[] {
  const invalid = (problems: string[]) =>
    new StreamstressError(`The categories file ${source} is invalid:`, {
      exitCode: ExitCode.infrastructure,
      problems,
      hint: 'config/categories.toml in streamstress documents every field.',
    });
  const { data, problem } = parseTomlText(text);
  if (problem) throw invalid([problem]);
  const parsed = CategoriesToml.safeParse(data);
  const rawRules = (data as { rules?: { id?: unknown }[] }).rules;
  const ruleName = (index: number) => {
    const id = Array.isArray(rawRules) ? rawRules[index]?.id : undefined;
    return typeof id === 'string' ? `rule "${id}"` : `rules[${index}]`;
  };
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => {
        const [top, index, ...rest] = issue.path;
        const where =
          top === 'rules' && typeof index === 'number'
            ? `${ruleName(index)}${rest.length ? ` ${rest.join('.')}` : ''}`
            : issue.path.join('.') || '(top level)';
        const what =
          issue.code === 'unrecognized_keys'
            ? `unknown field ${issue.keys.join(', ')}`
            : issue.code === 'invalid_type' && issue.input === undefined
              ? 'required'
              : issue.message;
        return `${where}: ${what}`;
      }),
    );
  }
  const problems: string[] = [];
  const ids = new Set<string>();
  const rules = parsed.data.rules.map((rule): CategoryRule => {
    if (ids.has(rule.id)) problems.push(`rule "${rule.id}": the id is used twice`);
    ids.add(rule.id);
    const when = (rule.when ?? []).map((condition, index) => {
      const patterns: [Field, RegExp][] = [];
      for (const field of FIELDS) {
        const value = condition[field];
        for (const source of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
          try {
            patterns.push([field, new RegExp(source, 'iu')]);
          } catch (error) {
            problems.push(
              `rule "${rule.id}" when[${index}].${field}: invalid regular expression /${source}/: ${(error as Error).message}`,
            );
          }
        }
      }
      if (patterns.length === 0)
        problems.push(`rule "${rule.id}" when[${index}]: names no field to match`);
      const unless = condition['unless-deployed'];
      return {
        patterns,
        unlessDeployed: unless === undefined ? [] : Array.isArray(unless) ? unless : [unless],
      };
    });
    return {
      id: rule.id,
      name: rule.name,
      description: rule.description,
      statuses: rule.statuses,
      when,
    };
  });
  if (problems.length > 0) throw invalid(problems);
  return rules;
}

/** The id of the first rule that matches the test, if any. */
export function categorise(
  test: TestResult,
  rules: readonly CategoryRule[],
  deployed: ReadonlySet<string>,
): string | undefined {
  const fields: Record<Field, string> = {
    scenario: test.scenario,
    spec: test.spec,
    message: test.message ?? '',
    stack: test.stack ?? '',
    text: `${test.spec}\n${test.scenario}\n${test.message ?? ''}`,
  };
  for (const rule of rules) {
    if (!rule.statuses.includes(test.status)) continue;
    if (rule.when.length === 0) return rule.id;
    const matches = rule.when.some(
      (c) =>
        !c.unlessDeployed.some((name) => deployed.has(name)) &&
        c.patterns.every(([field, pattern]) => pattern.test(fields[field])),
    );
    if (matches) return rule.id;
  }
  return undefined;
}

/** Sets each test's category and counts them, in rule order. */
export function applyCategories(
  tests: TestResult[],
  rules: readonly CategoryRule[],
  deployed: ReadonlySet<string>,
): {
  tests: TestResult[];
  categories: { id: string; name: string; description: string; count: number }[];
} {
  const categorised = tests.map((test) => {
    const category = categorise(test, rules, deployed);
    return category === undefined ? test : { ...test, category };
  });
  const categories = rules.map((rule) => ({
    id: rule.id,
    name: rule.name,
    description: rule.description,
    count: categorised.filter((t) => t.category === rule.id).length,
  }));
  return { tests: categorised, categories };
}
