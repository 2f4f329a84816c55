import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeploymentRecordSchema } from '../cluster/deploy.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { PlanSchema } from '../plan/plan.js';
import { applyCategories, loadCategories } from './categories.js';
import { compareResults, loadBaseline, type Comparison } from './compare.js';
import { parseGaugeConsole } from './console.js';
import { renderSummary } from './markdown.js';
import { exitCodeFor, ResultsSchema, summarise, type Results, type TestResult } from './model.js';
import { parseJUnitXml } from './xml.js';

/** Where a run's output directory keeps each file (DESIGN.md, "output directory"). */
export const OUTPUT_LAYOUT = {
  plan: 'plan.json',
  deployment: 'deployment.json',
  xmlReport: join('reports', 'xml-report', 'result.xml'),
  gaugeStdout: join('logs', 'gauge-stdout.log'),
  gaugeStderr: join('logs', 'gauge-stderr.log'),
  results: join('results', 'results.json'),
  summary: join('results', 'summary.md'),
} as const;

export interface AnalyseOptions {
  baselineFile?: string;
  categoriesFile?: string;
  /** What the test stage knows first-hand; a re-analysis keeps what results.json had. */
  record?: Partial<Pick<Results, 'run' | 'components' | 'releaseTests' | 'phases' | 'profile'>>;
  /** The run was stopped (timeout, cancellation): the results are incomplete whatever was read. */
  stopped?: boolean;
}

export interface Analysis {
  results: Results;
  summary: string;
  comparison?: Comparison;
}

/**
 * Re-reads a finished run's raw output — the xml-report when it exists, Gauge's console log
 * otherwise — categorises the failures, and writes results/results.json and
 * results/summary.md. Nothing is written unless everything could be read.
 */
export async function analyseOutputDir(
  dir: string,
  options: AnalyseOptions = {},
): Promise<Analysis> {
  const rules = await loadCategories(options.categoriesFile);
  const baseline =
    options.baselineFile === undefined ? undefined : await loadBaseline(options.baselineFile);
  // A re-analysis keeps what the run itself recorded (its id, label, phases) and its plan.
  const previousRecord = ResultsSchema.safeParse(
    await readOptionalJson(join(dir, OUTPUT_LAYOUT.results)),
  );
  const previous = previousRecord.success ? previousRecord.data : undefined;
  const parsed = await readTestOutput(dir);
  parsed.tests = parsed.tests.map(countSkipAsSkipped);

  // Components a caller passes already carry their payload (`run` merges its deploy's record).
  const components =
    options.record?.components ??
    withPayload(
      (await plannedComponents(dir)) ?? previous?.components ?? [],
      await deployedPayload(dir),
    );
  const { tests, categories } = applyCategories(
    parsed.tests,
    rules,
    new Set(components.map((c) => c.name)),
  );
  const summary = summarise(tests);
  if (parsed.durationSeconds !== undefined && summary.durationSeconds === 0)
    summary.durationSeconds = parsed.durationSeconds;
  const incomplete = parsed.incomplete || options.stopped === true;
  const record = { ...previous, ...options.record };
  const results: Results = {
    schemaVersion: 1,
    run: record.run ?? {
      id: `local-${(await stat(parsed.file)).mtime.toISOString().replace(/[-:.]/g, '')}`,
    },
    components,
    ...(record.releaseTests ? { releaseTests: record.releaseTests } : {}),
    summary,
    tests,
    categories,
    source: parsed.source,
    incomplete,
    warnings: parsed.warnings,
    ...(record.phases ? { phases: record.phases } : {}),
    ...(record.profile === undefined ? {} : { profile: record.profile }),
    exitCode: exitCodeFor(summary, {
      incomplete,
      infrastructureFailed: Object.values(record.phases ?? {}).some((p) => p?.status === 'failed'),
    }),
  };
  const comparison = baseline ? compareResults(results, baseline) : undefined;
  return writeResults(dir, results, comparison);
}

/** The components plan.json in a run's output directory names, when it has one. */
export async function plannedComponents(dir: string): Promise<Results['components'] | undefined> {
  const plan = PlanSchema.safeParse(await readOptionalJson(join(dir, OUTPUT_LAYOUT.plan)));
  return plan.success
    ? plan.data.components.map((c) => ({
        name: c.name,
        repo: c.repo,
        ref: c.ref,
        commit: c.commit,
      }))
    : undefined;
}

