// Runs the streamstress CLI bundle in this process and, as it exits, prints its wall time and
// peak resident memory as JSON on stderr: `node bench/measure.mjs results --output-dir DIR`.
import { performance } from 'node:perf_hooks';

process.on('exit', () => {
  process.stderr.write(
    `${JSON.stringify({ seconds: performance.now() / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
});
await import('../dist/cli/index.js');
