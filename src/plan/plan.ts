import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import type { ComponentRegistry, ComponentSpec } from '../config/components.js';
import { classifyRef, type RefRequest } from './refs.js';
import { resolveRef, type ResolvedRef } from './resolve.js';
import { lastCommitAsOf, parseAsOf } from './as-of.js';
import type { ComponentRequest } from './spec.js';

const Sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);

export const PlannedImageSchema = z.object({
  importPath: z.string().optional(),
  dockerfile: z.string().optional(),
  baseImage: z
    .string()
    .optional()
    .describe("ko's base image for this import path (components.toml base-image)."),
  env: z.string(),
  deployment: z.string().optional(),
  container: z.string().optional(),
  argument: z.string().optional(),
});

export const PlannedComponentSchema = z.object({
  name: z.string(),
  repo: z.string(),
  build: z.enum(['ko', 'docker']),
  requested: z
    .string()
    .describe('What the user asked for (or the configured default), as written.'),
  ref: z
    .string()
    .describe('The full ref it resolved to (refs/tags/v0.62.0), or the SHA when a SHA was given.'),
  refKind: z.enum(['branch', 'tag', 'pull-request', 'commit', 'ref']),
  commit: Sha.describe('The commit that will be built.'),
  asOf: z
    .string()
    .optional()
    .describe('Set when --as-of chose the commit: the last commit of ref before this day (UTC).'),
  images: z.array(PlannedImageSchema),
});

export const PlanSchema = z.object({
  schemaVersion: z.literal(1),
  createdAt: z.string().describe('When the plan was made (ISO 8601).'),
  asOf: z.string().optional(),
  componentsFile: z.string(),
  components: z.array(PlannedComponentSchema),
});

export type Plan = z.infer<typeof PlanSchema>;
export type PlannedComponent = z.infer<typeof PlannedComponentSchema>;

export interface PlanOptions {
  git: Git;
  registry: ComponentRegistry;
  requests: readonly ComponentRequest[];
  /** YYYY-MM-DD: build each branch as it stood at the start of that day (UTC). */
  asOf?: string;
  cacheDir: string;
  now?: () => Date;
}

/**
 * Resolves every requested component to the exact commit that will be built. All components
 * are resolved concurrently and every failure is reported together.
 */
export async function createPlan(options: PlanOptions): Promise<Plan> {
  const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
  const settled = await Promise.allSettled(
    options.requests.map(async (request) => {
      const spec = options.registry.components.find((c) => c.name === request.name);
      if (!spec)
        throw new StreamstressError(`Unknown component ${request.name}.`, {
          exitCode: ExitCode.infrastructure,
        });
      return planComponent(options, spec, request, asOf).catch((error: unknown) => {
        throw namingComponent(spec.name, error);
      });
    }),
  );
  const failures = settled
    .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    .map((s) => s.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new StreamstressError(`${failures.length} components could not be resolved:`, {
      exitCode: ExitCode.infrastructure,
      problems: failures.map((f) =>
        f instanceof StreamstressError
          ? [f.message, f.hint].filter(Boolean).join('\n    ')
          : String(f),
      ),
    });
  }
  return {
    schemaVersion: 1,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    ...(asOf ? { asOf: asOf.date } : {}),
    componentsFile: options.registry.source,
    components: settled.map((s) => (s as PromiseFulfilledResult<PlannedComponent>).value),
  };
}

/** Errors from git name a URL; the person also needs to know which component it was. */
function namingComponent(name: string, error: unknown): unknown {
  if (!(error instanceof StreamstressError) || error.message.startsWith(`${name}:`)) return error;
  return new StreamstressError(`${name}: ${error.message}`, {
    exitCode: error.exitCode,
    problems: error.problems,
    ...(error.hint ? { hint: error.hint } : {}),
    cause: error,
  });
}

async function planComponent(
  options: PlanOptions,
  spec: ComponentSpec,
  request: ComponentRequest,
  asOf: ReturnType<typeof parseAsOf> | undefined,
): Promise<PlannedComponent> {
  const requested = request.ref ?? spec.defaultRef;
  const refRequest: RefRequest = classifyRef(requested);
  let resolved: ResolvedRef = await resolveRef(options.git, spec.name, spec.repo, refRequest);
  if (asOf) {
    if (resolved.kind !== 'branch') {
      throw new StreamstressError(
        `${spec.name}: --as-of picks a commit on a branch, but ${requested} is a ${resolved.kind}.`,
        {
          exitCode: ExitCode.infrastructure,
          hint: `Leave the ref out (the default branch is used) or name a branch, e.g. ${spec.name}:main.`,
        },
      );
    }
    const commit = await lastCommitAsOf(options.git, {
      cacheDir: options.cacheDir,
      component: spec.name,
      repo: spec.repo,
      branch: resolved.ref,
      ...asOf,
    });
    resolved = { ...resolved, commit };
  }
  return {
    name: spec.name,
    repo: spec.repo,
    build: spec.build,
    requested,
    ref: resolved.ref,
    refKind: resolved.kind,
    commit: resolved.commit,
    ...(asOf ? { asOf: asOf.date } : {}),
    images: spec.images,
  };
}
