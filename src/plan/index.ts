import { Git } from '../adapters/git.js';
import { loadComponents, type ComponentSpec } from '../config/components.js';
import { defaultCacheDir, parseAsOf } from './as-of.js';
import { createPlan, type Plan } from './plan.js';
import { parseComponentSpecs } from './spec.js';

export { PlanSchema, type Plan, type PlannedComponent } from './plan.js';
export { planRows, planTable } from './render.js';

export interface PlanRequest {
  /** The `--components` text / `components` input. */
  components: string;
  /** A components file; the built-in config/components.toml when absent. */
  componentsFile?: string;
  asOf?: string;
  cacheDir?: string;
  git?: Git;
}

/**
 * What the CLI and the build-components action share: load the registry, check every input,
 * then resolve refs. Everything that can be refused without the network is refused first.
 */
/** The request's mistakes (components file, component specs, --as-of), found offline. */
export async function checkPlanRequest(request: PlanRequest) {
  const registry = await loadComponents(request.componentsFile);
  const requests = parseComponentSpecs(request.components, registry);
  if (request.asOf !== undefined) parseAsOf(request.asOf);
  return { registry, requests };
}

export async function planFromRequest(request: PlanRequest): Promise<Plan> {
  const { registry, requests } = await checkPlanRequest(request);
  return createPlan({
    git: request.git ?? new Git(),
    registry,
    requests,
    ...(request.asOf === undefined ? {} : { asOf: request.asOf }),
    cacheDir: request.cacheDir ?? defaultCacheDir(),
  });
}

/** The components a `--components` list names (refs ignored), from the components file. */
export async function componentsNamed(
  list: string,
  componentsFile?: string,
): Promise<ComponentSpec[]> {
  const registry = await loadComponents(componentsFile);
  const names = parseComponentSpecs(list, registry).map((r) => r.name);
  return registry.components.filter((c) => names.includes(c.name));
}
