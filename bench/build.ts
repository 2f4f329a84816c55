// npm run bench (third part): six components built at once with stand-in tools of known
// lengths, pushing to Debian's docker-registry on loopback. Parallel builds should take about
// as long as the longest one, not the sum of all.
import { join } from 'node:path';
import { Git } from '../src/adapters/git.js';
import { buildComponents } from '../src/build/build.js';
import { planFromRequest } from '../src/plan/index.js';
import { ROOT } from '../test/helpers/cli.js';
import { startRegistry } from '../test/helpers/registry.js';
import { createShippedUpstreams, tempDir } from '../test/helpers/upstreams.js';

const RUNS = 3;
// Seconds each stand-in build sleeps, on top of the stand-in's own start-up and pushes.
const LENGTHS: Record<string, number> = {
  pipeline: 4.5,
  triggers: 2.0,
  chains: 2.5,
  results: 3.0,
  'manual-approval-gate': 3.5,
  'console-plugin': 4.0,
};
process.env.PATH = `${join(ROOT, 'test', 'stand-ins')}:${process.env.PATH}`;
const registry = await startRegistry();
try {
  const root = tempDir('bench-build');
  const { config: componentsFile } = await createShippedUpstreams(
    root,
    Object.fromEntries(
      Object.entries(LENGTHS).map(([name, seconds]) => [
        name,
        { '.ko-sleep': String(seconds), Dockerfile: `FROM scratch\nRUN sleep ${seconds}\n` },
      ]),
    ),
  );
  const cacheDir = join(root, 'cache');
  const plan = await planFromRequest({
    components: Object.keys(LENGTHS).join(','),
    componentsFile,
    cacheDir,
  });
  const build = async (maxParallel: number, lengths?: Map<string, number>) => {
    const started = Date.now();
    const starts = new Map<string, number>();
    const result = await buildComponents({
      git: new Git(),
      plan,
      registry: { host: registry.host, namespace: 'bench', internal: 'registry.internal:5000' },
      credentials: { username: registry.username, token: registry.token },
      cacheDir,
      outputDir: tempDir('bench-build-out'),
      maxParallel,
      onProgress: (message) => {
        const [name = '', what = ''] = message.split(': ');
        if (what.startsWith('building')) starts.set(name, Date.now());
        else lengths?.set(name, (Date.now() - (starts.get(name) ?? started)) / 1000);
      },
    });
    if (result.failures.length > 0) throw new Error(JSON.stringify(result.failures));
    return (Date.now() - started) / 1000;
  };
  await build(6); // fills the source cache, as a nightly run's cache would be
  // Each build's real length alone: the sleep plus the stand-in's start-up, checkout and pushes.
  const lengths = new Map<string, number>();
  const sequential = await build(1, lengths);
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) walls.push(await build(6));
  walls.sort((a, b) => a - b);
  const alone = [...lengths.values()];
  const max = Math.max(...alone);
  const sum = alone.reduce((a, b) => a + b, 0);
  const median = walls[Math.floor(RUNS / 2)] ?? 0;
  const seconds = (n: number) => n.toFixed(2);
  console.log(
    `six builds (${[...lengths].map(([n, l]) => `${n} ${seconds(l)} s`).join(', ')} alone; sum ${seconds(sum)} s, one at a time ${seconds(sequential)} s, longest ${seconds(max)} s)`,
  );
  console.log(
    `all six at once, ${RUNS} runs: wall median ${seconds(median)} s (min ${seconds(walls[0] ?? 0)}, max ${seconds(walls[RUNS - 1] ?? 0)}), ${(((median - max) / max) * 100).toFixed(1)} % above the longest, ${(sum / median).toFixed(1)}× faster than one at a time`,
  );
} finally {
  registry.stop();
}