/** What the operator ships per component, from the deployment record in a run's output directory. */
async function deployedPayload(dir: string): Promise<Record<string, string> | undefined> {
  const record = DeploymentRecordSchema.safeParse(
    await readOptionalJson(join(dir, OUTPUT_LAYOUT.deployment)),
  );
  return record.success ? record.data.payload : undefined;
}

/**
 * The components with what the operator ships for each next to its built commit: the
 * deployment record's `payload`, by component name. The operator installs the manifests, RBAC
 * and CRDs of that version and only swaps the images (DOMAIN.md §9.6), so a failure may come
 * from that gap rather than from the commit. A component the payload does not name is kept as
 * it is.
 */
export function withPayload(
  components: readonly Results['components'][number][],
  payload: Readonly<Record<string, string>> | undefined,
): Results['components'] {
  return components.map((component) => {
    const version =
      payload && Object.hasOwn(payload, component.name) ? payload[component.name] : undefined;
    return version === undefined ? component : { ...component, payload: version };
  });
}

/**
 * results.json and summary.md of a run that stopped before any test ran (a setup, build or
 * deploy failure): no tests, the phases saying which stage failed and why, exit code 2.
 */
export async function recordRunWithoutTests(
  dir: string,
  record: Pick<Results, 'run' | 'components' | 'phases'> & Partial<Pick<Results, 'releaseTests'>>,
): Promise<Analysis> {
  const summary = summarise([]);
  const results: Results = {
    schemaVersion: 1,
    ...record,
    summary,
    tests: [],
    categories: [],
    source: 'none',
    incomplete: false,
    warnings: [],
    exitCode: exitCodeFor(summary, { incomplete: false, infrastructureFailed: true }),
  };
  return writeResults(dir, results, undefined);
}

/** results.json and summary.md from results already analysed (a later stage adding to them). */
export async function writeResults(
  dir: string,
  results: Results,
  comparison: Comparison | undefined,
): Promise<Analysis> {
  const markdown = renderSummary(results, comparison ? { comparison } : {});
  await mkdir(join(dir, 'results'), { recursive: true });
  await writeAtomically(join(dir, OUTPUT_LAYOUT.results), `${JSON.stringify(results)}\n`);
  await writeAtomically(join(dir, OUTPUT_LAYOUT.summary), markdown);
  return { results, summary: markdown, ...(comparison ? { comparison } : {}) };
}

interface TestOutput {
  file: string;
  tests: TestResult[];
  source: Results['source'];
  incomplete: boolean;
  warnings: string[];
  durationSeconds?: number;
}

// release-tests' pkg/skip fails a step with `[SKIPPED] …`, as Gauge has no skip (DOMAIN.md
// §9.6); the xml-report puts the step text before it.
const SKIPPED = /^(?:[^\n]*\nStep Execution Failure: ')?\[SKIPPED\]/;

function countSkipAsSkipped(test: TestResult): TestResult {
  return test.status === 'failed' && SKIPPED.test(test.message ?? '')
    ? { ...test, status: 'skipped' }
    : test;
}

/** The xml-report when Gauge wrote one, else its console output. */
async function readTestOutput(dir: string): Promise<TestOutput> {
  const xmlFile = join(dir, OUTPUT_LAYOUT.xmlReport);
  const consoleFile = join(dir, OUTPUT_LAYOUT.gaugeStdout);
  if (await exists(xmlFile)) {
    const tests = parseJUnitXml(await readFile(xmlFile, 'utf8'), xmlFile);
    return { file: xmlFile, tests, source: 'junit', incomplete: false, warnings: [] };
  }
  if (await exists(consoleFile)) {
    const output = parseGaugeConsole(await readFile(consoleFile, 'utf8'));
    return { file: consoleFile, ...output, source: 'console', incomplete: !output.complete };
  }
  throw new StreamstressError(
    `${dir} holds no test output: neither ${OUTPUT_LAYOUT.xmlReport} nor ${OUTPUT_LAYOUT.gaugeStdout} exists.`,
    {
      exitCode: ExitCode.infrastructure,
      hint: 'Point --output-dir at the directory a test run wrote (default ./test-output).',
    },
  );
}

/** A JSON file's content, or undefined when it is missing or unreadable (an optional input). */
async function readOptionalJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** A reader never sees half a file, and a failed write leaves the old one in place. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}
