import { ExitCode, StreamstressError } from '../errors.js';
import { KubeError, resourcePath, type KubeClient, type KubeObject } from '../adapters/kube.js';
import { OPERATOR, permissionAware, type Csv } from './operator.js';
import { watchUntil } from './watch.js';
import type { ComponentSpec } from '../config/components.js';

export interface SetupOptions {
  kube: KubeClient;
  imageNamespace?: string;
  operatorNamespace?: string;
  channel?: string;
  catalogSource?: string;
  catalogSourceNamespace?: string;
  timeoutMs?: number;
  /**
   * The planned components: for each whose operator resource must exist before the operator
   * installs it (`setup-creates`, manual-approval-gate), setup creates that resource.
   */
  components?: ComponentSpec[];
  targetNamespace?: string;
  onStep?: (step: SetupStep) => void;
}

export interface SetupStep {
  step: string;
  status: 'done' | 'already' | 'failed';
  detail: string;
}

export interface SetupResult {
  steps: SetupStep[];
  registryRoute: string;
  internalRegistry: string;
  operatorVersion?: string;
}

export const INTERNAL_REGISTRY = 'image-registry.openshift-image-registry.svc:5000';
const REGISTRY_CONFIG = resourcePath(
  'imageregistry.operator.openshift.io',
  'v1',
  'configs',
  undefined,
  'cluster',
);
const ROUTE = resourcePath(
  'route.openshift.io',
  'v1',
  'routes',
  'openshift-image-registry',
  'default-route',
);

/**
 * Prepares a cluster for streamstress, idempotently: each step says whether it did something
 * (`done`), found it done (`already`) or could not (`failed`, with the reason; nothing after it
 * runs). Running it twice changes nothing the second time.
 */
