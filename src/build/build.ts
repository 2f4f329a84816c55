import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { runProgram, type RunProgram } from '../adapters/exec.js';
import type { Plan, PlannedComponent } from '../plan/plan.js';
import type { Images } from './images.js';
import { containerCommands, digestFromDockerPush, findContainerTool } from './container.js';
import { manifestExists, registryBaseUrl, writeDockerConfig } from './registry.js';
import { goModule, imageRepository } from './lookup.js';
import {
  koEnvironment,
  fullImportPath,
  kodataOutsideTree,
  koFailure,
  koImageName,
  matchKoReferences,
  treeModule,
  writeKoConfig,
} from './ko.js';
import { checkoutPlanned } from './sources.js';

export interface BuildOptions {
  git: Git;
  plan: Plan;
  /** The registry route as pushed to (`host[:port]`) and the namespace images go under. */
  registry: { host: string; namespace: string; internal: string };
  credentials: { username: string; token: string };
  cacheDir: string;
  outputDir: string;
  /** ko's base image; ko's own default when absent. */
  koBaseImage?: string;
  maxParallel?: number;
  failFast?: boolean;
  run?: RunProgram;
  /** Aborted when the run is cancelled: builds not started yet are not started. */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Each component's state as it changes, for a live display. */
  onComponent?: (component: string, state: ComponentBuildState, detail?: string) => void;
  /** Every command a build runs, as shown in its log (`--verbose`). */
  onCommand?: (component: string, command: string) => void;
}

