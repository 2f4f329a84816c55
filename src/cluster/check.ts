import { KubeError, resourcePath, type KubeClient } from '../adapters/kube.js';
import { programVersion, type RunProgram } from '../adapters/exec.js';
import { findContainerTool } from '../build/container.js';
import { StreamstressError } from '../errors.js';
import { findCsv, operatorSubscription, registryOverrideWarning, type Csv } from './operator.js';

export interface CheckLine {
  status: 'ok' | 'missing' | 'auto-fixable' | 'warning';
  what: string;
  detail: string;
  /** A hard prerequisite: its absence makes `check` exit 2. */
  hard: boolean;
}

interface Permission {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  why: string;
}

/** Every request streamstress makes, as SelfSubjectAccessReview attributes. */
function permissions(
  operatorNamespace: string,
  targetNamespace: string,
  imageNamespace: string,
): Permission[] {
  const olm = 'operators.coreos.com';
  const tekton = 'operator.tekton.dev';
  return [
    ...['list', 'watch', 'patch'].map((verb) => ({
      verb,
      group: olm,
      resource: 'clusterserviceversions',
      namespace: operatorNamespace,
      why: 'deploy changes IMAGE_* in the CSV',
    })),
    ...['get', 'watch', 'patch'].map((verb) => ({
      verb,
      group: 'apps',
      resource: 'deployments',
      namespace: operatorNamespace,
      why: 'deploy falls back to the operator Deployment',
    })),
    ...['list', 'watch', 'delete'].map((verb) => ({
      verb,
      group: tekton,
      resource: 'tektoninstallersets',
      why: 'deploy recycles installer sets',
    })),
    ...['get', 'watch'].map((verb) => ({
      verb,
      group: tekton,
      resource: 'tektonconfigs',
      why: 'deploy waits for Ready',
    })),
    ...['list', 'watch'].flatMap((verb) =>
      ['pods', 'deployments', 'statefulsets'].map((resource) => ({
        verb,
        group: resource === 'pods' ? '' : 'apps',
        resource,
        namespace: targetNamespace,
        why: 'deploy verifies the running images',
      })),
    ),
    ...['list', 'watch'].flatMap((verb) =>
      ['pods', 'replicasets'].map((resource) => ({
        verb,
        group: resource === 'pods' ? '' : 'apps',
        resource,
        namespace: operatorNamespace,
        why: "deploy waits for the operator's own rollout",
      })),
    ),
    {
      verb: 'list',
      group: olm,
      resource: 'subscriptions',
      namespace: operatorNamespace,
      why: "deploy finds the installed CSV and the Subscription's env overrides",
    },
    ...[
      'tektonpipelines',
      'tektontriggers',
      'tektonchains',
      'tektonresults',
      'manualapprovalgates',
    ].map((resource) => ({
      verb: 'get',
      group: tekton,
      resource,
      why: "deploy waits for the component's Ready and records its version",
    })),
    {
      verb: 'create',
      group: tekton,
      resource: 'manualapprovalgates',
      why: 'setup creates the ManualApprovalGate when manual-approval-gate is planned',
    },
    {
      verb: 'get',
      group: 'config.openshift.io',
      resource: 'clusterversions',
      why: 'deploy picks the console plugin variable by the OpenShift version',
    },
    {
      verb: 'patch',
      group: 'imageregistry.operator.openshift.io',
      resource: 'configs',
      why: 'setup exposes the registry',
    },
    {
      verb: 'get',
      group: 'route.openshift.io',
      resource: 'routes',
      namespace: 'openshift-image-registry',
      why: 'setup finds the registry route',
    },
    { verb: 'create', group: '', resource: 'namespaces', why: 'setup creates the image namespace' },
    {
      verb: 'create',
      group: 'rbac.authorization.k8s.io',
      resource: 'rolebindings',
      namespace: imageNamespace,
      why: 'setup lets every namespace pull',
    },
    {
      verb: 'create',
      group: olm,
      resource: 'subscriptions',
      namespace: operatorNamespace,
      why: 'setup installs the operator',
    },
  ];
}

const TOOLS: { name: string; args: string[]; hard: boolean; purpose: string }[] = [
  { name: 'git', args: ['--version'], hard: true, purpose: 'planning and sources' },
  { name: 'ko', args: ['version'], hard: true, purpose: 'building the Go components' },
  { name: 'go', args: ['version'], hard: true, purpose: 'ko builds with it' },
  { name: 'gauge', args: ['version'], hard: true, purpose: 'running release-tests' },
];

/**
 * What `streamstress check` reports: tools and their versions, the cluster, each permission
 * streamstress uses (asked with SelfSubjectAccessReviews, not "is cluster-admin"), the operator,
 * the registry route and the metrics API.
 */
