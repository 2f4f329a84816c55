// Runs the whole test suite and ends with the plain "N passed, N failed" line that CI reads
// (vitest's own summary is coloured and worded differently). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The dashboard tests open the page built from dashboard/: build it first, so they never
// test a stale bundle.
const dashboard = spawnSync(process.execPath, ['scripts/build-dashboard.mjs'], {
  stdio: 'inherit',
});
if (dashboard.status !== 0) process.exit(dashboard.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'streamstress-test-'));
const report = join(dir, 'report.json');
const vitest = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed = results.numPassedTests;
  failed =
    results.numFailedTests +
    (results.numFailedTestSuites > 0 && results.numFailedTests === 0
      ? results.numFailedTestSuites
      : 0);
  skipped = results.numPendingTests + results.numTodoTests;
} catch {
  failed = Math.max(failed, 1);
  console.error('The test run wrote no report: counting it as failed.');
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);
