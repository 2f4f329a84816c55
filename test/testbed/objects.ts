import { resourcePath } from './kube.js';
import { OPERATOR_NAMESPACE, TARGET_NAMESPACE } from './release.js';

/** The testbed's switches, read by its controllers on every reconcile; tests change them. */
export const SETTINGS = { namespace: 'kube-system', name: 'streamstress-testbed' } as const;

export interface TestbedSettings {
  /**
   * false stops OLM's operator (a fault: a crashed or throttled olm-operator), so no CSV change
   * reaches the Deployment. The real OLM always carries CSV changes to the Deployment
   * (pkg/controller/install/deployment.go, DOMAIN.md §9.5).
   */
  olmRunning: boolean;
  /** How long a replaced CSV stays (phase Replacing) beside its successor during an upgrade. */
  replacedCsvMs: number;
  /**
   * How the operator creates TektonConfig `config` when it starts: with `statefulset-ordinals`
   * on for pipeline, chains and results, as the release-tests install flow sets it.
   */
  statefulsetOrdinals: boolean;
  /**
   * A fault: the operator re-creates the next workload set with the images it used before the
   * last env change, once — as an operator whose cache lags would.
   */
  staleImagesOnce: boolean;
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
  olmRunning: true,
  replacedCsvMs: 0,
  statefulsetOrdinals: false,
  staleImagesOnce: false,
  recreateDelayMs: 500,
  staleReadyMs: 1000,
  operatorGraceSeconds: 3,
};

/** What a testbed starts with; each has a default. */
export interface ClusterOptions {
  /** The OpenShift version ClusterVersion reports: `X.Y` or `X.Y.Z` (default 4.20.0). */
  openshiftVersion?: string;
  operatorGraceSeconds?: number;
  statefulsetOrdinals?: boolean;
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
          ...(options.statefulsetOrdinals === undefined
            ? {}
            : { statefulsetOrdinals: options.statefulsetOrdinals }),
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
    olmRunning: String(settings.olmRunning),
    replacedCsvMs: String(settings.replacedCsvMs),
    statefulsetOrdinals: String(settings.statefulsetOrdinals),
    staleImagesOnce: String(settings.staleImagesOnce),
    recreateDelayMs: String(settings.recreateDelayMs),
    staleReadyMs: String(settings.staleReadyMs),
    operatorGraceSeconds: String(settings.operatorGraceSeconds),
  };
}

export function parseSettings(data: Record<string, string> | undefined): TestbedSettings {
  return {
    olmRunning: (data?.olmRunning ?? 'true') !== 'false',
    replacedCsvMs: Number(data?.replacedCsvMs ?? DEFAULT_SETTINGS.replacedCsvMs),
    statefulsetOrdinals: data?.statefulsetOrdinals === 'true',
    staleImagesOnce: data?.staleImagesOnce === 'true',
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
