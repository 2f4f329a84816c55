import { resourcePath } from './kube.js';
import { OPERATOR_NAMESPACE, TARGET_NAMESPACE } from './release.js';

/** The testbed's switches, read by its controllers on every reconcile; tests change them. */
export const SETTINGS = { namespace: 'kube-system', name: 'streamstress-testbed' } as const;

export interface TestbedSettings {
  /** false reproduces OpenShift Pipelines 1.21.0, where CSV env changes did not reach the Deployment. */
  propagateCsvEnv: boolean;
  /** How long the operator waits before re-creating a deleted installer set. */
  recreateDelayMs: number;
  /** How long TektonConfig still says Ready=True after an installer set was deleted. */
  staleReadyMs: number;
  /**
   * The operator pod's termination grace period, put into its Deployment when OLM installs the
   * CSV: how long an old operator pod keeps running, and leading, after a new one replaced it.
   * A real CSV leaves it at Kubernetes' 30 s default; the testbed shortens it to keep tests quick.
   */
  operatorGraceSeconds: number;
}

export const DEFAULT_SETTINGS: TestbedSettings = {
  propagateCsvEnv: true,
  recreateDelayMs: 500,
  staleReadyMs: 1000,
  operatorGraceSeconds: 3,
};

/** What a testbed starts with; each has a default. */
export interface ClusterOptions {
  /** The OpenShift version ClusterVersion reports: `X.Y` or `X.Y.Z` (default 4.20.0). */
  openshiftVersion?: string;
  operatorGraceSeconds?: number;
}

export const DEFAULT_OPENSHIFT_VERSION = '4.20.0';

/** What an OpenShift cluster has before streamstress touches it, with the limited user's rights. */
export function baseObjects(options: ClusterOptions = {}): [string, object][] {
  const version = fullVersion(options.openshiftVersion ?? DEFAULT_OPENSHIFT_VERSION);
  const minor = version.split('.').slice(0, 2).join('.');
  const namespace = (name: string): [string, object] => [
    '/api/v1/namespaces',
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  ];
  return [
    ...[
      'openshift-operators',
      'openshift-marketplace',
      'openshift-image-registry',
      TARGET_NAMESPACE,
      'openshift-config',
    ].map(namespace),
    [
      resourcePath('operators.coreos.com', 'v1', 'operatorgroups', OPERATOR_NAMESPACE),
      {
        apiVersion: 'operators.coreos.com/v1',
        kind: 'OperatorGroup',
        metadata: { name: 'global-operators', namespace: OPERATOR_NAMESPACE },
        spec: {},
      },
    ],
    [
      resourcePath('imageregistry.operator.openshift.io', 'v1', 'configs'),
      {
        apiVersion: 'imageregistry.operator.openshift.io/v1',
        kind: 'Config',
        metadata: { name: 'cluster' },
        spec: { managementState: 'Managed', defaultRoute: false, storage: { emptyDir: {} } },
      },
    ],
    [
      resourcePath('config.openshift.io', 'v1', 'clusterversions'),
      {
        apiVersion: 'config.openshift.io/v1',
        kind: 'ClusterVersion',
        metadata: { name: 'version' },
        spec: { channel: `stable-${minor}` },
        status: {
          desired: { version },
          history: [{ state: 'Completed', version }],
        },
      },
    ],
    [
      `/api/v1/namespaces/${SETTINGS.namespace}/configmaps`,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: SETTINGS.name, namespace: SETTINGS.namespace },
        data: settingsData({
          ...DEFAULT_SETTINGS,
          ...(options.operatorGraceSeconds === undefined
            ? {}
            : { operatorGraceSeconds: options.operatorGraceSeconds }),
        }),
      },
    ],
    // The limited user may read pipelines objects and nothing more.
    [
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'streamstress-testbed-limited' },
        rules: [
          {
            apiGroups: ['operator.tekton.dev'],
            resources: ['tektonconfigs', 'tektoninstallersets'],
            verbs: ['get', 'list', 'watch'],
          },
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] },
        ],
      },
    ],
    [
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'streamstress-testbed-limited' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'streamstress-testbed-limited',
        },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'limited' }],
      },
    ],
  ];
}

export function settingsData(settings: TestbedSettings): Record<string, string> {
  return {
    propagateCsvEnv: String(settings.propagateCsvEnv),
    recreateDelayMs: String(settings.recreateDelayMs),
    staleReadyMs: String(settings.staleReadyMs),
    operatorGraceSeconds: String(settings.operatorGraceSeconds),
  };
}

export function parseSettings(data: Record<string, string> | undefined): TestbedSettings {
  return {
    propagateCsvEnv: (data?.propagateCsvEnv ?? 'true') !== 'false',
    recreateDelayMs: Number(data?.recreateDelayMs ?? DEFAULT_SETTINGS.recreateDelayMs),
    staleReadyMs: Number(data?.staleReadyMs ?? DEFAULT_SETTINGS.staleReadyMs),
    operatorGraceSeconds: Number(
      data?.operatorGraceSeconds ?? DEFAULT_SETTINGS.operatorGraceSeconds,
    ),
  };
}

/** `4.22` → `4.22.0`; anything not X.Y or X.Y.Z is refused. */
export function fullVersion(version: string): string {
  if (!/^\d+\.\d+(\.\d+)?$/.test(version))
    throw new Error(`OpenShift version ${version} is not X.Y or X.Y.Z (for example 4.20)`);
  return version.split('.').length === 2 ? `${version}.0` : version;
}
