import { numberRepeats, relativeSpecFile, testId, type TestResult } from './model.js';
import { renderTerminal } from './terminal.js';

export interface ConsoleParse {
  tests: TestResult[];
  /** False when Gauge's closing summary was never printed: the run was cut short. */
  complete: boolean;
  warnings: string[];
  /** From `Total time taken:`, when printed. */
  durationSeconds?: number;
}

interface Counts {
  executed: number;
  passed: number;
  failed: number;
  skipped: number;
}

interface OpenTest {
  spec: string;
  scenario: string;
  status?: 'failed' | 'skipped';
  message?: string;
  stack: string[];
}

interface RunnerState {
  spec?: string;
  specFile?: string;
  current?: OpenTest;
  /** Which part of a failure block the following lines belong to. */
  block?: 'message' | 'stack';
}

// Gauge 1.6 pads the stream number: `[runner:  1] `.
const RUNNER = /^\[runner:\s*(\d+)\]\s?/;
const SPEC = /^#\s+(.+)$/;
const SCENARIO = /^\s*##\s+(.+?)(?:\s+[✔✘✖✓●]+(?:\s+[✔✘✖✓●]+)*)?\s*$/u;
const STEP = /\.\.\.\s*\[(PASS|FAIL|SKIP(?:PED)?)\]\s*$/;
const SUMMARY =
  /^(Specifications|Scenarios):\s+(\d+) executed\s+(\d+) passed\s+(\d+) failed\s+(\d+) skipped/;
const TOTAL_TIME = /^Total time taken:\s*(\S+)/;

/** The spec heading one live console line starts (`# Heading`, maybe `[runner: N] `-prefixed). */
export function specHeadingOf(line: string): string | undefined {
  const screen = renderTerminal(line).at(-1) ?? '';
  const runner = RUNNER.exec(screen);
  return SPEC.exec(runner ? screen.slice(runner[0].length) : screen)?.[1]?.trim();
}

/**
 * Reads Gauge's console output (`gauge run --verbose`) when no report file exists: specs,
 * scenarios, step results, failure blocks, `[runner: N]` prefixes of parallel streams and the
 * closing summary. Counts that disagree with Gauge's own summary are reported, and never
 * resolved in favour of fewer failures.
 */
export function parseGaugeConsole(raw: string): ConsoleParse {
  const runners = new Map<string, RunnerState>();
  const specFiles = new Map<string, string>();
  const finished: OpenTest[] = [];
  const summaries: Partial<Record<'Specifications' | 'Scenarios', Counts>> = {};
  let durationSeconds: number | undefined;

  const close = (state: RunnerState) => {
    if (state.current) finished.push(state.current);
    state.current = undefined;
    state.block = undefined;
  };

  // A parallel stream prefixes only the first line of what it writes at once: the rest of a
  // failure block follows unprefixed and belongs to the stream that wrote last.
  let lastRunner: string | undefined;
  for (const screenLine of renderTerminal(raw)) {
    const runnerMatch = RUNNER.exec(screenLine);
    const line = runnerMatch ? screenLine.slice(runnerMatch[0].length) : screenLine;
    if (runnerMatch) lastRunner = runnerMatch[1];
    const runnerId = runnerMatch?.[1] ?? lastRunner ?? '0';
    let state = runners.get(runnerId);
    if (!state) runners.set(runnerId, (state = {}));

    const summary = SUMMARY.exec(line);
    if (summary) {
      summaries[summary[1] as 'Specifications' | 'Scenarios'] = {
        executed: Number(summary[2]),
        passed: Number(summary[3]),
        failed: Number(summary[4]),
        skipped: Number(summary[5]),
      };
      continue;
    }
    const time = TOTAL_TIME.exec(line);
    if (time) {
      durationSeconds = parseGoDuration(time[1] ?? '');
      continue;
    }
    const spec = SPEC.exec(line);
    if (spec) {
      close(state);
      state.spec = spec[1]?.trim();
      continue;
    }
    const scenario = SCENARIO.exec(line);
    if (scenario) {
      close(state);
      state.current = {
        spec: state.spec ?? '(unknown spec)',
        scenario: scenario[1]?.trim() ?? '',
        stack: [],
      };
      continue;
    }
    const trimmed = line.trim();
    const step = STEP.exec(line);
    if (step) {
      if (state.current && step[1] === 'FAIL') state.current.status = 'failed';
      if (state.current && step[1]?.startsWith('SKIP') && state.current.status === undefined)
        state.current.status = 'skipped';
      continue;
    }
    if (
      trimmed.startsWith('Failed Step:') ||
      trimmed.startsWith('Error Message:') ||
      trimmed.startsWith('Specification:') ||
      trimmed.startsWith('Stacktrace:')
    ) {
      // A failure block outside any scenario belongs to a spec hook.
      if (!state.current)
        state.current = {
          spec: state.spec ?? '(unknown spec)',
          scenario: '(spec hook)',
          status: 'failed',
          stack: [],
        };
      const current = state.current;
      if (current.status !== 'failed') current.status = 'failed';
      const value = trimmed.slice(trimmed.indexOf(':') + 1).trim();
      if (trimmed.startsWith('Specification:')) {
        const file = relativeSpecFile(value.replace(/:\d+$/, ''));
        if (state.spec) specFiles.set(state.spec, file);
        state.block = undefined;
      } else if (trimmed.startsWith('Error Message:')) {
        current.message = value;
        state.block = 'message';
      } else if (trimmed.startsWith('Stacktrace:')) {
        if (value) current.stack.push(value);
        state.block = 'stack';
      } else {
        state.block = undefined;
      }
      continue;
    }
    if (state.block && state.current) {
      if (trimmed === '') state.block = undefined;
      else if (state.block === 'stack') state.current.stack.push(trimmed);
      else state.current.message = `${state.current.message ?? ''}\n${trimmed}`.trim();
    }
  }

  const complete = summaries.Scenarios !== undefined;
  const openAtEnd: OpenTest[] = [];
  for (const state of runners.values()) {
    if (state.current) openAtEnd.push(state.current);
    state.current = undefined;
  }
  const tests: TestResult[] = [...finished, ...openAtEnd].map((open) => {
    const unfinished = !complete && openAtEnd.includes(open) && open.status === undefined;
    const specFile = specFiles.get(open.spec);
    const status = unfinished ? 'errored' : (open.status ?? 'passed');
    const message = unfinished ? 'The run ended before this scenario finished.' : open.message;
    const stack = open.stack.join('\n');
    return {
      id: testId(specFile ?? open.spec, open.scenario),
      spec: open.spec,
      ...(specFile === undefined ? {} : { specFile }),
      scenario: open.scenario,
      status,
      ...(message ? { message } : {}),
      ...(stack ? { stack } : {}),
    };
  });
  const warnings: string[] = [];
  if (!complete)
    warnings.push(
      'Gauge never printed its closing summary: the run was cut short, and scenarios it did not reach are missing.',
    );
  const reconciled = reconcile(numberRepeats(tests), summaries.Scenarios, warnings);
  return {
    tests: reconciled,
    complete,
    warnings,
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };
}

