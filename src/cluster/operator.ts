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

export interface Subscription extends KubeObject {
  spec: { name: string; config?: { env?: EnvVar[] } };
  status?: { installedCSV?: string; currentCSV?: string };
}

const COPIED_FROM = 'olm.copiedFrom';
const runsOperator = (csv: Csv) =>
  csv.spec.install.spec.deployments.some((d) => d.name === OPERATOR.deployment);

/** The OLM Subscription to the operator in `namespace`, if it was installed through one. */
export async function operatorSubscription(
  kube: KubeClient,
  namespace: string,
): Promise<Subscription | undefined> {
  const subscriptions = await kube
    .list<Subscription>(
      resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', namespace),
    )
    .catch((error: unknown) => {
      throw permissionAware(error, `list Subscriptions in ${namespace}`);
    });
  return subscriptions.find((s) => s.spec.name === OPERATOR.package);
}

/**
 * The operator's CSV: the one the Subscription's `status.installedCSV` names. Refused: a copied
 * CSV (`olm.copiedFrom`: OLM overwrites it from its original, so a change reaches no operator)
 * and an upgrade in progress (a successor CSV exists; the one being replaced loses every
 * change) — DOMAIN.md §9.5. A successor that is only announced (`currentCSV` ahead, with Manual
 * approval and no CSV of that name yet) is no upgrade. `lenient` (restore) never refuses an
 * upgrade: it takes the CSV carrying the originals, else the installed one, so that originals
 * can always be put back.
 */
export async function findCsv(
  kube: KubeClient,
  namespace: string,
  options: { lenient?: boolean } = {},
): Promise<Csv> {
  const csvs = await kube
    .list<Csv>(
      resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', namespace),
    )
    .catch((error: unknown) => {
      throw permissionAware(error, `list ClusterServiceVersions in ${namespace}`);
    });
  const own = csvs.filter((c) => runsOperator(c) && !c.metadata.labels?.[COPIED_FROM]);
  const subscription = await operatorSubscription(kube, namespace);
  const installed = own.find((c) => c.metadata.name === subscription?.status?.installedCSV);
  const current = subscription?.status?.currentCSV;
  const upgrade =
    current &&
    installed &&
    current !== installed.metadata.name &&
    own.some((c) => c.metadata.name === current)
      ? `the Subscription moves from ${installed.metadata.name} to ${current}`
      : installed && ['Replacing', 'Deleting'].includes(installed.status?.phase ?? '')
        ? `${installed.metadata.name} is ${installed.status?.phase ?? ''}`
        : !installed && own.length > 1
          ? `${own.map((c) => `${c.metadata.name} (${c.status?.phase ?? 'no phase'})`).join(' and ')} both exist`
          : undefined;
  if (upgrade && options.lenient) {
    const patched = own.find((c) => c.metadata.annotations?.[OPERATOR.originalsAnnotation]);
    const chosen = patched ?? installed ?? own[0];
    if (chosen) return chosen;
  }
  if (upgrade)
    throw new StreamstressError(
      `An upgrade of the operator is in progress in ${namespace}: ${upgrade}.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: "Images patched into a CSV that is being replaced are lost. Wait until the upgrade has finished (one CSV, phase Succeeded) and try again; set the Subscription's installPlanApproval to Manual to keep catalog updates from starting one during a run.",
      },
    );
  const chosen = installed ?? own[0];
  if (chosen) return chosen;
  const copy = csvs.find((c) => runsOperator(c) && c.metadata.labels?.[COPIED_FROM]);
  if (copy) {
    const origin = copy.metadata.labels?.[COPIED_FROM] ?? '';
    throw new StreamstressError(
      `The CSV ${copy.metadata.name} in ${namespace} is a copy OLM keeps of the one in ${origin} (label ${COPIED_FROM}): OLM overwrites a change to it, and no operator reads it.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: `Pass --operator-namespace ${origin} (action input operator-namespace).`,
      },
    );
  }
  throw new StreamstressError(`No OpenShift Pipelines operator CSV in namespace ${namespace}.`, {
    exitCode: ExitCode.infrastructure,
    hint: 'Install the operator (streamstress setup, or run without --no-auto-setup), or pass --operator-namespace.',
  });
}

/**
 * Refuses when the Subscription sets any of `names` in `spec.config.env`: OLM injects those
 * into the operator's containers over the CSV's values, so a CSV patch of them would never run
 * (overrides/inject/inject.go, DOMAIN.md §9.5).
 */
export function refuseSubscriptionOverrides(
  subscription: Subscription | undefined,
  names: Iterable<string>,
): void {
  const wanted = new Set(names);
  const overridden = (subscription?.spec.config?.env ?? [])
    .map((e) => e.name)
    .filter((name) => wanted.has(name));
  if (!subscription || overridden.length === 0) return;
  const where = `${subscription.metadata.namespace ?? ''}/${subscription.metadata.name}`;
  throw new StreamstressError(
    `The Subscription ${where} sets ${overridden.join(', ')} in spec.config.env, and OLM gives that value precedence over the CSV: the images built would not run. Nothing was changed.`,
    {
      exitCode: ExitCode.infrastructure,
      hint: `Remove ${overridden.length === 1 ? 'it' : 'them'} from the Subscription (oc edit subscription ${subscription.metadata.name} -n ${subscription.metadata.namespace ?? ''}) for streamstress runs, or leave ${overridden.length === 1 ? 'that component' : 'those components'} out.`,
    },
  );
}

/**
 * A warning when the operator rewrites image registries: TEKTON_REGISTRY_OVERRIDE on its
 * container replaces the registry of every IMAGE_* value, the internal registry included, so
 * the images that run would not be the ones built (DOMAIN.md §9.5).
 */
export function registryOverrideWarning(csv: Csv, subscription?: Subscription): string | undefined {
  const override = (env?: EnvVar[]) =>
    env?.find((e) => e.name === 'TEKTON_REGISTRY_OVERRIDE')?.value;
  const value =
    override(subscription?.spec.config?.env) ??
    override(
      csv.spec.install.spec.deployments
        .find((d) => d.name === OPERATOR.deployment)
        ?.spec.template.spec.containers.find((c) => c.name === OPERATOR.container)?.env,
    );
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