export async function setupCluster(options: SetupOptions): Promise<SetupResult> {
  const { kube } = options;
  const imageNamespace = options.imageNamespace ?? 'tekton-upstream';
  const operatorNamespace = options.operatorNamespace ?? 'openshift-operators';
  const timeoutMs = options.timeoutMs ?? 600_000;
  const steps: SetupStep[] = [];
  const run = async <T>(
    step: string,
    body: () => Promise<[SetupStep['status'], string, T]>,
  ): Promise<T> => {
    try {
      const [status, detail, value] = await body();
      record({ step, status, detail });
      return value;
    } catch (error) {
      const reason = permissionAware(error, step);
      record({
        step,
        status: 'failed',
        detail: reason instanceof Error ? reason.message : String(reason),
      });
      throw new StreamstressError(`Cluster setup failed at "${step}".`, {
        exitCode: ExitCode.infrastructure,
        problems: steps.map((s) => `${s.status.padEnd(7)} ${s.step}: ${s.detail}`),
        ...(reason instanceof StreamstressError && reason.hint ? { hint: reason.hint } : {}),
      });
    }
  };
  const record = (step: SetupStep) => {
    steps.push(step);
    options.onStep?.(step);
  };

  const registryRoute = await run('expose the internal registry', async () => {
    const config = await kube.get<
      KubeObject & { spec?: { defaultRoute?: boolean; managementState?: string } }
    >(REGISTRY_CONFIG);
    let status: SetupStep['status'] = 'already';
    if (!config.spec?.defaultRoute || config.spec.managementState === 'Removed') {
      const patch: Record<string, unknown> = { defaultRoute: true };
      if (config.spec?.managementState === 'Removed')
        Object.assign(patch, { managementState: 'Managed', storage: { emptyDir: {} } });
      await kube.mergePatch(REGISTRY_CONFIG, { spec: patch });
      status = 'done';
    }
    const host = await watchUntil(
      kube,
      [resourcePath('route.openshift.io', 'v1', 'routes', 'openshift-image-registry')],
      timeoutMs,
      () => registryRouteHost(kube),
    );
    if (!host)
      throw new Error(
        `routes/default-route in openshift-image-registry got no host within ${timeoutMs / 1000} s`,
      );
    return [status, `route host ${host}`, host];
  });

  await run(`create the image namespace ${imageNamespace}`, async () => {
    if (await kube.getOrUndefined(`/api/v1/namespaces/${imageNamespace}`))
      return ['already', 'exists', undefined];
    await kube.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: imageNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'streamstress' },
      },
    });
    return ['done', 'created', undefined];
  });

  await run(`let every namespace pull from ${imageNamespace}`, async () => {
    const bindings = resourcePath(
      'rbac.authorization.k8s.io',
      'v1',
      'rolebindings',
      imageNamespace,
    );
    if (await kube.getOrUndefined(`${bindings}/streamstress-image-pullers`))
      return ['already', 'system:image-puller is bound to system:serviceaccounts', undefined];
    // Pods pull as their service accounts; entrypoint and nop images run in every namespace.
    await kube.create(bindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'streamstress-image-pullers', namespace: imageNamespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:image-puller',
      },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts' },
      ],
    });
    return ['done', 'bound system:image-puller to system:serviceaccounts', undefined];
  });

  const operatorVersion = await run('install the OpenShift Pipelines operator', async () => {
    const installed = await installedVersion(kube, operatorNamespace);
    if (installed.present)
      return [
        'already',
        installed.version ? `version ${installed.version}` : 'TektonConfig exists',
        installed.version,
      ];
    const groups = resourcePath('operators.coreos.com', 'v1', 'operatorgroups', operatorNamespace);
    if ((await kube.list(groups)).length === 0) {
      await kube.create(groups, {
        apiVersion: 'operators.coreos.com/v1',
        kind: 'OperatorGroup',
        metadata: { name: 'streamstress-operators', namespace: operatorNamespace },
        spec: {},
      });
    }
    const subscriptions = resourcePath(
      'operators.coreos.com',
      'v1alpha1',
      'subscriptions',
      operatorNamespace,
    );
    await kube
      .create(subscriptions, {
        apiVersion: 'operators.coreos.com/v1alpha1',
        kind: 'Subscription',
        metadata: { name: OPERATOR.package, namespace: operatorNamespace },
        spec: {
          name: OPERATOR.package,
          channel: options.channel ?? 'latest',
          source: options.catalogSource ?? 'redhat-operators',
          sourceNamespace: options.catalogSourceNamespace ?? 'openshift-marketplace',
          installPlanApproval: 'Automatic',
        },
      })
      .catch((error: unknown) => {
        if (!(error instanceof KubeError && error.status === 409)) throw error;
      });
    const ready = await watchUntil(
      kube,
      [
        resourcePath('apps', 'v1', 'deployments', operatorNamespace),
        resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs'),
      ],
      timeoutMs,
      async () => {
        const deployment = await kube.getOrUndefined<
          KubeObject & { status?: { availableReplicas?: number } }
        >(resourcePath('apps', 'v1', 'deployments', operatorNamespace, OPERATOR.deployment));
        const config = await kube.getOrUndefined(
          resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs', undefined, 'config'),
        );
        return (deployment?.status?.availableReplicas ?? 0) > 0 && config ? true : undefined;
      },
    );
    if (!ready)
      throw new Error(
        `the operator Deployment was not Available with a TektonConfig within ${timeoutMs / 1000} s; see the Subscription ${OPERATOR.package} in ${operatorNamespace}`,
      );
    const after = await installedVersion(kube, operatorNamespace);
    return [
      'done',
      `subscribed to ${OPERATOR.package} (${options.channel ?? 'latest'}), version ${after.version ?? 'unknown'}`,
      after.version,
    ];
  });

  for (const component of options.components ?? []) {
    const resource = component.customResource;
    if (!resource?.setupCreates) continue;
    await run(`create the ${resource.kind} ${resource.name}`, async () => {
      const collection = resourcePath('operator.tekton.dev', 'v1alpha1', resource.plural);
      if (await kube.getOrUndefined(`${collection}/${resource.name}`))
        return ['already', 'exists', undefined];
      // As release-tests' specs/olm.spec applies it: the operator installs the component only
      // when this resource exists (DOMAIN.md §9.4).
      await kube.create(collection, {
        apiVersion: 'operator.tekton.dev/v1alpha1',
        kind: resource.kind,
        metadata: { name: resource.name },
        spec: { targetNamespace: options.targetNamespace ?? 'openshift-pipelines' },
      });
      return ['done', `created, so that the operator installs ${component.name}`, undefined];
    });
  }

  return {
    steps,
    registryRoute,
    internalRegistry: INTERNAL_REGISTRY,
    ...(operatorVersion ? { operatorVersion } : {}),
  };
}

async function installedVersion(
  kube: KubeClient,
  namespace: string,
): Promise<{ present: boolean; version?: string }> {
  const csvs = await kube.list<Csv>(
    resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', namespace),
  );
  const csv = csvs.find((c) =>
    c.spec.install.spec.deployments.some((d) => d.name === OPERATOR.deployment),
  );
  if (csv) return { present: true, ...(csv.spec.version ? { version: csv.spec.version } : {}) };
  const config = await kube.getOrUndefined(
    resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs', undefined, 'config'),
  );
  return { present: config !== undefined };
}

/** The host of the internal registry's route, when the cluster exposes it. */
export async function registryRouteHost(kube: KubeClient): Promise<string | undefined> {
  return (await kube.getOrUndefined<KubeObject & { spec?: { host?: string } }>(ROUTE))?.spec?.host;
}
