import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';
import { resourcePath, type KubeClient, type KubeObject } from '../adapters/kube.js';
import type { ComponentRegistry, ComponentSpec, ImageSpec } from '../config/components.js';
import type { Images } from '../build/images.js';
import { openShiftVersion, operatorVariable } from './openshift.js';
import { watchUntil } from './watch.js';
import {
  csvTarget,
  deploymentTarget,
  findCsv,
  OPERATOR,
  operatorSubscription,
  patchEnv,
  permissionAware,
  refuseSubscriptionOverrides,
  registryOverrideWarning,
  type EnvTarget,
  type PodTemplateOwner,
} from './operator.js';

export const DeploymentRecordSchema = z.object({
  schemaVersion: z.literal(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  operator: z.object({ namespace: z.string(), csv: z.string(), version: z.string().optional() }),
  strategy: z.enum(['auto', 'csv', 'deployment']),
  patched: z
    .array(z.enum(['csv', 'deployment']))
    .describe(
      'What was changed, in order: csv, then deployment when the CSV change did not reach it.',
    ),
  fallback: z.string().optional().describe('Why the Deployment was patched directly.'),
  changes: z.array(z.object({ env: z.string(), from: z.string().optional(), to: z.string() })),
  installerSets: z
    .object({ deleted: z.array(z.string()), created: z.array(z.string()) })
    .describe(
      'The sets that really disappeared (those deploy deleted and any the operator deleted with them) and those that replaced them.',
    ),
  reconcileSeconds: z.number(),
  recycledAgain: z
    .string()
    .optional()
    .describe(
      'Why the installer sets were recycled a second time: a re-created set still carried old images.',
    ),
  payload: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      "What the operator ships for each deployed component, by component name (its custom resource's status.version): the manifests, RBAC and CRDs the built images run with (DOMAIN.md §9.6).",
    ),
  verified: z.array(
    z.object({
      env: z.string(),
      deployment: z.string(),
      container: z.string().optional(),
      argument: z.string().optional(),
      image: z.string(),
    }),
  ),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecordSchema>;

export interface DeployOptions {
  kube: KubeClient;
  registry: ComponentRegistry;
  strategy?: 'auto' | 'csv' | 'deployment';
  operatorNamespace?: string;
  targetNamespace?: string;
  /** Everything after the patch: installer sets back, Ready, new images running. */
  timeoutMs?: number;
  /** With `auto`: how long a CSV change may take to reach the operator Deployment. */
  propagationTimeoutMs?: number;
  allowNewEnv?: boolean;
  /** How long the operator Deployment may take to replace its pod after the env change. */
  operatorRolloutTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

interface Expected {
  env: string;
  value: string;
  component: string;
  image: ImageSpec;
}

/**
 * Swaps images into the operator (DESIGN.md, deploy): patch the IMAGE_* values, recycle the
 * components' installer sets, and wait — by watching — until the operator has re-created them,
 * TektonConfig is Ready again and every workload runs the new images.
 */
export async function deployImages(
  images: Images,
  options: DeployOptions,
): Promise<DeploymentRecord> {
  const values = new Map<string, string>();
  const expected: Expected[] = [];
  const version = await openShiftVersion(options.kube);
  for (const component of images.components) {
    const spec = options.registry.components.find((c) => c.name === component.name);
    if (!spec)
      throw new StreamstressError(
        `The images file names component ${component.name}, which the components file does not define.`,
        { exitCode: ExitCode.infrastructure },
      );
    for (const built of component.images) {
      const image = spec.images.find((i) => i.env === built.env);
      if (!image)
        throw new StreamstressError(
          `${component.name}: ${built.env} is not one of its images in the components file.`,
          { exitCode: ExitCode.infrastructure },
        );
      const variable = operatorVariable(image, version);
      if (variable.why) options.onProgress?.(`${component.name}: ${variable.why}`);
      values.set(variable.env, built.internalRef);
      expected.push({
        env: variable.env,
        value: built.internalRef,
        component: component.name,
        image,
      });
    }
  }
  return apply(values, expected, [...new Set(expected.map((e) => e.component))], options, true);
}

/** Puts back the values recorded before streamstress changed them, and waits the same way. */
export async function restoreImages(options: DeployOptions): Promise<DeploymentRecord> {
  const namespace = options.operatorNamespace ?? 'openshift-operators';
  const csv = await findCsv(options.kube, namespace, { lenient: true });
  const deployment = await deploymentTarget(options.kube, namespace);
  const originals: Record<string, string> = {};
  for (const object of [csv, deployment.object])
    Object.assign(
      originals,
      JSON.parse(object.metadata.annotations?.[OPERATOR.originalsAnnotation] ?? '{}'),
    );
  const expected: Expected[] = [];
  const version = await openShiftVersion(options.kube);
  for (const [env, value] of Object.entries(originals)) {
    const component = options.registry.components.find((c) =>
      c.images.some((i) => i.env === env || i.legacy?.env === env),
    );
    const image = component?.images.find((i) => i.env === env || i.legacy?.env === env);
    // Both console plugin variables may have been changed (on clusters of two versions); only
    // the one the operator reads here can be seen running.
    if (component && image && operatorVariable(image, version).env === env)
      expected.push({ env, value, component: component.name, image });
  }
  if (Object.keys(originals).length === 0)
    throw new StreamstressError(
      `Nothing to restore: the operator in ${namespace} carries no ${OPERATOR.originalsAnnotation} annotation.`,
      { exitCode: ExitCode.infrastructure },
    );
  return apply(
    new Map(Object.entries(originals)),
    expected,
    [...new Set(expected.map((e) => e.component))],
    options,
    false,
  );
}

async function apply(
  values: Map<string, string>,
  expectedImages: Expected[],
  components: string[],
  options: DeployOptions,
  recordOriginals: boolean,
): Promise<DeploymentRecord> {
  const { kube } = options;
  let expected = expectedImages;
  const started = new Date();
  const progress = options.onProgress ?? (() => undefined);
  const operatorNamespace = options.operatorNamespace ?? 'openshift-operators';
  const targetNamespace = options.targetNamespace ?? 'openshift-pipelines';
  const strategy = options.strategy ?? 'auto';
  // Restore never refuses: originals must always be able to go back.
  const lenient = !recordOriginals;
  const csv = await findCsv(kube, operatorNamespace, { lenient });
  const subscription = await operatorSubscription(kube, operatorNamespace);
  const overridden = new Set((subscription?.spec.config?.env ?? []).map((e) => e.name));
  if (recordOriginals) refuseSubscriptionOverrides(subscription, values.keys());
  else if ([...values.keys()].some((name) => overridden.has(name)))
    // Restoring still puts the CSV back; what runs is the Subscription's value, not ours.
    progress(
      `warning: the Subscription sets ${[...values.keys()].filter((n) => overridden.has(n)).join(', ')}; the CSV gets the originals back, but those values run`,
    );
  const override = registryOverrideWarning(csv, subscription);
  if (override) progress(`warning: ${override}`);
  const specs = options.registry.components.filter((c) => components.includes(c.name));
  const absent = await absentResources(kube, specs);
  if (recordOriginals && absent.length > 0) {
    const names = absent.map((c) => c.name).join(', ');
    throw new StreamstressError(
      `The operator installs ${names} only when its resource exists, and there is none: ${absent.map((c) => `${c.customResource?.kind ?? ''} ${c.customResource?.name ?? ''}`).join(', ')}. Nothing was changed.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: `Run streamstress setup --components ${absent.map((c) => c.name).join(',')} (or run without --no-auto-setup), or apply one as release-tests' specs/olm.spec does.`,
      },
    );
  }
  // Restoring a component the operator does not run: its values go back, no workload to see.
  expected = expected.filter(
    (e) => !absent.some((c) => c.name === e.component) && !overridden.has(e.env),
  );
  const present = specs.filter((c) => !absent.includes(c));
  const patched: ('csv' | 'deployment')[] = [];
  let fallback: string | undefined;
  let changes: DeploymentRecord['changes'] = [];
  let lastOperatorPending: string | undefined;

  const loadCsv = async () =>
    csvTarget(await findCsv(kube, operatorNamespace, { lenient }), operatorNamespace);
  const loadDeployment = () => deploymentTarget(kube, operatorNamespace);
  if (strategy !== 'deployment') {
    changes = (
      await patchEnv(kube, loadCsv, values, {
        allowNewEnv: options.allowNewEnv ?? false,
        recordOriginals,
      })
    ).changes;
    patched.push('csv');
    progress(`patched ${changes.length} IMAGE_* values in CSV ${csv.metadata.name}`);
    // OLM should carry the change to the operator Deployment; see whether it does in time.
    const propagated = await waitFor(
      kube,
      [resourcePath('apps', 'v1', 'deployments', operatorNamespace)],
      options.propagationTimeoutMs ?? 60_000,
      async () => envMatches(await loadDeployment(), values),
    );
    if (!propagated) {
      if (strategy === 'csv') {
        throw new StreamstressError(
          `The CSV change did not reach the Deployment ${OPERATOR.deployment} within ${Math.round((options.propagationTimeoutMs ?? 60_000) / 1000)} s.`,
          {
            exitCode: ExitCode.infrastructure,
            hint: 'Use --strategy auto (patches the Deployment when this happens) or --strategy deployment. The CSV keeps the originals annotation: streamstress restore undoes it.',
          },
        );
      }
      fallback = `the CSV change did not reach the Deployment within ${Math.round((options.propagationTimeoutMs ?? 60_000) / 1000)} s`;
      progress(`${fallback}: patching the Deployment directly`);
    }
  }
  if (strategy === 'deployment' || fallback) {
    const result = await patchEnv(kube, loadDeployment, values, {
      allowNewEnv: options.allowNewEnv ?? false,
      recordOriginals,
    });
    if (changes.length === 0) changes = result.changes;
    patched.push('deployment');
  }

  // Until the old operator pod is gone it still leads, with the old env: sets deleted now would
  // come back with the old images, and the new pod would never correct them (DOMAIN.md §9.3).
  const operatorRollout = await waitFor(
    kube,
    [
      resourcePath('apps', 'v1', 'deployments', operatorNamespace),
      `/api/v1/namespaces/${operatorNamespace}/pods`,
    ],
    options.operatorRolloutTimeoutMs ?? 600_000,
    async () => {
      const pending = await operatorRolloutPending(kube, operatorNamespace);
      if (pending !== lastOperatorPending && pending) progress(`waiting: ${pending}`);
      lastOperatorPending = pending;
      return pending === undefined;
    },
  );
  if (!operatorRollout)
    throw new StreamstressError(
      `The operator Deployment ${OPERATOR.deployment} did not finish rolling out the new env within ${Math.round((options.operatorRolloutTimeoutMs ?? 600_000) / 1000)} s: ${lastOperatorPending ?? ''}.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'No installer set was deleted. The originals are recorded on the operator: streamstress restore puts them back.',
      },
    );
  // A component the operator does not run (no resource) has no sets to recycle or wait for.
  const presentNames = present.map((c) => c.name);
  const setsBefore = await liveSets(kube, options.registry, presentNames);
  const recycle = async () => {
    const deleted = await recycleInstallerSets(kube, options.registry, presentNames);
    progress(`deleted installer sets ${deleted.join(', ') || '(none)'}`);
    return deleted;
  };
  const deleted = await recycle();
  const reconcileStart = Date.now();
  const outcome = await waitForRollout(kube, {
    before: setsBefore,
    deleted,
    recycle,
    components: present,
    registry: options.registry,
    expected,
    targetNamespace,
    timeoutMs: options.timeoutMs ?? 900_000,
    progress,
    csvChange: () => csvChange(kube, operatorNamespace, csv.metadata.name),
    operatorNamespace,
  });
  const changed = await csvChange(kube, operatorNamespace, csv.metadata.name);
  if (changed) throw changed;
  const payload = await payloadVersions(kube, present);
  return {
    schemaVersion: 1,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    operator: {
      namespace: operatorNamespace,
      csv: csv.metadata.name,
      ...(csv.spec.version ? { version: csv.spec.version } : {}),
    },
    strategy,
    patched,
    ...(fallback ? { fallback } : {}),
    changes,
    installerSets: { deleted: outcome.gone, created: outcome.created },
    reconcileSeconds: Math.round((outcome.finishedAt - reconcileStart) / 10) / 100,
    ...(outcome.recycledAgain ? { recycledAgain: outcome.recycledAgain } : {}),
    ...(Object.keys(payload).length > 0 ? { payload } : {}),
    verified: outcome.verified,
  };
}

const componentResourcePath = (spec: ComponentSpec) =>
  spec.customResource
    ? resourcePath(
        'operator.tekton.dev',
        'v1alpha1',
        spec.customResource.plural,
        undefined,
        spec.customResource.name,
      )
    : undefined;

type OperatorResource = KubeObject & {
  status?: {
    version?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};

/** Components the operator installs only when their resource exists, whose resource does not. */
async function absentResources(kube: KubeClient, specs: ComponentSpec[]): Promise<ComponentSpec[]> {
  const absent: ComponentSpec[] = [];
  for (const spec of specs) {
    const path = componentResourcePath(spec);
    if (!path || !spec.customResource?.setupCreates) continue;
    const found = await kube.getOrUndefined(path).catch((error: unknown) => {
      throw permissionAware(
        error,
        `get ${spec.customResource?.kind ?? ''} ${spec.customResource?.name ?? ''}`,
      );
    });
    if (!found) absent.push(spec);
  }
  return absent;
}

/** What the operator ships of each component: its resource's `status.version` (DOMAIN.md §9.6). */
async function payloadVersions(
  kube: KubeClient,
  specs: ComponentSpec[],
): Promise<Record<string, string>> {
  const payload: Record<string, string> = {};
  for (const spec of specs) {
    const path = componentResourcePath(spec);
    const version = path
      ? (await kube.getOrUndefined<OperatorResource>(path).catch(() => undefined))?.status?.version
      : undefined;
    if (version) payload[spec.name] = version;
  }
  return payload;
}

/**
 * An upgrade that replaced the CSV during the deploy took the patched values with it: what runs
 * now is not what was built, and the run would test the wrong thing. Other errors (a dropped
 * connection) are thrown as they are, for the caller to try again.
 */
async function csvChange(
  kube: KubeClient,
  namespace: string,
  patched: string,
): Promise<StreamstressError | undefined> {
  const installed = (await findCsv(kube, namespace, { lenient: true })).metadata.name;
  if (installed === patched) return undefined;
  return new StreamstressError(
    `The operator changed during the deploy: the images were patched into ${patched}, and now the installed CSV is ${installed}. The images running may not be the ones built: this deploy is invalid.`,
    {
      exitCode: ExitCode.infrastructure,
      hint: "Deploy again once the upgrade has finished; set the Subscription's installPlanApproval to Manual so that catalog updates wait for you.",
    },
  );
}

function envMatches(target: EnvTarget, values: ReadonlyMap<string, string>): boolean {
  return [...values].every(
    ([name, value]) => target.env.find((e) => e.name === name)?.value === value,
  );
}

/** Selectors and protected names of the components' installer sets, from the components file. */
function setRules(
  registry: ComponentRegistry,
  components: string[],
): { selectors: string[]; protect: RegExp[] } {
  const specs = registry.components.filter((c) => components.includes(c.name));
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
  return {
    selectors: specs.flatMap((c) => c.installerSets.recycle),
    protect: specs.flatMap((c) => c.installerSets.protect).map(glob),
  };
}

const SETS = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');

/** The names of the components' installer sets that are not being deleted, protected ones included. */
async function liveSets(
  kube: KubeClient,
  registry: ComponentRegistry,
  components: string[],
): Promise<string[]> {
  const names = new Set<string>();
  for (const selector of setRules(registry, components).selectors)
    for (const set of await kube.list(SETS, selector))
      if (!set.metadata.deletionTimestamp) names.add(set.metadata.name);
  return [...names].sort();
}

async function recycleInstallerSets(
  kube: KubeClient,
  registry: ComponentRegistry,
  components: string[],
): Promise<string[]> {
  const { selectors, protect } = setRules(registry, components);
  const deleted: string[] = [];
  for (const selector of selectors) {
    for (const set of await kube.list(SETS, selector)) {
      if (
        protect.some((p) => p.test(set.metadata.name)) ||
        set.metadata.deletionTimestamp ||
        deleted.includes(set.metadata.name)
      )
        continue;
      await kube.delete(`${SETS}/${set.metadata.name}`).catch((error: unknown) => {
        throw permissionAware(error, `delete installer set ${set.metadata.name}`);
      });
      deleted.push(set.metadata.name);
    }
  }
  return deleted;
}

/**
 * What keeps the operator Deployment's rollout from being complete — its status behind its
 * spec, or a pod of an older ReplicaSet still there (a pod being deleted runs until its grace
 * period ends) — or undefined when it is complete.
 */
export async function operatorRolloutPending(
  kube: KubeClient,
  namespace: string,
): Promise<string | undefined> {
  type Deployment = PodTemplateOwner & {
    spec: { replicas?: number };
    status?: {
      observedGeneration?: number;
      replicas?: number;
      updatedReplicas?: number;
      availableReplicas?: number;
    };
  };
  const deployment = await kube.get<Deployment>(
    resourcePath('apps', 'v1', 'deployments', namespace, OPERATOR.deployment),
  );
  const wanted = deployment.spec.replicas ?? 1;
  if (wanted === 0)
    throw new StreamstressError(
      `The operator Deployment ${namespace}/${OPERATOR.deployment} is scaled to 0 replicas: no operator would re-create the installer sets.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Scale it back to 1 (or let OLM reinstall it), then deploy again. No installer set was deleted; streamstress restore puts the original images back.',
      },
    );
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0))
    return `the operator Deployment's controller has not seen the new env yet`;
  if ((status.updatedReplicas ?? 0) < wanted || (status.availableReplicas ?? 0) < wanted)
    return `the new operator pod is not ready yet (${status.availableReplicas ?? 0}/${wanted} available)`;
  const replicaSets = await kube.list<
    KubeObject & { metadata: { ownerReferences?: { uid: string }[] } }
  >(resourcePath('apps', 'v1', 'replicasets', namespace));
  const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const current = replicaSets.find(
    (rs) =>
      rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid) &&
      rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  const hash = current?.metadata.labels?.['pod-template-hash'];
  if (!hash) return `the operator Deployment's current ReplicaSet is not there yet`;
  const selector = Object.entries(deployment.spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  // A pod that has finished (Evicted, Failed, Succeeded) runs nothing and leads nothing.
  const old = (
    await kube.list<KubeObject & { status?: { phase?: string } }>(
      `/api/v1/namespaces/${namespace}/pods`,
      selector,
    )
  ).filter(
    (pod) =>
      pod.metadata.labels?.['pod-template-hash'] !== hash &&
      pod.status?.phase !== 'Succeeded' &&
      pod.status?.phase !== 'Failed',
  );
  return old.length === 0
    ? undefined
    : `the old operator pod ${old[0]?.metadata.name} still runs (and leads, with the old images) until it is gone`;
}

