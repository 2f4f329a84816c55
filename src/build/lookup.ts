import { ExitCode, StreamstressError } from '../errors.js';
import type { ComponentRegistry, ComponentSpec } from '../config/components.js';
import { parseComponentSpecs } from '../plan/spec.js';
import type { Images } from './images.js';
import { koImageName } from './ko.js';
import { tagDigest } from './registry.js';

/** The Go module a component's import paths live in: as configured, else its repository path. */
export function goModule(component: Pick<ComponentSpec, 'repo' | 'module'>): string {
  return component.module ?? component.repo.replace(/^https?:\/\//, '').replace(/\.git$/, '');
}

/**
 * The repository each image is pushed to under `host/namespace`: ko's default naming
 * (`<last element>-<md5 of the full import path>`, see koImageName) for ko builds, the
 * component's name for Dockerfile builds.
 */
export function imageRepository(
  component: Pick<ComponentSpec, 'name' | 'build' | 'repo' | 'module'>,
  importPath: string | undefined,
): string {
  if (component.build !== 'ko' || importPath === undefined) return component.name;
  return koImageName(goModule(component), importPath);
}

/**
 * The seed's `deploy --registry HOST/NAMESPACE --component …` form: finds each image of the
 * named components in the registry under a tag (`latest`, or `name:TAG` — builds tag every
 * image with its 12-character commit too) and pins it by digest, as images.json would.
 * Every image that is not there is reported at once.
 */
export async function imagesFromRegistry(options: {
  components: string;
  registry: { host: string; namespace: string; internal: string };
  config: ComponentRegistry;
  credentials: { username: string; token: string };
}): Promise<Images> {
  const requests = parseComponentSpecs(options.components, options.config);
  const problems: string[] = [];
  const components: Images['components'] = [];
  for (const request of requests) {
    const spec = options.config.components.find((c) => c.name === request.name);
    if (!spec) continue;
    const tag = request.ref ?? 'latest';
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
      problems.push(`${spec.name}: "${tag}" is not a registry tag`);
      continue;
    }
    const images: Images['components'][number]['images'] = [];
    for (const image of spec.images) {
      const path = `${options.registry.namespace}/${imageRepository(spec, image.importPath)}`;
      const digest = await tagDigest(
        `${options.registry.host}/${path}:${tag}`,
        options.credentials,
      );
      if (!digest) {
        problems.push(
          `${spec.name}: ${image.env}: ${options.registry.host}/${path}:${tag} is not in the registry`,
        );
        continue;
      }
      images.push({
        ...(image.importPath ? { importPath: image.importPath } : {}),
        env: image.env,
        ref: `${options.registry.host}/${path}@${digest}`,
        internalRef: `${options.registry.internal}/${path}@${digest}`,
      });
    }
    // The commit is known only when the tag is one: builds tag with the commit's first 12.
    const commit = /^[0-9a-f]{12}$/.test(tag) ? tag : '';
    components.push({
      name: spec.name,
      repo: spec.repo,
      ref: `registry tag ${tag}`,
      commit,
      images,
    });
  }
  if (problems.length > 0) {
    throw new StreamstressError('Some images are not in the registry:', {
      exitCode: ExitCode.infrastructure,
      problems,
      hint: 'Build them first (streamstress build --component … --registry HOST/NAMESPACE), or deploy the images.json a build wrote with --images.',
    });
  }
  return {
    schemaVersion: 1,
    registry: {
      external: options.registry.host,
      internal: options.registry.internal,
      namespace: options.registry.namespace,
    },
    components,
  };
}
