import { readFile } from 'node:fs/promises';
import { ExitCode, StreamstressError } from '../errors.js';
import { isFailing, ResultsSchema, type Results, type TestResult } from './model.js';

export interface Comparison {
  baselineRunId: string;
  /** Failing now, passed in the baseline. */
  newFailures: TestResult[];
  /** Passing now, failing in the baseline. */
  fixed: TestResult[];
  stillFailing: TestResult[];
  /** Not in the baseline at all, with their current status. */
  added: TestResult[];
  /** In the baseline, not in this run. */
  removed: TestResult[];
  /** Pass rate (passed / total) now and in the baseline, in percent. */
  passRate: { now: number; baseline: number; change: number };
}

export function compareResults(current: Results, baseline: Results): Comparison {
  const before = new Map(baseline.tests.map((t) => [t.id, t]));
  const now = new Set(current.tests.map((t) => t.id));
  const comparison: Comparison = {
    baselineRunId: baseline.run.id,
    newFailures: [],
    fixed: [],
    stillFailing: [],
    added: [],
    removed: baseline.tests.filter((t) => !now.has(t.id)),
    passRate: { now: passRate(current), baseline: passRate(baseline), change: 0 },
  };
  for (const test of current.tests) {
    const old = before.get(test.id);
    if (!old) comparison.added.push(test);
    else if (isFailing(test) && old.status === 'passed') comparison.newFailures.push(test);
    else if (isFailing(test) && isFailing(old)) comparison.stillFailing.push(test);
    else if (test.status === 'passed' && isFailing(old)) comparison.fixed.push(test);
  }
  comparison.passRate.change =
    Math.round((comparison.passRate.now - comparison.passRate.baseline) * 10) / 10;
  return comparison;
}

function passRate(results: Results): number {
  return results.summary.total === 0
    ? 0
    : Math.round((results.summary.passed / results.summary.total) * 1000) / 10;
}

/** Reads a results.json to compare against; an unknown schema version is refused, not guessed at. */
export function loadBaseline(file: string): Promise<Results> {
  return loadResultsFile(file, 'baseline', 'Give the results/results.json of an earlier run.');
}

/** Reads a results.json (`what` names its role in messages); other versions are refused. */
export async function loadResultsFile(file: string, what: string, hint: string): Promise<Results> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new StreamstressError(`Cannot read the ${what} ${file}: ${(error as Error).message}`, {
      exitCode: ExitCode.infrastructure,
      hint,
    });
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== 1) {
    throw new StreamstressError(
      `The ${what} ${file} has schemaVersion ${JSON.stringify(version)}; this streamstress reads version 1.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Use a results.json written by a matching streamstress version.',
      },
    );
  }
  const parsed = ResultsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StreamstressError(
      `The ${what} ${file} is not a valid results.json: ${issue?.path.join('.')}: ${issue?.message}`,
      {
        exitCode: ExitCode.infrastructure,
      },
    );
  }
  return parsed.data;
}
