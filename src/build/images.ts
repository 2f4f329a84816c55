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
