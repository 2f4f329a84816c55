import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';

const DIGEST_REF = /^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$/;

export const BuiltImageSchema = z.object({
  importPath: z.string().optional(),
  env: z.string().regex(/^IMAGE_[A-Z0-9_]+$/),
  ref: z
    .string()
    .regex(DIGEST_REF, 'must be an image reference pinned by digest (host/path@sha256:<64 hex>)')
    .describe('Where it was pushed, through the external registry route.'),
  internalRef: z
    .string()
    .regex(DIGEST_REF, 'must be an image reference pinned by digest (host/path@sha256:<64 hex>)')
    .describe('The same image through the in-cluster registry address: what IMAGE_* is set to.'),
});

/** images.json: what build-components pushed, for deploy-upstream (DESIGN.md). */
export const ImagesSchema = z.object({
  schemaVersion: z.literal(1),
  registry: z.object({ external: z.string(), internal: z.string(), namespace: z.string() }),
  components: z.array(
    z.object({
      name: z.string(),
      repo: z.string(),
      ref: z.string(),
      commit: z.string(),
      images: z.array(BuiltImageSchema),
    }),
  ),
  failures: z
    .array(z.object({ component: z.string(), error: z.string() }))
    .optional()
    .describe('Components that did not build; the images of the others are still usable.'),
});
export type Images = z.infer<typeof ImagesSchema>;

export async function loadImages(file: string): Promise<Images> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new StreamstressError(
      `Cannot read the images file ${file}: ${(error as Error).message}`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Give the images.json that build-components wrote.',
      },
    );
  }
  return parseImages(data, file);
}

export function parseImages(data: unknown, source: string): Images {
  const parsed = ImagesSchema.safeParse(data);
  if (!parsed.success) {
    throw new StreamstressError(`The images file ${source} is invalid:`, {
      exitCode: ExitCode.infrastructure,
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      hint: 'Give the images.json that build-components wrote; images are deployed by digest only.',
    });
  }
  return parsed.data;
}

/**
 * One images.json from several (the artifacts of a build matrix, one component each). They
 * must have pushed to one registry, and no component or IMAGE_* variable may come twice: two
 * images claiming one variable would leave which one runs to chance.
 */
export function mergeImages(parts: { source: string; images: Images }[]): Images {
  const [first, ...rest] = parts;
  if (!first)
    throw new StreamstressError('No images to merge.', { exitCode: ExitCode.infrastructure });
  const problems: string[] = [];
  const claimed = new Map<string, string>();
  for (const { source, images } of parts) {
    const registry = images.registry;
    if (JSON.stringify(registry) !== JSON.stringify(first.images.registry))
      problems.push(
        `${source} pushed to ${registry.external}/${registry.namespace}, ${first.source} to ${first.images.registry.external}/${first.images.registry.namespace}`,
      );
    for (const component of images.components) {
      const where = `${component.name} in ${source}`;
      if (claimed.has(component.name))
        problems.push(
          `component ${component.name} is in both ${claimed.get(component.name)} and ${source}`,
        );
      claimed.set(component.name, source);
      for (const image of component.images) {
        const other = claimed.get(image.env);
        if (other) problems.push(`${image.env} is claimed by both ${other} and ${where}`);
        claimed.set(image.env, where);
      }
    }
  }
  if (problems.length > 0)
    throw new StreamstressError('The images to merge do not fit together:', {
      exitCode: ExitCode.infrastructure,
      problems,
      hint: 'Give each build-components job of the matrix its own components and the same registry.',
    });
  const failures = parts.flatMap((p) => p.images.failures ?? []);
  return {
    schemaVersion: 1,
    registry: first.images.registry,
    components: [first, ...rest].flatMap((p) => p.images.components),
    ...(failures.length > 0 ? { failures } : {}),
  };
}
