import { ExitCode, StreamstressError } from '../errors.js';
import { KubeError, resourcePath, type KubeClient, type KubeObject } from '../adapters/kube.js';

/** Where OpenShift Pipelines keeps its image choices (DOMAIN.md §1). */
export const OPERATOR = {
  package: 'openshift-pipelines-operator-rh',
  deployment: 'openshift-pipelines-operator',
  container: 'openshift-pipelines-operator-lifecycle',
  /** Original IMAGE_* values, kept on the object streamstress patched so a run can be undone. */
  originalsAnnotation: 'streamstress.dev/original-images',
} as const;

export interface EnvVar {
  name: string;
  value?: string;
}
interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: EnvVar[];
}
export interface PodTemplateOwner extends KubeObject {
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    template: { spec: { containers: Container[] } };
  };
}
export interface Csv extends KubeObject {
  spec: {
    version?: string;
    install: { spec: { deployments: { name: string; spec: PodTemplateOwner['spec'] }[] } };
  };
  status?: { phase?: string };
}

/** An object whose operator container env streamstress can patch, and the JSON pointer to that env. */
export interface EnvTarget {
  kind: 'csv' | 'deployment';
  path: string;
  object: KubeObject;
  envPointer: string;
  env: EnvVar[];
}

export async function findCsv(kube: KubeClient, namespace: string): Promise<Csv> {
  const csvs = await kube
    .list<Csv>(
      resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', namespace),
    )
    .catch((error: unknown) => {
      throw permissionAware(error, `list ClusterServiceVersions in ${namespace}`);
    });
  const csv = csvs.find((c) =>
    c.spec.install.spec.deployments.some((d) => d.name === OPERATOR.deployment),
  );
  if (!csv) {
    throw new StreamstressError(`No OpenShift Pipelines operator CSV in namespace ${namespace}.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Install the operator (streamstress setup, or run without --no-auto-setup), or pass --operator-namespace.',
    });
  }
  return csv;
}

/**
 * A warning when the operator rewrites image registries: TEKTON_REGISTRY_OVERRIDE on its
 * container replaces the registry of every IMAGE_* value, the internal registry included, so
 * the images that run would not be the ones built (DOMAIN.md §9.5).
 */
export function registryOverrideWarning(csv: Csv): string | undefined {
  const value = csv.spec.install.spec.deployments
    .find((d) => d.name === OPERATOR.deployment)
    ?.spec.template.spec.containers.find((c) => c.name === OPERATOR.container)
    ?.env?.find((e) => e.name === 'TEKTON_REGISTRY_OVERRIDE')?.value;
  return value
    ? `the operator has TEKTON_REGISTRY_OVERRIDE=${value}: it rewrites the registry of every IMAGE_* value, the internal registry included, so the images deployed would be pulled from ${value}, not the ones built. Remove it from the operator (CSV or Subscription config) for streamstress runs.`
    : undefined;
}

export function csvTarget(csv: Csv, namespace: string): EnvTarget {
  const d = csv.spec.install.spec.deployments.findIndex((x) => x.name === OPERATOR.deployment);
  const containers = csv.spec.install.spec.deployments[d]?.spec.template.spec.containers ?? [];
  const c = containers.findIndex((x) => x.name === OPERATOR.container);
  if (c === -1)
    throw new StreamstressError(
      `The CSV ${csv.metadata.name} has no container ${OPERATOR.container} in ${OPERATOR.deployment}.`,
      { exitCode: ExitCode.infrastructure },
    );
  return {
    kind: 'csv',
    path: resourcePath(
      'operators.coreos.com',
      'v1alpha1',
      'clusterserviceversions',
      namespace,
      csv.metadata.name,
    ),
    object: csv,
    envPointer: `/spec/install/spec/deployments/${d}/spec/template/spec/containers/${c}/env`,
    env: containers[c]?.env ?? [],
  };
}

export async function deploymentTarget(kube: KubeClient, namespace: string): Promise<EnvTarget> {
  const path = resourcePath('apps', 'v1', 'deployments', namespace, OPERATOR.deployment);
  const deployment = await kube.get<PodTemplateOwner>(path);
  const containers = deployment.spec.template.spec.containers;
  const c = containers.findIndex((x) => x.name === OPERATOR.container);
  return {
    kind: 'deployment',
    path,
    object: deployment,
    envPointer: `/spec/template/spec/containers/${c}/env`,
    env: containers[c]?.env ?? [],
  };
}

/**
 * Sets env values on the target with a JSON patch whose `test` operations pin each entry's
 * index, name and current value, so a concurrent writer makes the patch fail (and us re-read)
 * instead of being overwritten. The first original of every value is kept in an annotation.
 */
export async function patchEnv(
  kube: KubeClient,
  load: () => Promise<EnvTarget>,
  values: ReadonlyMap<string, string>,
  options: { allowNewEnv?: boolean; recordOriginals: boolean; attempts?: number },
): Promise<{ changes: { env: string; from?: string; to: string }[]; target: EnvTarget }> {
  for (let attempt = 1; ; attempt++) {
    const target = await load();
    const missing = [...values.keys()].filter((name) => !target.env.some((e) => e.name === name));
    if (missing.length > 0 && !options.allowNewEnv) {
      throw new StreamstressError(
        `The operator's ${target.kind === 'csv' ? 'CSV' : 'Deployment'} ${target.object.metadata.name} has no ${missing.join(', ')}.`,
        {
          exitCode: ExitCode.infrastructure,
          hint: 'Check the IMAGE_* names in components.toml against your operator version; --allow-new-env adds them anyway.',
        },
      );
    }
    const annotations = target.object.metadata.annotations;
    const originals: Record<string, string> = annotations?.[OPERATOR.originalsAnnotation]
      ? (JSON.parse(annotations[OPERATOR.originalsAnnotation] ?? '{}') as Record<string, string>)
      : {};
    const operations: unknown[] = [];
    const changes: { env: string; from?: string; to: string }[] = [];
    for (const [name, value] of values) {
      const index = target.env.findIndex((e) => e.name === name);
      const current = target.env[index]?.value;
      if (index === -1) {
        operations.push({ op: 'add', path: `${target.envPointer}/-`, value: { name, value } });
      } else {
        if (current === value) continue;
        operations.push({ op: 'test', path: `${target.envPointer}/${index}/name`, value: name });
        if (current !== undefined)
          operations.push({
            op: 'test',
            path: `${target.envPointer}/${index}/value`,
            value: current,
          });
        operations.push({ op: 'replace', path: `${target.envPointer}/${index}/value`, value });
      }
      changes.push({ env: name, ...(current === undefined ? {} : { from: current }), to: value });
      if (options.recordOriginals && !(name in originals) && current !== undefined)
        originals[name] = current;
    }
    if (changes.length === 0) return { changes, target };
    const key = `/metadata/annotations/${OPERATOR.originalsAnnotation.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    // The originals annotation is tested too: two runs must not both think they were first.
    if (annotations?.[OPERATOR.originalsAnnotation] !== undefined)
      operations.push({ op: 'test', path: key, value: annotations[OPERATOR.originalsAnnotation] });
    if (options.recordOriginals) {
      if (!annotations) operations.push({ op: 'add', path: '/metadata/annotations', value: {} });
      operations.push({ op: 'add', path: key, value: JSON.stringify(originals) });
    } else if (annotations?.[OPERATOR.originalsAnnotation] !== undefined) {
      operations.push({ op: 'remove', path: key });
    }
    try {
      await kube.jsonPatch(target.path, operations);
      return { changes, target };
    } catch (error) {
      // 409: someone else wrote in between; 422: one of our `test` operations no longer holds.
      const conflict = error instanceof KubeError && (error.status === 409 || error.status === 422);
      if (!conflict || attempt >= (options.attempts ?? 8))
        throw permissionAware(error, `patch ${target.path}`);
    }
  }
}

/** A refused request says which permission is missing. */
export function permissionAware(error: unknown, what: string): unknown {
  if (error instanceof KubeError && (error.status === 403 || error.status === 401)) {
    return new StreamstressError(`Not allowed to ${what}: ${error.detail || error.reason}`, {
      exitCode: ExitCode.infrastructure,
      hint:
        error.status === 401
          ? 'Your credentials were refused: log in again.'
          : 'streamstress needs cluster-admin-like rights on the operator; streamstress check lists each permission.',
    });
  }
  return error;
}