export async function checkPrerequisites(options: {
  run: RunProgram;
  connect: () => Promise<KubeClient>;
  operatorNamespace?: string;
  targetNamespace?: string;
  imageNamespace?: string;
}): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  for (const tool of TOOLS) {
    const found = await programVersion(options.run, tool.name, tool.args);
    lines.push({
      status: found ? 'ok' : 'missing',
      what: tool.name,
      detail: found ?? `not on PATH (needed for ${tool.purpose})`,
      hard: tool.hard,
    });
  }
  const containerTool = await findContainerTool(options.run);
  lines.push({
    status: containerTool ? 'ok' : 'warning',
    what: 'podman, docker or buildah',
    detail: containerTool?.version ?? 'none is on PATH (needed only for the console plugin)',
    hard: false,
  });

  let kube: KubeClient;
  try {
    kube = await options.connect();
    const info = await kube.get<{ gitVersion?: string; metadata?: unknown }>('/version');
    await kube.get('/apis');
    lines.push({
      status: 'ok',
      what: 'cluster',
      detail: `${kube.server}, Kubernetes ${info.gitVersion ?? 'unknown version'}, authenticated`,
      hard: true,
    });
  } catch (error) {
    lines.push({
      status: 'missing',
      what: 'cluster',
      detail:
        error instanceof KubeError && error.status === 401
          ? 'credentials refused: log in again'
          : (error as Error).message,
      hard: true,
    });
    return lines;
  }

  const operatorNamespace = options.operatorNamespace ?? 'openshift-operators';
  for (const p of permissions(
    operatorNamespace,
    options.targetNamespace ?? 'openshift-pipelines',
    options.imageNamespace ?? 'tekton-upstream',
  )) {
    const review = await kube.create<{ status?: { allowed?: boolean } }>(
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: p.verb,
            group: p.group,
            resource: p.resource,
            ...(p.namespace ? { namespace: p.namespace } : {}),
          },
        },
      },
    );
    const what = `may ${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}${p.namespace ? ` in ${p.namespace}` : ''}`;
    lines.push({
      status: review.status?.allowed ? 'ok' : 'missing',
      what,
      detail: p.why,
      hard: true,
    });
  }

  let csv: Csv | undefined;
  let csvProblem: string | undefined;
  try {
    csv = await findCsv(kube, operatorNamespace);
  } catch (error) {
    // No operator yet is what setup installs; a copied CSV or an upgrade under way is not.
    if (!(error instanceof StreamstressError) || !/^No OpenShift Pipelines/.test(error.message))
      csvProblem = error instanceof StreamstressError ? error.describe() : (error as Error).message;
  }
  lines.push(
    csv
      ? {
          status: 'ok',
          what: 'OpenShift Pipelines operator',
          detail: `${csv.metadata.name} (${csv.status?.phase ?? 'unknown phase'})`,
          hard: true,
        }
      : csvProblem
        ? {
            status: 'missing',
            what: 'OpenShift Pipelines operator',
            detail: csvProblem,
            hard: true,
          }
        : {
            status: 'auto-fixable',
            what: 'OpenShift Pipelines operator',
            detail: `not installed in ${operatorNamespace}`,
            hard: true,
          },
  );
  const subscription = await operatorSubscription(kube, operatorNamespace).catch(() => undefined);
  const override = csv ? registryOverrideWarning(csv, subscription) : undefined;
  if (override)
    lines.push({ status: 'warning', what: 'registry override', detail: override, hard: false });
  const overridden = (subscription?.spec.config?.env ?? [])
    .map((e) => e.name)
    .filter((name) => name.startsWith('IMAGE_'));
  if (overridden.length > 0)
    lines.push({
      status: 'warning',
      what: 'Subscription env overrides',
      detail: `the Subscription sets ${overridden.join(', ')} over the CSV: deploy refuses to swap ${overridden.length === 1 ? 'that image' : 'those images'}`,
      hard: false,
    });
  const route = await kube
    .getOrUndefined<{ spec?: { host?: string } }>(
      resourcePath(
        'route.openshift.io',
        'v1',
        'routes',
        'openshift-image-registry',
        'default-route',
      ),
    )
    .catch(() => undefined);
  lines.push(
    route?.spec?.host
      ? { status: 'ok', what: 'registry route', detail: route.spec.host, hard: true }
      : {
          status: 'auto-fixable',
          what: 'registry route',
          detail: 'the internal registry is not exposed',
          hard: true,
        },
  );
  const metrics = await kube.list(resourcePath('metrics.k8s.io', 'v1beta1', 'nodes')).then(
    (items) => `${items.length} node(s) reporting`,
    () => undefined,
  );
  lines.push({
    status: metrics ? 'ok' : 'warning',
    what: 'metrics API',
    detail: metrics ?? 'metrics.k8s.io does not answer (needed only for --profile)',
    hard: false,
  });
  return lines;
}

/** All hard prerequisites hold, counting what auto-setup fixes as holding. */
export function checksPass(lines: readonly CheckLine[]): boolean {
  return lines.every((l) => !l.hard || l.status === 'ok' || l.status === 'auto-fixable');
}

export function formatCheckLine(line: CheckLine): string {
  const status = line.status === 'auto-fixable' ? 'missing' : line.status;
  return `${status.padEnd(8)} ${line.what}: ${line.detail}${line.status === 'auto-fixable' ? ' [auto-fixable]' : ''}`;
}
