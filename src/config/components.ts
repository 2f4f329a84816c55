import { parseTomlText, readConfigFile, shippedConfigFile } from './files.js';
import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';
import { refProblem } from '../plan/refs.js';

const LABEL_SELECTOR =
  /^[A-Za-z0-9._/-]+(?:(?:=|==|!=)[A-Za-z0-9._-]*)?(?:,[A-Za-z0-9._/-]+(?:(?:=|==|!=)[A-Za-z0-9._-]*)?)*$/;

const ImageToml = z
  .strictObject({
    'import-path': z
      .string()
      .regex(/^(\.\/)?[A-Za-z0-9._~/-]+$/, 'must be a Go import path such as ./cmd/controller')
      .optional(),
    dockerfile: z.string().min(1).optional(),
    'base-image': z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'must be an image reference such as host/repo:tag')
      .optional(),
    env: z
      .string()
      .regex(/^IMAGE_[A-Z0-9_]+$/, 'must be an IMAGE_* variable name (upper case, digits, _)'),
    deployment: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a Kubernetes object name')
      .optional(),
    container: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a container name')
      .optional(),
    argument: z
      .string()
      .regex(/^--?[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be a controller flag such as -entrypoint-image')
      .optional(),
    'legacy-env': z
      .string()
      .regex(/^IMAGE_[A-Z0-9_]+$/, 'must be an IMAGE_* variable name (upper case, digits, _)')
      .optional(),
    'legacy-below-openshift': z
      .string()
      .regex(/^\d+\.\d+$/, 'must be an OpenShift version X.Y such as 4.22')
      .optional(),
  })
  .refine((i) => (i['legacy-env'] === undefined) === (i['legacy-below-openshift'] === undefined), {
    message: 'legacy-env and legacy-below-openshift go together: give both or neither',
    path: ['legacy-env'],
  });

const ComponentToml = z.strictObject({
  repo: z
    .string()
    .min(1, 'is empty')
    .refine((r) => !r.startsWith('-'), 'must not start with "-"'),
  build: z.enum(['ko', 'docker']),
  'default-ref': z.string().default('HEAD'),
  module: z
    .string()
    .regex(/^[A-Za-z0-9._~/-]+$/, 'must be a Go module path')
    .optional(),
  'installer-sets': z.strictObject({
    recycle: z.array(z.string().regex(LABEL_SELECTOR, 'must be a label selector such as a=b,c=d')),
    protect: z.array(z.string().min(1)).default([]),
  }),
  'custom-resource': z
    .strictObject({
      kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a Kind such as TektonPipeline'),
      name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a Kubernetes object name'),
      'setup-creates': z.boolean().default(false),
    })
    .optional(),
  images: z.array(ImageToml).min(1, 'lists no image'),
});

const RegistryToml = z.strictObject({
  'schema-version': z.literal(1, 'must be 1'),
  components: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'component names are lower case, digits and -'),
    ComponentToml,
  ),
});

export interface ImageSpec {
  /** ko import path, relative to the repository (`./cmd/controller`); absent for Dockerfile builds. */
  importPath?: string;
  dockerfile?: string;
  /**
   * ko's base image for this import path (ko's `baseImageOverrides`), over `--ko-base-image`:
   * streamstress never reads the upstream's own .ko.yaml, which may give one.
   */
  baseImage?: string;
  /** The operator's variable that names this image. */
  env: string;
  deployment?: string;
  /** Set when the image runs as this container... */
  container?: string;
  /** ...or when it is passed to a controller as this argument (never seen as a running image). */
  argument?: string;
  /** On clusters older than OpenShift `belowOpenShift` (X.Y) the operator reads `env` here instead. */
  legacy?: { env: string; belowOpenShift: string };
}

export interface ComponentSpec {
  name: string;
  repo: string;
  build: 'ko' | 'docker';
  defaultRef: string;
  module?: string;
  installerSets: { recycle: string[]; protect: string[] };
  /**
   * The operator's resource for the component (operator.tekton.dev/v1alpha1, cluster-scoped):
   * its Ready condition joins deploy's checks, its `status.version` is what the operator ships,
   * and with `setupCreates` the operator installs the component only when it exists, so setup
   * creates it.
   */
  customResource?: { kind: string; plural: string; name: string; setupCreates: boolean };
  images: ImageSpec[];
}

export interface ComponentRegistry {
  /** The file it came from, for messages. */
  source: string;
  components: ComponentSpec[];
}

export const DEFAULT_COMPONENTS_FILE = shippedConfigFile('components.toml');

