import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Kube, KubeError, resourcePath, type KubeObject } from './kube.js';
import { parseSettings, SETTINGS, type TestbedSettings } from './objects.js';
import {
  CSV_NAME,
  imageVariable,
  OPERATOR_CONTAINER,
  OPERATOR_DEPLOYMENT,
  OPERATOR_VERSION,
  operatorCsv,
  RELEASE,
  TARGET_NAMESPACE,
  OPERATOR_NAMESPACE,
  type ComponentRelease,
} from './release.js';

/**
 * Stand-ins for what runs on an OpenShift cluster and has no binary here — OLM, the Tekton
 * operator, the registry operator and metrics-server — acting on the real API server in the ways
 * streamstress depends on. Each reconciles on watch events and on a short resync. Deployments,
 * ReplicaSets, Jobs and garbage collection are the real kube-controller-manager's; pods are run
 * by the node agent (node-agent.ts).
 */
export function startControllers(kube: Kube): { stop(): Promise<void> } {
  const abort = new AbortController();
  // One listener per watch and loop: more than Node's default warning threshold.
  setMaxListeners(64, abort.signal);
  const olmState: OlmState = { replacingSince: new Map() };
  const operatorState: OperatorState = {
    deletedAt: new Map(),
    lastDeletion: 0,
    wasReady: false,
    openshiftMinor: new Map(),
  };
  const loops = [
    loop(
      kube,
      abort.signal,
      [
        '/apis/operators.coreos.com/v1alpha1/subscriptions',
        '/apis/operators.coreos.com/v1alpha1/clusterserviceversions',
      ],
      () => reconcileOlm(kube, olmState),
    ),
    loop(
      kube,
      abort.signal,
      [
        '/apis/operator.tekton.dev/v1alpha1/tektoninstallersets',
        '/apis/apps/v1/deployments',
        `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`,
      ],
      () => reconcileOperator(kube, operatorState),
    ),
    loop(kube, abort.signal, ['/apis/imageregistry.operator.openshift.io/v1/configs'], () =>
      reconcileRegistry(kube),
    ),
    loop(kube, abort.signal, [], () => reconcileMetrics(kube), 1000),
  ];
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

/** Runs `reconcile` after every watch event (coalesced) and every `resyncMs`, until aborted. */
async function loop(
  kube: Kube,
  signal: AbortSignal,
  watches: string[],
  reconcile: () => Promise<void>,
  resyncMs = 300,
): Promise<void> {
  let running = false;
  let again = false;
  const trigger = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        try {
          await reconcile();
        } catch (error) {
          // Conflicts and objects deleted under our feet are normal; the next pass catches up.
          if (process.env.TESTBED_DEBUG) console.error(error);
        }
      } while (again && !signal.aborted);
      running = false;
    })();
  };
  for (const path of watches) void kube.watch(path, { onEvent: trigger, onList: trigger }, signal);
  const timer = setInterval(trigger, resyncMs);
  trigger();
  await new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  clearInterval(timer);
  while (running) await new Promise((r) => setTimeout(r, 20));
}

