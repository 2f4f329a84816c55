import { z } from 'zod';
import { ExitCode } from '../errors.js';

/** A skipped test is not a pass, and an errored one is not a failure of the product alone. */
export const TestStatusSchema = z.enum(['passed', 'failed', 'errored', 'skipped']);
export type TestStatus = z.infer<typeof TestStatusSchema>;

export const TestResultSchema = z.object({
  id: z.string().describe('Stable across runs: spec file + scenario + table row.'),
  spec: z.string().describe('The specification heading.'),
  specFile: z
    .string()
    .optional()
    .describe(
      'The spec file relative to the suite (specs/…); absent when the source did not name it.',
    ),
  scenario: z.string(),
  row: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('The data-table row of a table-driven scenario, from 1.'),
  status: TestStatusSchema,
  durationSeconds: z.number().nonnegative().optional(),
  message: z.string().optional(),
  stack: z.string().optional(),
  category: z.string().optional().describe('The id of the failure category the test fell into.'),
});
export type TestResult = z.infer<typeof TestResultSchema>;

export const SummarySchema = z.object({
  total: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  errored: z.number().int().nonnegative(),
  durationSeconds: z.number().nonnegative(),
});
export type Summary = z.infer<typeof SummarySchema>;

const PhaseSchema = z.object({
  status: z.enum(['succeeded', 'failed', 'skipped']),
  durationSeconds: z.number().nonnegative().optional(),
  error: z.string().optional(),
});

export const ResultsSchema = z.object({
  schemaVersion: z.literal(1),
  run: z.object({
    id: z.string(),
    label: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    trigger: z
      .object({
        event: z.string(),
        url: z.string().optional(),
        pr: z.number().int().optional(),
        sha: z.string().optional(),
      })
      .optional(),
    cluster: z
      .object({ version: z.string().optional(), operatorVersion: z.string().optional() })
      .optional(),
  }),
  components: z.array(
    z.object({
      name: z.string(),
      repo: z.string(),
      ref: z.string(),
      commit: z.string(),
      images: z.array(z.object({ env: z.string(), ref: z.string().optional() })).optional(),
      payload: z
        .string()
        .optional()
        .describe(
          "What the operator ships for this component (its custom resource's status.version, from the deployment record), e.g. v1.6.6: the operator installs the manifests, RBAC and CRDs of that version and only swaps the images, so the built commit ran with them.",
        ),
    }),
  ),
  releaseTests: z
    .object({
      repo: z.string(),
      ref: z.string(),
      commit: z.string().optional(),
      tags: z.string().optional(),
    })
    .optional(),
  summary: SummarySchema,
  tests: z.array(TestResultSchema),
  categories: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      count: z.number().int().nonnegative(),
    }),
  ),
  source: z
    .enum(['junit', 'console', 'none'])
    .describe(
      'junit: an xml-report/JUnit file; console: Gauge console output, when no report exists; none: no test ran because an earlier stage failed (see phases).',
    ),
  incomplete: z
    .boolean()
    .describe('True when the run ended before the suite did (killed, timed out, cancelled).'),
  warnings: z
    .array(z.string())
    .describe(
      'Disagreements found while reading the output, e.g. summary counts that do not match.',
    ),
  phases: z
    .object({
      setup: PhaseSchema.optional(),
      build: PhaseSchema.optional(),
      deploy: PhaseSchema.optional(),
      test: PhaseSchema.optional(),
    })
    .optional(),
  profile: z.unknown().optional(),
  exitCode: z.number().int().min(0).max(3),
});
export type Results = z.infer<typeof ResultsSchema>;

export function summarise(tests: readonly TestResult[]): Summary {
  const count = (status: TestStatus) => tests.filter((t) => t.status === status).length;
  const duration = tests.reduce((sum, t) => sum + (t.durationSeconds ?? 0), 0);
  return {
    total: tests.length,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    errored: count('errored'),
    durationSeconds: Math.round(duration * 1000) / 1000,
  };
}

export function isFailing(test: Pick<TestResult, 'status'>): boolean {
  return test.status === 'failed' || test.status === 'errored';
}

/**
 * The seed's exit code for a test outcome: failures give 1; a run that ended early or found no
 * test at all is an infrastructure problem (2), and both together give 3.
 */
export function exitCodeFor(
  summary: Summary,
  options: { incomplete: boolean; infrastructureFailed?: boolean },
): ExitCode {
  const infrastructure =
    options.incomplete || options.infrastructureFailed === true || summary.total === 0;
  const testsFailed = summary.failed + summary.errored > 0;
  if (infrastructure && testsFailed) return ExitCode.both;
  if (infrastructure) return ExitCode.infrastructure;
  return testsFailed ? ExitCode.testsFailed : ExitCode.passed;
}

/** `specs/pipelines/run.spec::Scenario name#2` — the key two runs are compared by. */
export function testId(specKey: string, scenario: string, row?: number): string {
  return `${specKey}::${scenario}${row === undefined ? '' : `#${row}`}`;
}

/**
 * A spec path as the suite knows it (`specs/…`), whatever machine or OS wrote the report:
 * xml-report writes absolute paths (`/home/runner/…/specs/x.spec`, `C:\…\specs\x.spec`).
 */
export function relativeSpecFile(path: string): string {
  const normalised = path.replace(/\\/g, '/');
  const at = normalised.lastIndexOf('/specs/');
  if (at !== -1) return normalised.slice(at + 1);
  if (normalised.startsWith('specs/')) return normalised;
  return normalised.split('/').pop() ?? normalised;
}

/**
 * Gives repeated names within one spec distinct, stable ids: a table-driven scenario runs once
 * per row under the same heading, so the n-th occurrence is row n.
 */
export function numberRepeats(tests: TestResult[]): TestResult[] {
  const counts = new Map<string, number>();
  for (const t of tests) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
  const seen = new Map<string, number>();
  return tests.map((t) => {
    if ((counts.get(t.id) ?? 0) < 2 || t.row !== undefined) return t;
    const row = (seen.get(t.id) ?? 0) + 1;
    seen.set(t.id, row);
    return { ...t, row, id: `${t.id}#${row}` };
  });
}
