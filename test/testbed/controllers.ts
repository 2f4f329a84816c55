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
      () => reconcileOlm(kube),
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

async function reconcileOlm(kube: Kube): Promise<void> {
  for (const sub of await kube.list<
    KubeObject & { spec: { name: string }; status?: { installedCSV?: string } }
  >('/apis/operators.coreos.com/v1alpha1/subscriptions')) {
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
    const csvPath = resourcePath(
      'operators.coreos.com',
      'v1alpha1',
      'clusterserviceversions',
      namespace,
    );
    if (!(await kube.getOrUndefined(`${csvPath}/${CSV_NAME}`))) {
      const csv = operatorCsv((await settings(kube)).operatorGraceSeconds) as KubeObject;
      csv.metadata.namespace = namespace;
      await kube.create(csvPath, csv);
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
    if (sub.status?.installedCSV !== CSV_NAME) {
      await kube.mergePatch(subStatus, {
        status: {
          installedCSV: CSV_NAME,
          currentCSV: CSV_NAME,
          state: 'AtLatestKnown',
          conditions: [],
        },
      });
    }
  }
  const { propagateCsvEnv } = await settings(kube);
  type Csv = KubeObject & {
    spec: { install: { spec: { deployments: { name: string; spec: DeploymentSpec }[] } } };
    status?: { phase?: string };
  };
  for (const csv of await kube.list<Csv>(
    '/apis/operators.coreos.com/v1alpha1/clusterserviceversions',
  )) {
    const namespace = csv.metadata.namespace ?? '';
    for (const { name, spec } of csv.spec.install.spec.deployments) {
      const path = resourcePath('apps', 'v1', 'deployments', namespace, name);
      const existing = await kube.getOrUndefined<Deployment>(path);
      const specHash = hash(spec);
      if (!existing) {
        await kube.create(resourcePath('apps', 'v1', 'deployments', namespace), {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {
            name,
            namespace,
            labels: { 'olm.owner': csv.metadata.name, 'olm.deployment-spec-hash': specHash },
          },
          spec,
        });
      } else if (existing.metadata.labels?.['olm.deployment-spec-hash'] !== specHash) {
        // OLM compares hashes only: a direct edit of the Deployment stays until the CSV changes.
        const desired = structuredClone(spec);
        if (!propagateCsvEnv) {
          for (const container of desired.template.spec.containers) {
            const current = existing.spec.template.spec.containers.find(
              (c) => c.name === container.name,
            );
            if (current) container.env = current.env;
          }
        }
        await kube.mergePatch(path, {
          metadata: { labels: { 'olm.deployment-spec-hash': specHash } },
          spec: desired,
        });
      }
    }
    if (csv.status?.phase !== 'Succeeded') {
      await kube.mergePatch(
        `${resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', namespace, csv.metadata.name)}/status`,
        {
          status: {
            phase: 'Succeeded',
            reason: 'InstallSucceeded',
            message: 'install strategy completed with no errors',
          },
        },
      );
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
type InstallerSet = KubeObject & { spec?: { deployments?: string[] } };

interface OperatorState {
  /** When each installer set kind was last seen deleted, by set prefix. */
  deletedAt: Map<string, number>;
  lastDeletion: number;
  wasReady: boolean;
  /** The UID of the operator pod that holds the leader lease. */
  leader?: string;
  /** The OpenShift minor version each operator process read at its start, by pod UID. */
  openshiftMinor: Map<string, number>;
}

const FINALIZER = 'tektoninstallersets.operator.tekton.dev';
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

async function reconcileOperator(kube: Kube, state: OperatorState): Promise<void> {
  const leader = await operatorLeader(kube, state);
  const lifecycle = leader?.spec.containers.find((c) => c.name === OPERATOR_CONTAINER);
  if (!leader || !lifecycle) return;
  const env = new Map((lifecycle.env ?? []).map((e) => [e.name, e.value ?? '']));
  // The console plugin's variable is chosen once per operator process (updateOnce).
  let minor = state.openshiftMinor.get(leader.metadata.uid ?? '');
  if (minor === undefined) {
    minor = await openshiftMinor(kube);
    state.openshiftMinor.set(leader.metadata.uid ?? '', minor);
  }
  const { recreateDelayMs, staleReadyMs } = await settings(kube);
  const configPath = resourcePath(
    'operator.tekton.dev',
    'v1alpha1',
    'tektonconfigs',
    undefined,
    'config',
  );
  type Config = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
  let config = await kube.getOrUndefined<Config>(configPath);
  if (!config) {
    config = await kube.create<Config>(
      resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs'),
      {
        apiVersion: 'operator.tekton.dev/v1alpha1',
        kind: 'TektonConfig',
        metadata: { name: 'config' },
        spec: { profile: 'all', targetNamespace: TARGET_NAMESPACE },
      },
    );
  }
  const setsPath = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');
  const sets = await kube.list<InstallerSet>(setsPath);
  const deployments = await kube.list<Deployment>(
    resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE),
  );
  const now = Date.now();
  let complete = true;
  for (const component of RELEASE) {
    const ownerName =
      component.owner === 'TektonConfig'
        ? 'config'
        : component.owner === 'ManualApprovalGate'
          ? 'manual-approval-gate'
          : component.owner.replace(/^Tekton/, '').toLowerCase();
    if (component.owner !== 'TektonConfig') {
      const plural = `${component.owner.toLowerCase()}s`;
      if (
        !(await kube.getOrUndefined(
          resourcePath('operator.tekton.dev', 'v1alpha1', plural, undefined, ownerName),
        ))
      ) {
        await kube.create(resourcePath('operator.tekton.dev', 'v1alpha1', plural), {
          apiVersion: 'operator.tekton.dev/v1alpha1',
          kind: component.owner,
          metadata: { name: ownerName },
          spec: { targetNamespace: TARGET_NAMESPACE },
        });
      }
    }
    // upstream/pkg/reconciler/kubernetes/tektoninstallerset/client/check.go: a component's
    // main sets must be exactly two (static + deployment); any other count is ErrInvalidState,
    // on which cleanup.go deletes them all, static first, and create.go makes both again.
    const mainCount = component.sets.filter((d) => d.type === 'main').length;
    if (mainCount > 0) {
      const mains = sets.filter(
        (s) =>
          !s.metadata.deletionTimestamp &&
          s.metadata.labels?.['operator.tekton.dev/created-by'] === component.owner &&
          s.metadata.labels?.['operator.tekton.dev/type'] === 'main',
      );
      if (mains.length > 0 && mains.length !== mainCount) {
        const staticFirst = [...mains].sort(
          (a, b) =>
            Number(!a.metadata.name.includes('-main-static-')) -
            Number(!b.metadata.name.includes('-main-static-')),
        );
        for (const set of staticFirst) await kube.delete(`${setsPath}/${set.metadata.name}`);
        complete = false;
        continue;
      }
    }
    for (const definition of component.sets) {
      const pattern = new RegExp(`^${definition.prefix}[a-z0-9]{5}$`);
      const matching = sets.filter(
        (s) =>
          pattern.test(s.metadata.name) &&
          s.metadata.labels?.['operator.tekton.dev/type'] === definition.type,
      );
      for (const set of matching.filter((s) => s.metadata.deletionTimestamp)) {
        // The real finalizer deletes every resource the set manages.
        for (const name of set.spec?.deployments ?? [])
          await kube.delete(resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE, name));
        await kube.mergePatch(`${setsPath}/${set.metadata.name}`, {
          metadata: { finalizers: null },
        });
        state.deletedAt.set(definition.prefix, now);
        state.lastDeletion = now;
      }
      const workloads = definition.workloads ? component.workloads : [];
      const desired = workloads.map((workload) => ({
        workload,
        containers: workload.containers.map((c) => ({
          name: c.name,
          image:
            env.get(imageVariable(component.prefix, c.name, undefined, minor)) ?? 'missing-image',
          args: (c.imageFlags ?? []).flatMap((flag) => [
            flag,
            env.get(imageVariable(component.prefix, c.name, flag)) ?? 'missing-image',
          ]),
        })),
      }));
      const imagesHash = hash(desired.map((d) => d.containers));
      const live = matching.find((s) => !s.metadata.deletionTimestamp);
      if (
        live &&
        definition.recreateOnImageChange &&
        live.metadata.annotations?.[IMAGES_HASH] !== imagesHash
      ) {
        // The console plugin's reconciler replaces its own set when its manifests' hash changes.
        await kube.delete(`${setsPath}/${live.metadata.name}`);
        complete = false;
        continue;
      }
      if (live) {
        if (definition.workloads) {
          for (const workload of component.workloads) {
            const deployment = deployments.find((d) => d.metadata.name === workload.deployment);
            if (
              !deployment ||
              (deployment.status?.availableReplicas ?? 0) < 1 ||
              deployment.status?.observedGeneration !== deployment.metadata.generation
            )
              complete = false;
          }
        }
        continue;
      }
      complete = false;
      if (now - (state.deletedAt.get(definition.prefix) ?? 0) < recreateDelayMs) continue;
      const name = `${definition.prefix}${suffix()}`;
      await kube.create(setsPath, {
        apiVersion: 'operator.tekton.dev/v1alpha1',
        kind: 'TektonInstallerSet',
        metadata: {
          name,
          finalizers: [FINALIZER],
          labels: {
            'operator.tekton.dev/created-by': definition.createdBy ?? component.owner,
            'operator.tekton.dev/type': definition.type,
            'operator.tekton.dev/release-version': OPERATOR_VERSION,
          },
          ...(definition.recreateOnImageChange
            ? { annotations: { [IMAGES_HASH]: imagesHash } }
            : {}),
        },
        spec: { deployments: workloads.map((w) => w.deployment) },
      });
      for (const { workload, containers } of desired) {
        const labels = { app: workload.deployment };
        await kube.delete(
          resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE, workload.deployment),
        );
        await kube.create(resourcePath('apps', 'v1', 'deployments', TARGET_NAMESPACE), {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {
            name: workload.deployment,
            namespace: TARGET_NAMESPACE,
            labels: { ...labels, [SET_LABEL]: name },
          },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers } },
          },
        });
      }
    }
  }
  // Right after a deletion the real operator still reports the old Ready for a moment.
  const stale = state.wasReady && now - state.lastDeletion < staleReadyMs;
  const ready = complete || stale;
  state.wasReady = ready;
  // An empty message is left out: the 1.20 API server stores "" as null and then refuses it.
  const condition = (type: string, status: boolean, reason: string) => ({
    type,
    status: status ? 'True' : 'False',
    reason,
    ...(status ? {} : { message: 'Components not in ready state' }),
  });
  const conditions = [
    condition('PreInstall', true, 'Installed'),
    condition('ComponentsReady', ready, ready ? 'Installed' : 'Error'),
    condition('PostInstall', true, 'Installed'),
    condition('Ready', ready, ready ? 'Installed' : 'Error'),
  ];
  const current = config.status?.conditions ?? [];
  if (
    JSON.stringify(current.map((c) => [c.type, c.status])) !==
    JSON.stringify(conditions.map((c) => [c.type, c.status]))
  ) {
    await kube.mergePatch(`${configPath}/status`, {
      status: {
        conditions,
        version: OPERATOR_VERSION,
        observedGeneration: config.metadata.generation,
      },
    });
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
