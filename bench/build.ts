// npm run bench (third part): six components built at once — five with the real ko (their
// local upstreams' Go programs, on a minimal base image in the registry), the console plugin
// with the podman stand-in (no podman here) sleeping a known length — pushing to Debian's
// docker-registry on loopback. Parallel builds should take about as long as the longest one,
// not the sum of all, as far as the machine's cores allow.
import { join } from 'node:path';
import { Git } from '../src/adapters/git.js';
import { buildComponents } from '../src/build/build.js';
import { planFromRequest } from '../src/plan/index.js';
import { ROOT } from '../test/helpers/cli.js';
import { pushBaseImage, startRegistry } from '../test/helpers/registry.js';
import { goTools } from '../test/helpers/tools.js';
import { createShippedUpstreams, tempDir } from '../test/helpers/upstreams.js';

const RUNS = 3;
const COMPONENTS = ['pipeline', 'triggers', 'chains', 'results', 'manual-approval-gate'];
// Seconds the console plugin's stand-in build sleeps, on top of its start-up and push.
const PLUGIN_SECONDS = 4;
// The real ko and crane first, then the podman stand-in.
process.env.PATH = `${(await goTools()).bin}:${join(ROOT, 'test', 'stand-ins')}:${process.env.PATH}`;
const registry = await startRegistry();
try {
  const koBaseImage = await pushBaseImage(registry);
  const root = tempDir('bench-build');
  const { config: componentsFile } = await createShippedUpstreams(root, {
    ...Object.fromEntries(COMPONENTS.map((name) => [name, {}])),
    'console-plugin': { Dockerfile: `FROM scratch\nRUN sleep ${PLUGIN_SECONDS}\n` },
  });
  const cacheDir = join(root, 'cache');
  const plan = await planFromRequest({
    components: [...COMPONENTS, 'console-plugin'].join(','),
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
      koBaseImage,
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
  // Fills the source cache and Go's build cache, as a nightly run's caches would be.
  await build(6);
  // Each build's length alone: checkout, ko (go build of each command, image, pushes; the
  // images are the same as the first build's, so no layer is pushed again) or the stand-in's
  // sleep and push, and the digest checks.
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