export type ComponentBuildState = 'queued' | 'building' | 'built' | 'failed' | 'skipped';

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
  const state = options.onComponent ?? (() => undefined);
  let stop = false;
  try {
    const queue = [...options.plan.components];
    for (const component of queue) state(component.name, 'queued');
    const worker = async () => {
      for (let component = queue.shift(); component; component = queue.shift()) {
        if (stop || options.signal?.aborted) {
          const error = options.signal?.aborted
            ? 'not built: the run was cancelled'
            : 'not built: an earlier build failed and fail-fast is on';
          failures.push({ component: component.name, error });
          state(component.name, 'skipped', error);
          continue;
        }
        const started = Date.now();
        state(component.name, 'building', component.commit.slice(0, 12));
        progress(`${component.name}: building ${component.commit.slice(0, 12)}`);
        try {
          built.push(
            await buildOne(component, {
              ...options,
              run,
              dockerConfig: docker.dir,
              log: buildLogFile(options.outputDir, component.name),
            }),
          );
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          state(component.name, 'built', `${seconds} s`);
          progress(`${component.name}: built in ${seconds} s`);
        } catch (error) {
          const message =
            error instanceof StreamstressError ? error.message : (error as Error).message;
          failures.push({ component: component.name, error: message });
          state(component.name, 'failed', message);
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

/** Where a component's build output is logged, live. */
export function buildLogFile(outputDir: string, component: string): string {
  return join(outputDir, 'logs', `build-${component}.log`);
}

interface BuildContext extends BuildOptions {
  run: RunProgram;
  dockerConfig: string;
  log: string;
}

async function buildOne(
  component: PlannedComponent,
  options: BuildContext,
): Promise<Images['components'][number]> {
  const tree = await checkoutPlanned(options.git, component, {
    cacheDir: options.cacheDir,
    workspace: join(options.cacheDir, 'workspace'),
  });
  const log = createWriteStream(options.log);
  let refs: string[];
  try {
    refs =
      component.build === 'ko'
        ? await koBuild(component, tree, options, log)
        : await containerBuild(component, tree, options, log);
  } finally {
    await new Promise((resolve) => log.end(resolve));
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

/** Runs one build step with its output streamed into the component's log as it arrives. */
async function logged(
  component: PlannedComponent,
  options: BuildContext,
  log: WriteStream,
  step: {
    file: string;
    args: string[];
    cwd: string;
    env: Record<string, string>;
    /** false: `env` is the whole environment. */
    inheritEnv?: boolean;
    shown: string;
    /** What went wrong, read from the output of a failed run; else its last error line. */
    failure?: (output: string) => string | undefined;
  },
) {
  log.write(`$ ${step.shown}\n`);
  options.onCommand?.(component.name, step.shown);
  const result = await options.run(step.file, step.args, {
    cwd: step.cwd,
    env: step.env,
    ...(step.inheritEnv === false ? { inheritEnv: false } : {}),
    onOutput: (chunk) => log.write(chunk),
  });
  // @actions/exec gives null, not a number, for a program a signal ended (killed, crashed).
  const ended =
    typeof result.exitCode === 'number' ? `exited ${result.exitCode}` : 'was ended by a signal';
  log.write(`(${ended})\n`);
  if (result.exitCode !== 0) {
    // The last error line says what went wrong; progress lines around it do not.
    const output = `${result.stdout}\n${result.stderr}`;
    const lines = output.split('\n').filter((l) => l.trim());
    const last =
      step.failure?.(output) ??
      lines.findLast((l) => /error/i.test(l)) ??
      lines.at(-1) ??
      '(no output)';
    throw new StreamstressError(
      `${component.name}: ${step.file} ${ended}: ${last} (log: ${options.log})`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  return result;
}

/**
 * One `ko build` for all the component's import paths, with the configuration streamstress
 * wrote (never the tree's `.ko.yaml`) and an environment of its own (see koEnvironment).
 */
async function koBuild(
  component: PlannedComponent,
  tree: string,
  options: BuildContext,
  log: WriteStream,
): Promise<string[]> {
  const importPaths = component.images.map((i) => i.importPath ?? '');
  const repository = `${options.registry.host}/${options.registry.namespace}`;
  const args = [
    'build',
    '--sbom=none',
    `--tags=${component.commit.slice(0, 12)},latest`,
    ...new Set(importPaths),
  ];
  const outside = await kodataOutsideTree(tree, importPaths);
  if (outside.length > 0) {
    // A failed build is reported by its message alone: everything goes into it.
    throw new StreamstressError(
      `${component.name}: not built: ${outside.map((o) => `${o.entry} links to ${o.target}`).join(', ')}, outside the repository; ko would copy it into the image.`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  // ko names images, and matches baseImageOverrides, by the module the tree declares.
  const module = (await treeModule(tree)) ?? goModule(component);
  // Next to the credentials, in the same private directory, removed with it.
  const koConfig = await writeKoConfig(
    join(options.dockerConfig, `ko-${component.name}.yaml`),
    options.koBaseImage,
    new Map(
      component.images.flatMap((i) =>
        i.importPath && i.baseImage ? [[fullImportPath(module, i.importPath), i.baseImage]] : [],
      ),
    ),
  );
  const set = {
    KO_DOCKER_REPO: repository,
    KO_CONFIG_PATH: koConfig,
    GOFLAGS: '-mod=vendor',
    DOCKER_CONFIG: options.dockerConfig,
  };
  const result = await logged(component, options, log, {
    file: 'ko',
    args,
    cwd: tree,
    env: koEnvironment(process.env, set, options.koBaseImage !== undefined),
    inheritEnv: false,
    failure: koFailure,
    shown: `KO_DOCKER_REPO=${repository} KO_CONFIG_PATH=${koConfig} GOFLAGS=-mod=vendor ko ${args.join(' ')}`,
  });
  const names = new Map(importPaths.map((p) => [p, koImageName(module, p)]));
  const { refs, missing } = matchKoReferences(result.stdout, repository, names);
  if (missing.length > 0) {
    throw new StreamstressError(
      `${component.name}: ko printed no image reference for ${missing.join(', ')} (expected ${missing
        .map((p) => `${repository}/${names.get(p) ?? ''}@sha256:…`)
        .join(', ')}; log: ${options.log}).`,
      { exitCode: ExitCode.infrastructure },
    );
  }
  return importPaths.map((p) => refs.get(p) ?? '');
}

/** A Dockerfile build with podman, docker or buildah, pushed under the commit and `latest`. */
async function containerBuild(
  component: PlannedComponent,
  tree: string,
  options: BuildContext,
  log: WriteStream,
): Promise<string[]> {
  const tool = await findContainerTool(options.run);
  if (!tool) {
    throw new StreamstressError(
      `${component.name}: building it needs podman, docker or buildah, and none is on PATH.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Install podman (or docker), or leave this component out of --components.',
      },
    );
  }
  const repository = `${options.registry.host}/${options.registry.namespace}/${imageRepository(component, undefined)}`;
  const refs: string[] = [];
  for (const image of component.images) {
    const digestFile = join(options.dockerConfig, `${component.name}.digest`);
    const commands = containerCommands(tool.name, {
      dockerfile: image.dockerfile ?? 'Dockerfile',
      context: '.',
      tags: [`${repository}:${component.commit.slice(0, 12)}`, `${repository}:latest`],
      digestFile,
      tls: registryBaseUrl(options.registry.host).startsWith('https:'),
    });
    // podman and buildah read REGISTRY_AUTH_FILE, docker reads DOCKER_CONFIG: the same file.
    const env = {
      DOCKER_CONFIG: options.dockerConfig,
      REGISTRY_AUTH_FILE: join(options.dockerConfig, 'config.json'),
    };
    const step = (args: string[]) => ({
      file: tool.name,
      args,
      cwd: tree,
      env,
      shown: `${tool.name} ${args.join(' ')}`,
    });
    await logged(component, options, log, step(commands.build));
    let digest: string | undefined;
    for (const [index, push] of commands.push.entries()) {
      const result = await logged(component, options, log, step(push));
      if (index > 0) continue;
      digest =
        tool.name === 'docker'
          ? digestFromDockerPush(result.stdout)
          : (await readFile(digestFile, 'utf8').catch(() => '')).trim();
    }
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new StreamstressError(
        `${component.name}: ${tool.name} push did not report the pushed digest (log: ${options.log}).`,
        { exitCode: ExitCode.infrastructure },
      );
    }
    refs.push(`${repository}@${digest}`);
  }
  return refs;
}