/** Compares the parsed scenarios with Gauge's own counts; failures it counted but we did not see are added, never dropped. */
function reconcile(
  tests: TestResult[],
  summary: Counts | undefined,
  warnings: string[],
): TestResult[] {
  if (!summary) return tests;
  const scenarios = tests.filter((t) => t.scenario !== '(spec hook)');
  // Gauge counts each row of a spec's data table as a scenario, but a scenario's own data table
  // once (failed when a row failed); the console prints both alike, so each scenario with rows
  // may be counted either way: the summary agrees when one of those ways gives its counts.
  const groups = new Map<string, TestResult['status'][]>();
  for (const t of scenarios) {
    const key = `${t.spec}\n${t.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), t.status]);
  }
  const outcome = (s: TestResult['status']) =>
    s === 'failed' || s === 'errored' ? 'failed' : s === 'skipped' ? 'skipped' : 'passed';
  const once = (rows: TestResult['status'][]): TestResult['status'] =>
    rows.some((s) => outcome(s) === 'failed')
      ? 'failed'
      : rows.every((s) => s === 'skipped')
        ? 'skipped'
        : 'passed';
  // Up to 12 scenarios with rows are tried both ways (4,096 counts); any further ones per row.
  const tabled = [...groups.values()].filter((rows) => rows.length > 1);
  const choices = tabled.slice(0, 12);
  const fixed = [...groups.values()].filter((rows) => rows.length === 1).flat();
  fixed.push(...tabled.slice(12).flat());
  const countOf = (statuses: TestResult['status'][]) => ({
    passed: statuses.filter((s) => outcome(s) === 'passed').length,
    failed: statuses.filter((s) => outcome(s) === 'failed').length,
    skipped: statuses.filter((s) => outcome(s) === 'skipped').length,
  });
  const parsed = countOf(scenarios.map((t) => t.status));
  for (let ways = 0; ways < 2 ** choices.length; ways++) {
    const statuses = [
      ...fixed,
      ...choices.flatMap((rows, i) => (ways & (2 ** i) ? [once(rows)] : rows)),
    ];
    const c = countOf(statuses);
    if (c.passed === summary.passed && c.failed === summary.failed && c.skipped === summary.skipped)
      return tests;
  }
  warnings.push(
    `Gauge's summary counts ${summary.passed} passed, ${summary.failed} failed and ${summary.skipped} skipped scenarios, ` +
      `but the console showed ${parsed.passed} passed, ${parsed.failed} failed and ${parsed.skipped} skipped.`,
  );
  const missing = Math.max(0, summary.failed - parsed.failed);
  const added: TestResult[] = Array.from({ length: missing }, (_, i) => ({
    id: testId('(unattributed)', `failing scenario ${i + 1}`),
    spec: '(unattributed)',
    scenario: `failing scenario ${i + 1}`,
    status: 'errored',
    message:
      'Gauge counted this failure in its summary, but the console output does not show which scenario it was.',
  }));
  return [...tests, ...added];
}

/** Go's time.Duration text: `1h2m3.5s`, `450ms`, `2m0s`. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = {
    h: 3600,
    m: 60,
    s: 1,
    ms: 0.001,
    us: 1e-6,
    µs: 1e-6,
    ns: 1e-9,
  };
  let total = 0;
  let matched = '';
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gu)) {
    total += Number(part[1]) * (units[part[2] ?? ''] ?? 0);
    matched += part[0];
  }
  return matched === text && text !== '' ? Math.round(total * 1000) / 1000 : undefined;
}
