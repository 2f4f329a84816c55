// npm run bench: `streamstress results` (parse + categorise + write) on a generated
// 50,000-test xml-report, five times; prints the median time and the highest peak memory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeXmlReport } from './generate-report.mjs';

const TESTS = 50_000;
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), 'streamstress-bench-'));
mkdirSync(join(dir, 'reports', 'xml-report'), { recursive: true });
const report = join(dir, 'reports', 'xml-report', 'result.xml');
await writeXmlReport(report, TESTS);
console.log(
  `xml-report of ${TESTS} tests: ${(statSync(report).size / 1024 / 1024).toFixed(1)} MiB`,
);

const samples = [];
for (let i = 0; i < RUNS; i++) {
  const run = spawnSync(process.execPath, ['bench/measure.mjs', 'results', '--output-dir', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 1) throw new Error(`streamstress results exited ${run.status}: ${run.stderr}`);
  samples.push(JSON.parse(run.stderr.trim().split('\n').pop()));
}
const times = samples.map((s) => s.seconds).sort((a, b) => a - b);
console.log(
  `streamstress results, ${RUNS} runs: median ${times[Math.floor(RUNS / 2)].toFixed(2)} s (min ${times[0].toFixed(2)}, max ${times[RUNS - 1].toFixed(2)}), peak RSS ${Math.max(...samples.map((s) => s.peakRssMiB)).toFixed(0)} MiB`,
);
rmSync(dir, { recursive: true, force: true });