async function settings(kube: Kube): Promise<TestbedSettings> {
  const map = await kube.getOrUndefined<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${SETTINGS.namespace}/configmaps/${SETTINGS.name}`,
  );
  return parseSettings(map?.data);
}

const hash = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
const suffix = () => randomBytes(3).toString('hex').slice(0, 5);

// ---------------------------------------------------------------- OLM

type Csv = KubeObject & {
  spec: {
    version?: string;
    replaces?: string;
    install: { spec: { deployments: { name: string; spec: DeploymentSpec }[] } };
  };
  status?: { phase?: string; reason?: string };
};
type Subscription = KubeObject & {
  spec: { name: string; config?: { env?: { name: string; value?: string }[] } };
  status?: { installedCSV?: string; currentCSV?: string };
};
const COPIED_FROM = 'olm.copiedFrom';
const csvCollection = (namespace?: string) =>
  resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', namespace);

/**
 * OLM, for one package: the Subscription's CSV is created with its InstallPlan; an upgrade (a
 * CSV whose `spec.replaces` names the installed one) takes over the Deployments and the
 * replaced CSV stays, phase Replacing, for `replacedCsvMs`; every CSV of the global
 * OperatorGroup is copied into the other namespaces (`olm.copiedFrom`), and a copy is
 * overwritten from its original (pkg/controller/operators/olm/operatorgroup.go).
 */
async function reconcileOlm(kube: Kube, state: OlmState): Promise<void> {
  const config = await settings(kube);
  if (!config.olmRunning) return;
  for (const sub of await kube.list<Subscription>(
    '/apis/operators.coreos.com/v1alpha1/subscriptions',
  )) {
    if (sub.spec.name !== 'openshift-pipelines-operator-rh') continue;
    const namespace = sub.metadata.namespace ?? '';
    const subStatus = resourcePath(
      'operators.coreos.com',
      'v1alpha1',
      'subscriptions',
      namespace,
      `${sub.metadata.name}/status`,
    );
    if (
      (await kube.list(resourcePath('operators.coreos.com', 'v1', 'operatorgroups', namespace)))
        .length === 0
    ) {
      await kube.mergePatch(subStatus, {
        status: {
          state: 'UpgradePending',
          conditions: [
            {
              type: 'ResolutionFailed',
              status: 'True',
              reason: 'NoOperatorGroup',
              message: `no OperatorGroup in namespace ${namespace}`,
            },
          ],
        },
      });
      continue;
    }
    let csvs = (await kube.list<Csv>(csvCollection(namespace))).filter(
      (c) => !c.metadata.labels?.[COPIED_FROM] && !c.metadata.deletionTimestamp,
    );
    if (csvs.length === 0) {
      const csv = operatorCsv(config.operatorGraceSeconds) as KubeObject;
      csv.metadata.namespace = namespace;
      csvs = [await kube.create<Csv>(csvCollection(namespace), csv)];
      await kube.create(
        resourcePath('operators.coreos.com', 'v1alpha1', 'installplans', namespace),
        {
          apiVersion: 'operators.coreos.com/v1alpha1',
          kind: 'InstallPlan',
          metadata: { name: `install-${suffix()}`, namespace },
          spec: { approval: 'Automatic', approved: true, clusterServiceVersionNames: [CSV_NAME] },
        },
      );
    }
    // The newest CSV is the one no other replaces; the ones it replaces are on their way out.
    const newest = csvs.find((c) => !csvs.some((o) => o.spec.replaces === c.metadata.name));
    if (!newest) continue;
    for (const old of csvs.filter((c) => c !== newest)) {
      const since = state.replacingSince.get(old.metadata.uid ?? '') ?? Date.now();
      state.replacingSince.set(old.metadata.uid ?? '', since);
      if (Date.now() - since >= config.replacedCsvMs)
        await kube.delete(`${csvCollection(namespace)}/${old.metadata.name}`);
      else if (old.status?.phase !== 'Replacing')
        await csvPhase(
          kube,
          old,
          'Replacing',
          'BeingReplaced',
          `being replaced by csv: ${newest.metadata.name}`,
        );
    }
    if (sub.status?.installedCSV !== newest.metadata.name) {
      await kube.mergePatch(subStatus, {
        status: {
          installedCSV: newest.metadata.name,
          currentCSV: newest.metadata.name,
          state: 'AtLatestKnown',
          conditions: [],
        },
      });
    }
    await installCsv(kube, newest, sub.spec.config?.env ?? []);
  }
  await copyCsvs(kube);
}

/**
 * Brings the CSV's Deployments to its spec with the Subscription's `spec.config.env` injected
 * into every container — the Subscription's value wins over the CSV's
 * (pkg/controller/install/deployment.go, pkg/controller/operators/olm/overrides/inject/inject.go).
 * A Deployment is replaced only when the hash of that spec differs from its
 * `olm.deployment-spec-hash` label: a direct edit of the Deployment stays until then.
 */
async function installCsv(
  kube: Kube,
  csv: Csv,
  overrides: { name: string; value?: string }[],
): Promise<void> {
  const namespace = csv.metadata.namespace ?? '';
  for (const { name, spec } of csv.spec.install.spec.deployments) {
    const desired = structuredClone(spec);
    for (const container of desired.template.spec.containers) {
      const env = (container.env ?? []).filter((e) => !overrides.some((o) => o.name === e.name));
      container.env = [...env, ...overrides];
    }
    const path = resourcePath('apps', 'v1', 'deployments', namespace, name);
    const existing = await kube.getOrUndefined<Deployment>(path);
    const specHash = hash(desired);
    const labels = { 'olm.owner': csv.metadata.name, 'olm.deployment-spec-hash': specHash };
    if (!existing) {
      await kube.create(resourcePath('apps', 'v1', 'deployments', namespace), {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels },
        spec: desired,
      });
    } else if (existing.metadata.labels?.['olm.deployment-spec-hash'] !== specHash) {
      await kube.request('PUT', path, {
        ...existing,
        metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...labels } },
        spec: desired,
      });
    }
  }
  if (csv.status?.phase !== 'Succeeded')
    await csvPhase(
      kube,
      csv,
      'Succeeded',
      'InstallSucceeded',
      'install strategy completed with no errors',
    );
}

async function csvPhase(
  kube: Kube,
  csv: Csv,
  phase: string,
  reason: string,
  message: string,
): Promise<void> {
  await kube.mergePatch(`${csvCollection(csv.metadata.namespace)}/${csv.metadata.name}/status`, {
    status: { phase, reason, message },
  });
}

/** Copies of the operator namespace's CSVs in every other namespace, kept equal to their originals. */
async function copyCsvs(kube: Kube): Promise<void> {
  const all = await kube.list<Csv>(csvCollection());
  const originals = all.filter(
    (c) => c.metadata.namespace === OPERATOR_NAMESPACE && !c.metadata.labels?.[COPIED_FROM],
  );
  const namespaces = (await kube.list('/api/v1/namespaces'))
    .map((n) => n.metadata.name)
    .filter((n) => n !== OPERATOR_NAMESPACE && !n.startsWith('kube-') && n !== 'default');
  for (const copy of all.filter((c) => c.metadata.labels?.[COPIED_FROM]))
    if (!originals.some((o) => o.metadata.name === copy.metadata.name))
      await kube.delete(`${csvCollection(copy.metadata.namespace)}/${copy.metadata.name}`);
  for (const original of originals) {
    for (const namespace of namespaces) {
      const copy = all.find(
        (c) => c.metadata.namespace === namespace && c.metadata.name === original.metadata.name,
      );
      if (!copy) {
        await kube.create(csvCollection(namespace), {
          apiVersion: 'operators.coreos.com/v1alpha1',
          kind: 'ClusterServiceVersion',
          metadata: {
            name: original.metadata.name,
            namespace,
            labels: { [COPIED_FROM]: OPERATOR_NAMESPACE },
            annotations: original.metadata.annotations ?? {},
          },
          spec: original.spec,
        });
      } else if (hash(copy.spec) !== hash(original.spec)) {
        await kube.mergePatch(`${csvCollection(namespace)}/${copy.metadata.name}`, {
          spec: original.spec,
        });
      } else if (copy.status?.reason !== 'Copied') {
        await csvPhase(
          kube,
          copy,
          'Succeeded',
          'Copied',
          `The operator is running in ${OPERATOR_NAMESPACE} but is managing this namespace`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------- Tekton operator

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { containers: Container[] };
  };
}
type Deployment = KubeObject & {
  spec: DeploymentSpec;
  status?: { availableReplicas?: number; observedGeneration?: number };
};
type InstallerSet = KubeObject & { spec?: { deployments?: string[]; statefulSets?: string[] } };

interface OlmState {
  /** When each replaced CSV (by UID) was first seen replaced. */
  replacingSince: Map<string, number>;
}

interface OperatorState {
  /** When each installer set kind was last seen deleted, by set prefix. */
  deletedAt: Map<string, number>;
  lastDeletion: number;
  wasReady: boolean;
  /** The UID of the operator pod that holds the leader lease. */
  leader?: string;
  /** The OpenShift minor version each operator process read at its start, by pod UID. */
  openshiftMinor: Map<string, number>;
  /**
   * The staleImagesOnce fault: the leader's env when the fault was switched on, used for the
   * first workload set created once the env differs from it; then spent.
   */
  staleEnv?: { key: string; values: Map<string, string>; spent: boolean };
}

const FINALIZER = 'tektoninstallersets.operator.tekton.dev';
const WORKLOAD_GRACE_SECONDS = 2;
const SET_LABEL = 'operator.tekton.dev/installer-set';
/** Where the console plugin's set keeps the hash of what it installed (images included). */
const IMAGES_HASH = 'operator.tekton.dev/hash';

type Pod = KubeObject & {
  spec: { containers: Container[] };
  status?: { phase?: string };
};

export const OPERATOR_LEASE = 'tekton-operator-controller-config-leader-election';

/**
 * The operator process that reconciles: a pod of the operator Deployment holding the leader
 * lease. The holder keeps it while its pod runs — a pod being deleted runs, and leads, until
 * its termination grace period ends (the node agent) — so after an env change the old pod goes
 * on reconciling with the old env for that long (DOMAIN.md §9.3). A new holder is elected only
 * when the old one is gone.
 */
async function operatorLeader(kube: Kube, state: OperatorState): Promise<Pod | undefined> {
  const pods = (
    await kube.list<Pod>(
      `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`,
      `name=${OPERATOR_DEPLOYMENT}`,
    )
  ).filter((p) => p.status?.phase === 'Running');
  let leader = pods.find((p) => p.metadata.uid === state.leader);
  if (!leader) {
    leader = pods
      .filter((p) => !p.metadata.deletionTimestamp)
      .sort((a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
      )[0];
    if (!leader) return undefined;
    state.leader = leader.metadata.uid;
  }
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases/${OPERATOR_LEASE}`;
  const lease = await kube.getOrUndefined<{ spec?: { holderIdentity?: string } }>(leasePath);
  const spec = { holderIdentity: leader.metadata.name, leaseDurationSeconds: 60 };
  if (!lease)
    await kube.create(`/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: OPERATOR_LEASE, namespace: OPERATOR_NAMESPACE },
      spec,
    });
  else if (lease.spec?.holderIdentity !== leader.metadata.name)
    await kube.mergePatch(leasePath, { spec });
  return leader;
}

/** The cluster's OpenShift minor version, as the operator reads it from ClusterVersion. */
async function openshiftMinor(kube: Kube): Promise<number> {
  const version = await kube.getOrUndefined<{ status?: { desired?: { version?: string } } }>(
    '/apis/config.openshift.io/v1/clusterversions/version',
  );
  return Number(/^4\.(\d+)/.exec(version?.status?.desired?.version ?? '')?.[1] ?? 20);
}

type Condition = { type: string; status: string; reason?: string; message?: string };
type OperatorCr = KubeObject & {
  spec?: Record<string, { performance?: Record<string, unknown> } | string | undefined>;
  status?: { conditions?: Condition[]; version?: string };
};
type StatefulSet = KubeObject & {
  status?: { readyReplicas?: number; observedGeneration?: number };
};

const operatorCrPath = (owner: string, name?: string) =>
  resourcePath('operator.tekton.dev', 'v1alpha1', `${owner.toLowerCase()}s`, undefined, name);

async function reconcileOperator(kube: Kube, state: OperatorState): Promise<void> {
  const leader = await operatorLeader(kube, state);
  const lifecycle = leader?.spec.containers.find((c) => c.name === OPERATOR_CONTAINER);
  if (!leader || !lifecycle) return;
  const env = new Map((lifecycle.env ?? []).map((e) => [e.name, e.value ?? '']));
  const { recreateDelayMs, staleReadyMs, statefulsetOrdinals, staleImagesOnce } =
    await settings(kube);
  const envKey = hash([...env]);
  if (!staleImagesOnce) state.staleEnv = undefined;
  else state.staleEnv ??= { key: envKey, values: env, spent: false };
  const staleEnv =
    state.staleEnv && !state.staleEnv.spent && state.staleEnv.key !== envKey
      ? state.staleEnv
      : undefined;
  // The console plugin's variable is chosen once per operator process (updateOnce).
  let minor = state.openshiftMinor.get(leader.metadata.uid ?? '');
  if (minor === undefined) {
    minor = await openshiftMinor(kube);
    state.openshiftMinor.set(leader.metadata.uid ?? '', minor);
  }
  const configPath = operatorCrPath('TektonConfig', 'config');
  // The operator creates TektonConfig when it starts (the testbed can start it as the
  // release-tests install flow leaves it, statefulset-ordinals on).
  const ordinalsSpec = { performance: { 'statefulset-ordinals': true } };
  const config =
    (await kube.getOrUndefined<OperatorCr>(configPath)) ??
    (await kube.create<OperatorCr>(operatorCrPath('TektonConfig'), {
      apiVersion: 'operator.tekton.dev/v1alpha1',
      kind: 'TektonConfig',
      metadata: { name: 'config' },
      spec: {
        profile: 'all',
        targetNamespace: TARGET_NAMESPACE,
        ...(statefulsetOrdinals
          ? { pipeline: ordinalsSpec, chain: ordinalsSpec, result: ordinalsSpec }
          : {}),
      },
    }));
  const ordinalsOn = (section: string) => {
    const value = config.spec?.[section];
    return typeof value === 'object' && value.performance?.['statefulset-ordinals'] === true;
  };
  const setsPath = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');
  const sets = await kube.list<InstallerSet>(setsPath);
  const deployments = await kube.list<Deployment>(
    resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE),
  );
  const statefulSets = await kube.list<StatefulSet>(
    resourcePath('apps', 'v1', 'statefulsets', TARGET_NAMESPACE),
  );
  const now = Date.now();
  for (const set of sets.filter((s) => s.metadata.deletionTimestamp)) {
    // The real finalizer deletes every resource the set manages.
    for (const name of set.spec?.deployments ?? [])
      await kube.delete(resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE, name));
    for (const name of set.spec?.statefulSets ?? [])
      await kube.delete(resourcePath('apps', 'v1', 'statefulsets', TARGET_NAMESPACE, name));
    await kube.mergePatch(`${setsPath}/${set.metadata.name}`, {
      metadata: { finalizers: null },
    });
    state.deletedAt.set(set.metadata.name.slice(0, -5), now);
    const owner = set.metadata.labels?.['operator.tekton.dev/created-by'];
    if (owner && set.metadata.labels?.['operator.tekton.dev/type'] === 'main')
      state.deletedAt.set(`main:${owner}`, now);
    state.lastDeletion = now;
  }
  let configComplete = true;
  for (const component of RELEASE) {
    let cr: OperatorCr | undefined = component.owner === 'TektonConfig' ? config : undefined;
    if (component.owner === 'ManualApprovalGate') {
      // Nothing in TektonConfig creates a ManualApprovalGate: the component exists only when
      // someone applies one (DOMAIN.md §9.4; release-tests specs/olm.spec).
      cr = await kube.getOrUndefined<OperatorCr>(operatorCrPath(component.owner, component.crName));
      if (!cr) continue;
    } else if (!cr) {
      cr =
        (await kube.getOrUndefined<OperatorCr>(
          operatorCrPath(component.owner, component.crName),
        )) ??
        (await kube.create<OperatorCr>(operatorCrPath(component.owner), {
          apiVersion: 'operator.tekton.dev/v1alpha1',
          kind: component.owner,
          metadata: { name: component.crName },
          spec: { targetNamespace: TARGET_NAMESPACE },
        }));
    }
    const ordinals = component.ordinals !== undefined && ordinalsOn(component.ordinals);
    const problems = await reconcileComponent(kube, state, {
      component,
      sets,
      deployments,
      statefulSets,
      env,
      minor,
      ordinals,
      recreateDelayMs,
      staleEnv,
      now,
    });
    if (component.owner !== 'ManualApprovalGate' && problems.length > 0) configComplete = false;
    if (component.owner !== 'TektonConfig')
      await writeConditions(
        kube,
        operatorCrPath(component.owner, component.crName),
        cr,
        [
          condition('PreReconciler', []),
          condition(
            'InstallerSetAvailable',
            problems.filter((p) => p.startsWith('installer set')),
          ),
          condition('InstallerSetReady', problems),
          condition(
            'PostReconciler',
            problems.length > 0 ? ['waiting for the installer sets'] : [],
          ),
          condition('Ready', problems),
        ],
        component.payloadVersion,
      );
  }
  // Right after a deletion the real operator still reports the old Ready for a moment.
  const stale = state.wasReady && now - state.lastDeletion < staleReadyMs;
  const ready = configComplete || stale;
  state.wasReady = ready;
  const notReady = ready ? [] : ['Components not in ready state'];
  await writeConditions(
    kube,
    configPath,
    config,
    [
      condition('PreInstall', []),
      condition('ComponentsReady', notReady),
      condition('PostInstall', []),
      condition('Ready', notReady),
    ],
    OPERATOR_VERSION,
  );
}

/** A condition: True without problems, else False with the first problem as its message. */
function condition(type: string, problems: string[]): Condition {
  return problems.length === 0
    ? { type, status: 'True', reason: 'Installed' }
    : { type, status: 'False', reason: 'Error', message: problems.join('; ') };
}

/** Writes the conditions and version when they changed (an empty message is left out: the 1.20 API server stores "" as null and then refuses it). */
async function writeConditions(
  kube: Kube,
  path: string,
  cr: OperatorCr,
  conditions: Condition[],
  version?: string,
): Promise<void> {
  const key = (list: Condition[]) => JSON.stringify(list.map((c) => [c.type, c.status, c.message]));
  if (key(cr.status?.conditions ?? []) === key(conditions) && cr.status?.version === version)
    return;
  await kube.mergePatch(`${path}/status`, {
    status: {
      conditions,
      ...(version ? { version } : {}),
      observedGeneration: cr.metadata.generation,
    },
  });
}

/**
 * One component's installer sets and workloads; returns what keeps it from being ready
 * (empty when ready).
 */
async function reconcileComponent(
  kube: Kube,
  state: OperatorState,
  input: {
    component: ComponentRelease;
    sets: InstallerSet[];
    deployments: Deployment[];
    statefulSets: StatefulSet[];
    env: Map<string, string>;
    minor: number;
    ordinals: boolean;
    recreateDelayMs: number;
    staleEnv: OperatorState['staleEnv'];
    now: number;
  },
): Promise<string[]> {
  const { component, sets, ordinals, now } = input;
  const setsPath = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');
  const prefixOf = (definition: ComponentRelease['sets'][number]) =>
    ordinals && definition.statefulPrefix ? definition.statefulPrefix : definition.prefix;
  // upstream/pkg/reconciler/kubernetes/tektoninstallerset/client/check.go: a component's
  // main sets must be exactly two (static + deployment, or static + statefulset); any other
  // count is ErrInvalidState, on which cleanup.go deletes them all, static first, and
  // create.go makes both again. A set of the other kind (statefulset-ordinals switched) is
  // treated the same way: the testbed's simplification of that switch, not read from check.go.
  const mainDefinitions = component.sets.filter((d) => d.type === 'main');
  if (mainDefinitions.length > 0) {
    const mains = sets.filter(
      (s) =>
        !s.metadata.deletionTimestamp &&
        s.metadata.labels?.['operator.tekton.dev/created-by'] === component.owner &&
        s.metadata.labels?.['operator.tekton.dev/type'] === 'main',
    );
    const expected = mainDefinitions.map(prefixOf);
    const wrongKind = mains.some((s) => !expected.some((p) => s.metadata.name.startsWith(p)));
    if (mains.length > 0 && (mains.length !== mainDefinitions.length || wrongKind)) {
      const staticFirst = [...mains].sort(
        (a, b) =>
          Number(!a.metadata.name.includes('-main-static-')) -
          Number(!b.metadata.name.includes('-main-static-')),
      );
      for (const set of staticFirst) await kube.delete(`${setsPath}/${set.metadata.name}`);
      return [`installer sets of ${component.owner} in an invalid state: re-creating them`];
    }
  }
  const problems: string[] = [];
  for (const definition of component.sets) {
    const prefix = prefixOf(definition);
    const pattern = new RegExp(`^${prefix}[a-z0-9]{5}$`);
    const matching = sets.filter(
      (s) =>
        pattern.test(s.metadata.name) &&
        s.metadata.labels?.['operator.tekton.dev/type'] === definition.type,
    );
    const stale =
      definition.workloads && !definition.recreateOnImageChange ? input.staleEnv : undefined;
    const env = stale?.values ?? input.env;
    const workloads = definition.workloads ? component.workloads : [];
    const desired = workloads.map((workload) => ({
      workload,
      kind: ordinals && workload.ordinals ? ('StatefulSet' as const) : ('Deployment' as const),
      containers: workload.containers.map((c) => ({
        name: c.name,
        image:
          env.get(imageVariable(component.prefix, c.name, undefined, input.minor)) ??
          'missing-image',
        args: (c.imageFlags ?? []).flatMap((flag) => [
          flag,
          env.get(imageVariable(component.prefix, c.name, flag)) ?? 'missing-image',
        ]),
      })),
    }));
    const imagesHash = hash(desired.map((d) => d.containers));
    const installType = ordinals ? 'statefulset' : 'deployment';
    const live = matching.find((s) => !s.metadata.deletionTimestamp);
    if (
      live &&
      ((definition.recreateOnImageChange &&
        live.metadata.annotations?.[IMAGES_HASH] !== imagesHash) ||
        (definition.installType &&
          live.metadata.labels?.['operator.tekton.dev/installType'] !== installType))
    ) {
      // The console plugin's reconciler replaces its own set when its manifests' hash changes;
      // chains and results replace theirs when the install type changes.
      await kube.delete(`${setsPath}/${live.metadata.name}`);
      problems.push(`installer set ${live.metadata.name} is being replaced`);
      continue;
    }
    if (live) {
      for (const { workload, kind } of desired) {
        const notReady = workloadNotReady(input, workload.deployment, kind);
        if (notReady) problems.push(notReady);
      }
      continue;
    }
    problems.push(`installer set ${prefix}* is not there yet`);
    // create.go makes a component's main sets together, in one pass: waiting per set would
    // leave one alone for a moment, which check.go takes for an invalid state.
    const deletedKey = definition.type === 'main' ? `main:${component.owner}` : prefix;
    if (now - (state.deletedAt.get(deletedKey) ?? 0) < input.recreateDelayMs) continue;
    if (stale) stale.spent = true;
    const name = `${prefix}${suffix()}`;
    const of = (kind: string) =>
      desired.filter((d) => d.kind === kind).map((d) => d.workload.deployment);
    const set = await kube.create(setsPath, {
      apiVersion: 'operator.tekton.dev/v1alpha1',
      kind: 'TektonInstallerSet',
      metadata: {
        name,
        finalizers: [FINALIZER],
        labels: {
          'operator.tekton.dev/created-by': definition.createdBy ?? component.owner,
          'operator.tekton.dev/type': definition.type,
          'operator.tekton.dev/release-version': OPERATOR_VERSION,
          ...(definition.installType ? { 'operator.tekton.dev/installType': installType } : {}),
        },
        ...(definition.recreateOnImageChange ? { annotations: { [IMAGES_HASH]: imagesHash } } : {}),
      },
      spec: { deployments: of('Deployment'), statefulSets: of('StatefulSet') },
    });
    for (const { workload, kind, containers } of desired) {
      const labels = { app: workload.deployment };
      const plural = kind === 'StatefulSet' ? 'statefulsets' : 'deployments';
      // A workload of the other kind left from before is replaced.
      for (const other of ['deployments', 'statefulsets'])
        await kube.delete(resourcePath('apps', 'v1', other, TARGET_NAMESPACE, workload.deployment));
      await createWhenGone(kube, resourcePath('apps', 'v1', plural, TARGET_NAMESPACE), {
        apiVersion: 'apps/v1',
        kind,
        metadata: {
          name: workload.deployment,
          namespace: TARGET_NAMESPACE,
          labels: { ...labels, [SET_LABEL]: name },
          // The installer set reconciler makes the set the owner of what it applies.
          ownerReferences: [
            {
              apiVersion: 'operator.tekton.dev/v1alpha1',
              kind: 'TektonInstallerSet',
              name,
              uid: set.metadata.uid ?? '',
            },
          ],
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          ...(kind === 'StatefulSet' ? { serviceName: workload.deployment } : {}),
          // Tekton's manifests leave the grace period at Kubernetes' 30 s; a StatefulSet's new
          // pod waits for the old one to be gone, so the testbed shortens it to keep tests quick.
          template: {
            metadata: { labels },
            spec: { containers, terminationGracePeriodSeconds: WORKLOAD_GRACE_SECONDS },
          },
        },
      });
    }
  }
  return problems;
}

function workloadNotReady(
  input: { deployments: Deployment[]; statefulSets: StatefulSet[] },
  name: string,
  kind: 'Deployment' | 'StatefulSet',
): string | undefined {
  const workload =
    kind === 'StatefulSet'
      ? input.statefulSets.find((s) => s.metadata.name === name)
      : input.deployments.find((d) => d.metadata.name === name);
  if (!workload) return `${kind} ${name} does not exist`;
  const status = workload.status as
    { availableReplicas?: number; readyReplicas?: number; observedGeneration?: number } | undefined;
  const ready = kind === 'StatefulSet' ? status?.readyReplicas : status?.availableReplicas;
  if ((ready ?? 0) < 1 || status?.observedGeneration !== workload.metadata.generation)
    return `${kind} ${name} is not ready`;
  return undefined;
}

/** Creates an object whose namesake is still being deleted (409 until it is gone). */
async function createWhenGone(kube: Kube, collection: string, object: KubeObject): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await kube.create(collection, object);
      return;
    } catch (error) {
      if (!(error instanceof KubeError && error.status === 409) || attempt >= 300) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// ---------------------------------------------------------------- registry operator

export const REGISTRY_ROUTE_HOST = 'default-route-openshift-image-registry.apps.testbed.example';

async function reconcileRegistry(kube: Kube): Promise<void> {
  const config = await kube.getOrUndefined<KubeObject & { spec?: { defaultRoute?: boolean } }>(
    resourcePath('imageregistry.operator.openshift.io', 'v1', 'configs', undefined, 'cluster'),
  );
  const routePath = resourcePath('route.openshift.io', 'v1', 'routes', 'openshift-image-registry');
  const route = await kube.getOrUndefined(`${routePath}/default-route`);
  if (config?.spec?.defaultRoute && !route) {
    await kube.create(routePath, {
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: { name: 'default-route', namespace: 'openshift-image-registry' },
      spec: {
        host: REGISTRY_ROUTE_HOST,
        to: { kind: 'Service', name: 'image-registry' },
        port: { targetPort: '5000-tcp' },
        tls: { termination: 'reencrypt' },
      },
    });
  } else if (!config?.spec?.defaultRoute && route) {
    await kube.delete(`${routePath}/default-route`);
  }
}

// ---------------------------------------------------------------- metrics-server

/** Usage a pod reports: its `testbed.streamstress/cpu` and `/memory` annotations, else a small idle load. */
async function reconcileMetrics(kube: Kube): Promise<void> {
  type Pod = KubeObject & { status?: { phase?: string; containerStatuses?: { name: string }[] } };
  const pods = (await kube.list<Pod>('/api/v1/pods')).filter((p) => p.status?.phase === 'Running');
  const timestamp = new Date().toISOString();
  let cpuMilli = 0;
  let memoryMi = 0;
  for (const pod of pods) {
    const cpu = Number(pod.metadata.annotations?.['testbed.streamstress/cpu-millicores'] ?? 5);
    const memory = Number(
      pod.metadata.annotations?.['testbed.streamstress/memory-mebibytes'] ?? 48,
    );
    cpuMilli += cpu;
    memoryMi += memory;
    const namespace = pod.metadata.namespace ?? 'default';
    const metrics = {
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'PodMetrics',
      metadata: { name: pod.metadata.name, namespace },
      timestamp,
      window: '10s',
      containers: (pod.status?.containerStatuses ?? []).map((c) => ({
        name: c.name,
        usage: { cpu: `${cpu * 1_000_000}n`, memory: `${memory * 1024}Ki` },
      })),
    };
    await upsert(
      kube,
      resourcePath('metrics.k8s.io', 'v1beta1', 'pods', namespace),
      pod.metadata.name,
      metrics,
    );
  }
  for (const stale of await kube.list(resourcePath('metrics.k8s.io', 'v1beta1', 'pods'))) {
    if (
      !pods.some(
        (p) =>
          p.metadata.name === stale.metadata.name &&
          p.metadata.namespace === stale.metadata.namespace,
      )
    ) {
      await kube.delete(
        resourcePath(
          'metrics.k8s.io',
          'v1beta1',
          'pods',
          stale.metadata.namespace,
          stale.metadata.name,
        ),
      );
    }
  }
  await upsert(kube, resourcePath('metrics.k8s.io', 'v1beta1', 'nodes'), 'testbed-node', {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'NodeMetrics',
    metadata: { name: 'testbed-node' },
    timestamp,
    window: '10s',
    usage: { cpu: `${500 + cpuMilli}m`, memory: `${2048 + memoryMi}Mi` },
  });
}

async function upsert(
  kube: Kube,
  collection: string,
  name: string,
  object: KubeObject,
): Promise<void> {
  try {
    await kube.mergePatch(`${collection}/${name}`, object);
  } catch (error) {
    if (error instanceof KubeError && error.status === 404) await kube.create(collection, object);
    else throw error;
  }
}