/** Watches until `check` holds; false when the time is up. */
async function waitFor(
  kube: KubeClient,
  watchPaths: string[],
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<boolean> {
  return (
    (await watchUntil(kube, watchPaths, timeoutMs, async () =>
      (await check()) ? true : undefined,
    )) === true
  );
}

interface Rollout {
  gone: string[];
  created: string[];
  verified: DeploymentRecord['verified'];
  recycledAgain?: string;
  finishedAt: number;
}

/**
 * Done when the recycled installer sets are back (new names), TektonConfig and each
 * component's resource say Ready=True after that, and each workload runs the expected image
 * (its digest in the pod's imageID; an argument image in the controller's arguments). A stale
 * Ready=True right after the deletion cannot satisfy this: the sets and images are checked too.
 * When everything is back and Ready but a re-created workload still names an old image — the
 * operator never corrects that itself (DOMAIN.md §9.2) — the sets are recycled once more.
 */
async function waitForRollout(
  kube: KubeClient,
  options: {
    /** The live sets of the components before any was deleted, protected ones included. */
    before: string[];
    deleted: string[];
    recycle: () => Promise<string[]>;
    components: ComponentSpec[];
    registry: ComponentRegistry;
    expected: Expected[];
    targetNamespace: string;
    timeoutMs: number;
    progress: (m: string) => void;
    /** An error when the operator's CSV was replaced meanwhile (the wait ends with it). */
    csvChange: () => Promise<StreamstressError | undefined>;
    operatorNamespace: string;
  },
): Promise<Rollout> {
  let invalid: StreamstressError | undefined;
  let pending: string[] = ['nothing checked yet'];
  let lastReported = '';
  let outcome: Rollout | undefined;
  let deleted = options.deleted;
  let recycledAgain: string | undefined;
  const names = options.components.map((c) => c.name);
  const recyclable = new Set(
    options.components.filter((c) => c.installerSets.recycle.length > 0).map((c) => c.name),
  );
  // A failed read (a refused request, a dropped connection) is reported, not swallowed: it
  // may be what the wait ends on.
  const check = async (): Promise<boolean> => {
    try {
      return await checkOnce();
    } catch (error) {
      pending = [`a request failed: ${error instanceof Error ? error.message : String(error)}`];
      return false;
    }
  };
  const checkOnce = async (): Promise<boolean> => {
    invalid = await options.csvChange();
    if (invalid) return true;
    const missing: string[] = [];
    // What really went and came, which is more than what deploy deleted: the operator deletes
    // a component's other main set too when one is missing (DOMAIN.md §9.2).
    const now = await liveSets(kube, options.registry, names);
    const gone = options.before.filter((name) => !now.includes(name));
    const created = now.filter((name) => !options.before.includes(name));
    const notGone = deleted.filter((name) => now.includes(name));
    if (notGone.length > 0) missing.push(`installer set ${notGone[0]} is not gone yet`);
    if (created.length < gone.length)
      missing.push(`installer sets re-created: ${created.length} of ${gone.length}`);
    const config = await kube.getOrUndefined<OperatorResource>(
      resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs', undefined, 'config'),
    );
    const readyCondition = config?.status?.conditions?.find((c) => c.type === 'Ready');
    if (readyCondition?.status !== 'True')
      missing.push(
        `TektonConfig config Ready=${readyCondition?.status ?? 'absent'}${readyCondition?.message ? ` (${readyCondition.message})` : ''}`,
      );
    missing.push(...(await resourceProblems(kube, options.components)));
    const verified: DeploymentRecord['verified'] = [];
    const stale: string[] = [];
    for (const item of options.expected) {
      const problem = await workloadProblem(kube, options.targetNamespace, item);
      if (!problem) {
        verified.push({
          env: item.env,
          deployment: item.image.deployment ?? '',
          ...(item.image.container
            ? { container: item.image.container }
            : { argument: item.image.argument ?? '' }),
          image: item.value,
        });
        continue;
      }
      missing.push(problem.text);
      // Only a workload of a set that was re-created counts (an old one may linger), and only
      // a set deploy recycles can be recycled again: the console plugin's replaces itself.
      if (
        problem.staleSpec &&
        recyclable.has(item.component) &&
        (problem.ownerSets ?? []).some((set) => created.includes(set))
      )
        stale.push(problem.text);
    }
    const settled = missing.length === stale.length;
    if (settled && stale.length > 0 && !recycledAgain) {
      const why = `a re-created workload still named an old image (${stale[0]}): the operator had re-created its set from an old env`;
      options.progress(`${why}; recycling the installer sets once more`);
      deleted = await options.recycle();
      recycledAgain = why;
      return false;
    }
    pending = missing;
    const summary =
      missing.length === 0 ? 'all checks hold' : `waiting for ${missing.length}: ${missing[0]}`;
    if (summary !== lastReported) options.progress(summary);
    lastReported = summary;
    if (missing.length === 0)
      outcome = {
        gone,
        created,
        verified,
        ...(recycledAgain ? { recycledAgain } : {}),
        finishedAt: Date.now(),
      };
    return missing.length === 0;
  };
  const watches = [
    SETS,
    resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs'),
    `/api/v1/namespaces/${options.targetNamespace}/pods`,
    resourcePath('apps', 'v1', 'deployments', options.targetNamespace),
    resourcePath('apps', 'v1', 'statefulsets', options.targetNamespace),
    resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', options.operatorNamespace),
  ];
  const done = await waitFor(kube, watches, options.timeoutMs, check);
  if (invalid) throw invalid;
  if (!done || !outcome) {
    throw new StreamstressError(
      `The operator did not finish rolling out within ${Math.round(options.timeoutMs / 1000)} s. Still wrong:`,
      {
        exitCode: ExitCode.infrastructure,
        problems: pending,
        hint: 'The originals are recorded on the operator: streamstress restore puts them back.',
      },
    );
  }
  return outcome;
}

/**
 * Each condition of the components' resources that is not True, with its message
 * (InstallerSetReady, PostReconciler, Ready…): on a timeout they say what the operator is stuck on.
 */
async function resourceProblems(kube: KubeClient, specs: ComponentSpec[]): Promise<string[]> {
  const problems: string[] = [];
  for (const spec of specs) {
    const path = componentResourcePath(spec);
    if (!path || !spec.customResource) continue;
    const resource = await kube.getOrUndefined<OperatorResource>(path);
    const what = `${spec.customResource.kind} ${spec.customResource.name}`;
    if (!resource) {
      problems.push(`${what} does not exist`);
      continue;
    }
    const conditions = resource.status?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Ready')) problems.push(`${what} Ready=absent`);
    for (const c of conditions.filter((c) => c.status !== 'True'))
      problems.push(`${what} ${c.type}=${c.status}${c.message ? ` (${c.message})` : ''}`);
  }
  return problems;
}

type Pod = KubeObject & {
  status?: {
    phase?: string;
    containerStatuses?: { name: string; imageID?: string; image?: string; ready?: boolean }[];
  };
};

/**
 * The Deployment, or the StatefulSet the operator makes of it with statefulset-ordinals
 * (DOMAIN.md §9.4), that runs an image.
 */
async function findWorkload(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<(PodTemplateOwner & { kind: string }) | undefined> {
  for (const [plural, kind] of [
    ['deployments', 'Deployment'],
    ['statefulsets', 'StatefulSet'],
  ] as const) {
    const found = await kube.getOrUndefined<PodTemplateOwner>(
      resourcePath('apps', 'v1', plural, namespace, name),
    );
    if (found) return { ...found, kind };
  }
  return undefined;
}

/**
 * What keeps a workload from running the expected image, if anything; `staleSpec` when the
 * workload itself names another image (waiting does not change that), not only its pods.
 */
async function workloadProblem(
  kube: KubeClient,
  namespace: string,
  item: Expected,
): Promise<{ text: string; staleSpec: boolean; ownerSets?: string[] } | undefined> {
  const name = item.image.deployment;
  if (!name) return undefined;
  const workload = await findWorkload(kube, namespace, name);
  if (!workload)
    return {
      text: `Deployment or StatefulSet ${namespace}/${name} does not exist yet`,
      staleSpec: false,
    };
  // The installer set that made the workload owns it (the operator injects the owner).
  const ownerSets = (workload.metadata.ownerReferences ?? [])
    .filter((o) => o.kind === 'TektonInstallerSet')
    .map((o) => o.name);
  const containers = workload.spec.template.spec.containers;
  if (item.image.argument) {
    const args = containers.flatMap((c) => c.args ?? []);
    const at = args.indexOf(item.image.argument);
    return at !== -1 && args[at + 1] === item.value
      ? undefined
      : {
          text: `${name}: argument ${item.image.argument} is not ${item.value} yet`,
          staleSpec: true,
          ownerSets,
        };
  }
  const declared = containers.find((c) => c.name === item.image.container)?.image;
  if (declared !== item.value)
    return {
      text: `${workload.kind} ${name} names ${declared ?? 'no image'} for container ${item.image.container ?? ''}, not ${item.value}`,
      staleSpec: true,
      ownerSets,
    };
  const selector = Object.entries(workload.spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await kube.list<Pod>(`/api/v1/namespaces/${namespace}/pods`, selector)).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(item.value)?.[1];
  const runsIt = (pod: Pod) => {
    const status = pod.status?.containerStatuses?.find((c) => c.name === item.image.container);
    if (pod.status?.phase !== 'Running' || !status?.ready) return false;
    return digest ? (status.imageID ?? '').endsWith(digest) : status.image === item.value;
  };
  if (pods.length === 0) return { text: `${name}: no pod yet`, staleSpec: false };
  const wrong = pods.filter((p) => !runsIt(p));
  return wrong.length === 0
    ? undefined
    : {
        text: `${name}: pod ${wrong[0]?.metadata.name} does not run ${item.value} in container ${item.image.container} yet`,
        staleSpec: false,
      };
}
