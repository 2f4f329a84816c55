import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Results, TestResult } from '../../src/results/model.js';

const test = (scenario: string, status: TestResult['status']): TestResult => ({
  id: `specs/pipelines/run.spec::${scenario}`,
  spec: 'Pipelines',
  specFile: 'specs/pipelines/run.spec',
  scenario,
  status,
  durationSeconds: 1,
  ...(status === 'failed'
    ? { message: 'expected Succeeded', category: 'upstream-regression' }
    : {}),
});

/** Writes a results.json of a run started on the given day, with the given outcome per scenario. */
export function writeResultsFile(
  dir: string,
  id: string,
  day: number,
  outcomes: Record<string, TestResult['status']>,
): string {
  const file = join(dir, `${id}.json`);
  const startedAt = `2026-11-${String(day).padStart(2, '0')}T02:00:00Z`;
  writeFileSync(file, JSON.stringify(resultsOf(id, startedAt, outcomes)));
  return file;
}

/** A run's results.json with the given outcome per scenario (failures carry a message). */
export function resultsOf(
  id: string,
  startedAt: string,
  outcomes: Record<string, TestResult['status']>,
): Results {
  const tests = Object.entries(outcomes).map(([scenario, status]) => test(scenario, status));
  const count = (s: TestResult['status']) => tests.filter((t) => t.status === s).length;
  return {
    schemaVersion: 1,
    run: {
      id,
      label: `nightly <img src=x onerror=alert(1)> ${id}`,
      startedAt,
      trigger: { event: 'schedule', url: `https://github.com/org/repo/actions/runs/${id}` },
    },
    components: [
      {
        name: 'pipeline',
        repo: 'https://github.com/tektoncd/pipeline',
        ref: 'refs/heads/main',
        commit: 'a'.repeat(40),
      },
    ],
    summary: {
      total: tests.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      errored: count('errored'),
      durationSeconds: tests.length,
    },
    tests,
    categories: [
      {
        id: 'upstream-regression',
        name: 'Upstream regression',
        description: 'x',
        count: count('failed'),
      },
    ],
    source: 'junit',
    incomplete: false,
    warnings: [],
    exitCode: count('failed') > 0 ? 1 : 0,
  };
}
