import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';
import { Git } from '../adapters/git.js';
import { defaultCacheDir } from '../plan/as-of.js';
import { planFromRequest } from '../plan/index.js';
import { INTERNAL_REGISTRY } from '../cluster/setup.js';
import { buildComponents, type BuildOptions, type BuildResult } from './build.js';

export interface BuildStageOptions {
  components: string;
  /** `host[:port]/namespace`: where images are pushed. */
  registry: string;
  componentsFile?: string;
  asOf?: string;
  cacheDir?: string;
  outputDir: string;
  /** ko's base image (`--ko-base-image`); ko's own default when absent. */
  koBaseImage?: string;
  maxParallel?: number;
  failFast?: boolean;
  username: string;
  /** Called only once the inputs have been checked: a token file, the environment, or the kubeconfig. */
  token: () => Promise<string>;
  onProgress: (message: string) => void;
  signal?: AbortSignal;
  onComponent?: BuildOptions['onComponent'];
  onCommand?: BuildOptions['onCommand'];
}

/** Splits `host[:port]/namespace`, refusing anything else. */
export function parseRegistry(text: string): { host: string; namespace: string } {
  const match = /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9][a-z0-9-]*)$/.exec(text);
  if (!match) {
    throw new StreamstressError(`--registry "${text}" is not host/namespace.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Give the registry route and the image namespace, e.g. default-route-openshift-image-registry.apps.example.com/tekton-upstream.',
    });
  }
  return { host: match[1] ?? '', namespace: match[2] ?? '' };
}

export async function readTokenFile(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new StreamstressError(
      `Cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { exitCode: ExitCode.infrastructure },
    );
  }
}

/** What `streamstress build` and build-components share: plan, build, write plan.json and images.json. */
export async function runBuildStage(options: BuildStageOptions): Promise<BuildResult> {
  const { host, namespace } = parseRegistry(options.registry);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const git = new Git();
  const plan = await planFromRequest({
    components: options.components,
    ...(options.componentsFile ? { componentsFile: options.componentsFile } : {}),
    ...(options.asOf ? { asOf: options.asOf } : {}),
    cacheDir,
    git,
  });
  const token = await options.token();
  await mkdir(options.outputDir, { recursive: true });
  await writeFile(join(options.outputDir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  return buildComponents({
    git,
    plan,
    registry: { host, namespace, internal: INTERNAL_REGISTRY },
    credentials: { username: options.username, token },
    cacheDir,
    outputDir: options.outputDir,
    ...(options.koBaseImage ? { koBaseImage: options.koBaseImage } : {}),
    ...(options.maxParallel ? { maxParallel: options.maxParallel } : {}),
    ...(options.failFast ? { failFast: true } : {}),
    onProgress: options.onProgress,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onComponent ? { onComponent: options.onComponent } : {}),
    ...(options.onCommand ? { onCommand: options.onCommand } : {}),
  });
}
