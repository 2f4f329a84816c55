// npm run demo: a rehearsal of streamstress on a simulated cluster. It starts the testbed (a real
// kube-apiserver with OpenShift, OLM and Tekton stand-ins), Debian's docker-registry on
// loopback, local upstream repositories and the rehearsal's release-tests (a Gauge project with
// Go steps that check the testbed, test/rehearsal/release-tests), and runs `streamstress run`
// (the CLI bundle, the same code paths a real cluster gets) with the real Gauge three times —
// all passing; an upstream commit that changes a default the controller image ships, which a
// step reading that file out of the deployed image finds; its fix — publishing each run into a
// local gh-pages repository, and serves the dashboard. No outcome is scripted. Everything it
// started is stopped when it ends or is interrupted.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/cli.js';
import { goTools, realToolsDir } from '../test/helpers/tools.js';
import { gaugeEnvironment, releaseTestsFiles } from '../test/rehearsal/project.js';
import {
  pushBaseImage,
  registryFlags,
  startRegistry,
  type TestRegistry,
} from '../test/helpers/registry.js';
import { serveFolder } from '../test/helpers/static-server.js';
import { createRepository, createShippedUpstreams, tempDir } from '../test/helpers/upstreams.js';
import { startControllers } from '../test/testbed/controllers.js';
import { removeTestbedDir, startTestbed, type Testbed } from '../test/testbed/testbed.js';

const OUT = join(ROOT, 'demo-output');
const serve = !process.argv.includes('--no-serve') && process.stdin.isTTY && !process.env.CI;
const say = (text: string) => console.log(`\n== ${text}`);

// Debian packages the rehearsal needs besides those build-kubernetes.sh and install-go-tools.sh install themselves.
const PROGRAMS: Record<string, string> = {
  git: 'git',
  'docker-registry': 'docker-registry',
  htpasswd: 'apache2-utils',
};

function installMissingPrograms(): void {
  const missing = Object.entries(PROGRAMS)
    .filter(([program]) => spawnSync('which', [program]).status !== 0)
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  const apt = (...args: string[]) =>
    execFileSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  say(`installing Debian packages: ${missing.join(' ')}`);
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

/** A new commit on the default branch of a bare repository (as an upstream merge would be). */
function pushCommit(bare: string, file: string, content: string, message: string): void {
  const work = tempDir('demo-commit');
  execFileSync('git', ['clone', '--quiet', bare, work]);
  mkdirSync(join(work, file, '..'), { recursive: true });
  writeFileSync(join(work, file), content);
  git(work, 'add', file);
  git(
    work,
    '-c',
    'user.name=upstream',
    '-c',
    'user.email=upstream@example.invalid',
    'commit',
    '--quiet',
    '-m',
    message,
  );
  git(work, 'push', '--quiet', 'origin', 'HEAD');
  rmSync(work, { recursive: true, force: true });
}

// The pipelines controller's default feature flags, in kodata/ of its main package: ko puts
// them at /var/run/ko in the image, where a step of the rehearsal's release-tests reads them.
const FEATURE_FLAGS = 'cmd/controller/kodata/feature-flags.yaml';
const featureFlags = (apiFields: string) =>
  `# Defaults of the feature-flags ConfigMap.\nenable-api-fields: "${apiFields}"\nkeep-pod-on-cancel: "false"\n`;

let testbed: Testbed | undefined;
let controllers: { stop(): Promise<void> } | undefined;
let registry: TestRegistry | undefined;
let site: { url: string; stop(): Promise<void> } | undefined;
let work: string | undefined;
let current: ChildProcess | undefined;

// Ctrl-C or a termination: the run in progress is stopped as streamstress stops (results
// written, marked incomplete), then everything the rehearsal started is cleaned up.
let interrupted = false;
const stopped = new Promise<void>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      interrupted = true;
      current?.kill('SIGTERM');
      resolve();
    });
});