/** Reads and validates a components file; every problem is reported at once, exit 2. */
export async function loadComponents(
  path: string = DEFAULT_COMPONENTS_FILE,
): Promise<ComponentRegistry> {
  return parseComponents(
    await readConfigFile(path, 'components', '--config (action input components-file)'),
    path,
  );
}

export function parseComponents(text: string, source: string): ComponentRegistry {
  const { data, problem } = parseTomlText(text);
  if (problem) throw invalid(source, [problem]);
  const parsed = RegistryToml.safeParse(data);
  if (!parsed.success) {
    throw invalid(
      source,
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`),
    );
  }
  const components = Object.entries(parsed.data.components).map(([name, c]) => ({
    name,
    repo: c.repo,
    build: c.build,
    defaultRef: c['default-ref'],
    ...(c.module === undefined ? {} : { module: c.module }),
    installerSets: c['installer-sets'],
    ...(c['custom-resource'] === undefined
      ? {}
      : {
          customResource: {
            kind: c['custom-resource'].kind,
            // Every operator.tekton.dev kind's plural is its lower-cased name plus "s".
            plural: `${c['custom-resource'].kind.toLowerCase()}s`,
            name: c['custom-resource'].name,
            setupCreates: c['custom-resource']['setup-creates'],
          },
        }),
    images: c.images.map((i) => ({
      ...(i['import-path'] === undefined ? {} : { importPath: i['import-path'] }),
      ...(i.dockerfile === undefined ? {} : { dockerfile: i.dockerfile }),
      ...(i['base-image'] === undefined ? {} : { baseImage: i['base-image'] }),
      env: i.env,
      ...(i.deployment === undefined ? {} : { deployment: i.deployment }),
      ...(i.container === undefined ? {} : { container: i.container }),
      ...(i.argument === undefined ? {} : { argument: i.argument }),
      ...(i['legacy-env'] === undefined || i['legacy-below-openshift'] === undefined
        ? {}
        : { legacy: { env: i['legacy-env'], belowOpenShift: i['legacy-below-openshift'] } }),
    })),
  }));
  const problems = consistencyProblems(components);
  if (problems.length > 0) throw invalid(source, problems);
  if (components.length === 0) throw invalid(source, ['components: the file defines no component']);
  return { source, components };
}

/** Rules across fields and components that a per-field schema cannot express. */
function consistencyProblems(components: ComponentSpec[]): string[] {
  const problems: string[] = [];
  const envOwner = new Map<string, string>();
  for (const c of components) {
    const at = `components.${c.name}`;
    const refIssue = refProblem(c.defaultRef);
    if (refIssue) problems.push(`${at}.default-ref: ${refIssue}`);
    if (c.build === 'docker' && c.images.length !== 1)
      problems.push(
        `${at}.images: a docker build produces exactly one image, found ${c.images.length}`,
      );
    const importPaths = new Set<string>();
    c.images.forEach((image, index) => {
      const here = `${at}.images[${index}]`;
      if (c.build === 'ko' && !image.importPath)
        problems.push(`${here}.import-path: required for a ko build`);
      if (c.build === 'ko' && image.dockerfile)
        problems.push(`${here}.dockerfile: only a docker build has a Dockerfile`);
      if (c.build === 'docker' && image.importPath)
        problems.push(`${here}.import-path: a docker build has no import path`);
      if (c.build === 'docker' && image.baseImage)
        problems.push(`${here}.base-image: a docker build's base image is in its Dockerfile`);
      if (image.importPath) {
        if (importPaths.has(image.importPath))
          problems.push(`${here}.import-path: ${image.importPath} is listed twice`);
        importPaths.add(image.importPath);
      }
      if ((image.container === undefined) === (image.argument === undefined)) {
        problems.push(
          `${here}: give exactly one of container (the image runs as a container) or argument (it is passed to a controller)`,
        );
      }
      for (const [key, env] of [
        ['env', image.env],
        ['legacy-env', image.legacy?.env],
      ] as const) {
        if (env === undefined) continue;
        const owner = envOwner.get(env);
        if (owner) problems.push(`${here}.${key}: ${env} is already used by ${owner}`);
        else envOwner.set(env, `${here}.${key}`);
      }
    });
  }
  return problems;
}

function invalid(source: string, problems: string[]): StreamstressError {
  return new StreamstressError(`The components file ${source} is invalid:`, {
    exitCode: ExitCode.infrastructure,
    problems,
    hint: 'Fix the keys named above; config/components.toml in streamstress shows every key with the upstream values.',
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, key) =>
        typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
      '',
    ) || '(top level)'
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
}
