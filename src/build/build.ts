import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { runProgram, type RunProgram } from '../adapters/exec.js';
import type { Plan, PlannedComponent } from '../plan/plan.js';
import type { Images } from './images.js';
import { manifestExists, writeDockerConfig } from './registry.js';
import { checkoutPlanned } from './sources.js';

export interface BuildOptions {
  git: Git;
  plan: Plan;
  /** The registry route as pushed to (`host[:port]`) and the namespace images go under. */
  registry: { host: string; namespace: string; internal: string };
  credentials: { username: string; token: string };
  cacheDir: string;
  outputDir: string;
  maxParallel?: number;
  failFast?: boolean;
  run?: RunProgram;
  onProgress?: (message: string) => void;
}

export interface BuildFailure {
  component: string;
  error: string;
}

export interface BuildResult {
  images: Images;
  failures: BuildFailure[];
  file: string;
}

/**
 * Builds every planned component from exactly its planned commit, at most `maxParallel` at a
 * time, pushes by digest and checks every digest in the registry. A failed component does not
 * lose the others' images; with `failFast`, components not started yet are skipped.
 */
export async function buildComponents(options: BuildOptions): Promise<BuildResult> {
  const run = options.run ?? runProgram;
  const progress = options.onProgress ?? (() => undefined);
  const logs = join(options.outputDir, 'logs');
  await mkdir(logs, { recursive: true });
  const docker = await writeDockerConfig(
    options.registry.host,
    options.credentials.username,
    options.credentials.token,
  );
  const built: Images['components'] = [];
  const failures: BuildFailure[] = [];
  let stop = false;
  try {
    const queue = [...options.plan.components];
    const worker = async () => {
      for (let component = queue.shift(); component; component = queue.shift()) {
        if (stop) {
          failures.push({
            component: component.name,
            error: 'not built: an earlier build failed and fail-fast is on',
          });
          continue;
        }
        const started = Date.now();
        progress(`${component.name}: building ${component.commit.slice(0, 12)}`);
        try {
          built.push(
            await buildOne(component, {
              ...options,
              run,
              dockerConfig: docker.dir,
              log: join(logs, `build-${component.name}.log`),
            }),
          );
          progress(`${component.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        } catch (error) {
          const message =
            error instanceof StreamstressError ? error.message : (error as Error).message;
          failures.push({ component: component.name, error: message });
          progress(`${component.name}: failed: ${message}`);
          if (options.failFast) stop = true;
        }
      }
    };
    const width = Math.max(
      1,
      Math.min(options.maxParallel ?? cpus().length, options.plan.components.length),
    );
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    await docker.remove();
  }
  const order = options.plan.components.map((c) => c.name);
  built.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const images: Images = {
    schemaVersion: 1,
    registry: {
      external: options.registry.host,
      internal: options.registry.internal,
      namespace: options.registry.namespace,
    },
    components: built,
  };
  const file = join(options.outputDir, 'images.json');
  await writeFile(file, `${JSON.stringify({ ...images, failures }, null, 2)}\n`);
  return { images, failures, file };
}

async function buildOne(
  component: PlannedComponent,
  options: BuildOptions & { run: RunProgram; dockerConfig: string; log: string },
): Promise<Images['components'][number]> {
  if (component.build !== 'ko')
    throw new StreamstressError(
      `${component.name}: ${component.build} builds are not supported yet.`,
      { exitCode: ExitCode.infrastructure },
    );
  const tree = await checkoutPlanned(options.git, component, {
    cacheDir: options.cacheDir,
    workspace: join(options.cacheDir, 'workspace'),
  });
  const importPaths = component.images.map((i) => i.importPath ?? '');
  const repository = `${options.registry.host}/${options.registry.namespace}`;
  const args = [
    'build',
    '--sbom=none',
    `--tags=${component.commit.slice(0, 12)},latest`,
    ...importPaths,
  ];
  const result = await options.run('ko', args, {
    cwd: tree,
    env: {
      KO_DOCKER_REPO: repository,
      GOFLAGS: '-mod=vendor',
      DOCKER_CONFIG: options.dockerConfig,
    },
  });
  const log = createWriteStream(options.log);
  log.write(
    `$ KO_DOCKER_REPO=${repository} GOFLAGS=-mod=vendor ko ${args.join(' ')}\n${result.stderr}${result.stdout}\n(exit ${result.exitCode})\n`,
  );
  log.end();
  if (result.exitCode !== 0) {
    const last = result.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new StreamstressError(
      `${component.name}: ko exited ${result.exitCode}: ${last} (log: ${options.log})`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  // ko prints one reference per import path, in order.
  const refs = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /@sha256:[0-9a-f]{64}$/.test(l));
  if (refs.length !== importPaths.length) {
    throw new StreamstressError(
      `${component.name}: ko printed ${refs.length} image references for ${importPaths.length} import paths (log: ${options.log}).`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  const images = component.images.map((image, index) => {
    const ref = refs[index] ?? '';
    return {
      ...(image.importPath ? { importPath: image.importPath } : {}),
      env: image.env,
      ref,
      internalRef: `${options.registry.internal}${ref.slice(options.registry.host.length)}`,
    };
  });
  for (const image of images) {
    if (!(await manifestExists(image.ref, options.credentials))) {
      throw new StreamstressError(
        `${component.name}: ${image.ref} is not in the registry after the push.`,
        { exitCode: ExitCode.infrastructure },
      );
    }
  }
  return {
    name: component.name,
    repo: component.repo,
    ref: component.ref,
    commit: component.commit,
    images,
  };
}