async function cleanUp(): Promise<void> {
  await site?.stop();
  registry?.stop();
  await controllers?.stop();
  await testbed?.stop();
  if (testbed) removeTestbedDir(testbed.dir);
  if (work) rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<number> {
  console.log(
    'streamstress rehearsal: a SIMULATED cluster (a real Kubernetes API server with OpenShift, OLM\n' +
      'and Tekton stand-ins), a loopback registry and local upstream repositories; the real Gauge\n' +
      'runs a small release-tests whose Go steps check the testbed. Nothing here touches a real\n' +
      'cluster, and no test outcome is scripted.',
  );
  installMissingPrograms();
  say('tools (built once per machine from the Go module proxy)');
  const tools = await goTools();
  // The real ko and gauge first on PATH, Go's caches outside the checkout.
  const gauge = await gaugeEnvironment(`${await realToolsDir('ko')}:${process.env.PATH}`);
  for (const [tool, args] of [
    ['ko', ['version']],
    ['gauge', ['version']],
  ] as const)
    console.log(
      `$ ${tool} ${args.join(' ')}\n${execFileSync(join(tools.bin, tool), args, { encoding: 'utf8', env: { ...process.env, ...gauge } }).trim()}`,
    );
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  work = tempDir('demo');

  say(
    'starting the testbed (the first start on a machine builds Kubernetes once, about 10 minutes)',
  );
  const started = Date.now();
  testbed = await startTestbed();
  controllers = startControllers(testbed.admin);
  console.log(
    `API server at ${testbed.server}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  registry = await startRegistry();
  console.log(`registry at ${registry.host}`);
  // ko's base image, in the loopback registry since ko's default cannot be fetched here.
  const baseImage = await pushBaseImage(registry);
  const { upstreams, config } = await createShippedUpstreams(work, { pipeline: {}, triggers: {} });
  // The controller ships its feature flags from the start (main, as the upstream has it).
  pushCommit(
    upstreams.pipeline!.bare,
    FEATURE_FLAGS,
    featureFlags('stable'),
    'config: ship the default feature flags',
  );
  const releaseTests = createRepository(work, 'release-tests', releaseTestsFiles());
  const siteRepo = join(OUT, 'site.git');
  execFileSync('git', ['init', '--quiet', '--bare', siteRepo]);
  const tokenFile = join(work, 'registry-token');
  writeFileSync(tokenFile, registry.token, { mode: 0o600 });

  const runs = [
    { label: 'rehearsal 1: pipeline and triggers at main', expect: 0, before: () => undefined },
    {
      label: 'rehearsal 2: an upstream change turns on alpha API fields by default',
      expect: 1,
      before: () =>
        pushCommit(
          upstreams.pipeline!.bare,
          FEATURE_FLAGS,
          featureFlags('alpha'),
          'config: enable alpha API fields by default',
        ),
    },
    {
      label: 'rehearsal 3: the fix',
      expect: 0,
      before: () =>
        pushCommit(
          upstreams.pipeline!.bare,
          FEATURE_FLAGS,
          featureFlags('stable'),
          'config: back to stable API fields by default',
        ),
    },
  ];
  for (const [i, run] of runs.entries()) {
    run.before();
    say(`streamstress run — ${run.label}`);
    const args = [
      join(ROOT, 'dist', 'cli', 'index.js'),
      '--kubeconfig',
      testbed.adminKubeconfig,
      '--config',
      config,
      'run',
      '--components',
      'pipeline,triggers',
      ...registryFlags(registry, tokenFile),
      '--ko-base-image',
      baseImage,
      '--release-tests-repo',
      releaseTests.url,
      '--cache-dir',
      join(work, 'cache'),
      '--output-dir',
      join(OUT, 'runs', String(i + 1)),
      '--label',
      run.label,
      '--publish',
      siteRepo,
      ...(i === runs.length - 1 ? ['--restore-after'] : []),
    ];
    console.log(`$ streamstress ${args.slice(1).join(' ')}`);
    const child = (current = spawn(process.execPath, args, {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...gauge,
        // What the release-tests step that reads files out of images needs (pkg/oci).
        REHEARSAL_REGISTRY: `http://${registry.host}`,
        REHEARSAL_REGISTRY_USER: registry.username,
        REHEARSAL_REGISTRY_PASSWORD: registry.token,
      },
    }));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    current = undefined;
    if (interrupted) return 130;
    console.log(`exit code ${code} (expected ${run.expect})`);
    if (code !== run.expect) return 1;
  }

  const siteDir = join(OUT, 'site');
  execFileSync('git', ['clone', '--quiet', '--branch', 'gh-pages', siteRepo, siteDir]);
  say('done');
  console.log(`Every run's records: ${join(OUT, 'runs')}`);
  console.log(`The dashboard site (gh-pages of ${siteRepo}): ${siteDir}`);
  if (!serve) {
    console.log('Run npm run demo in a terminal to have the dashboard served.');
    return 0;
  }
  site = await serveFolder(siteDir);
  console.log(
    `\nDashboard: ${site.url}  (a rehearsal on a simulated cluster) — Ctrl-C to stop and clean up`,
  );
  await stopped;
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`The rehearsal failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
