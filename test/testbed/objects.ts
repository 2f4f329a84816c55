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
}

export const DEFAULT_SETTINGS: TestbedSettings = {
  propagateCsvEnv: true,
  recreateDelayMs: 500,
  staleReadyMs: 1000,
};

/** What an OpenShift cluster has before streamstress touches it, with the limited user's rights. */
export function baseObjects(): [string, object][] {
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
        spec: { channel: 'stable-4.18' },
        status: {
          desired: { version: '4.18.3' },
          history: [{ state: 'Completed', version: '4.18.3' }],
        },
      },
    ],
    [
      `/api/v1/namespaces/${SETTINGS.namespace}/configmaps`,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: SETTINGS.name, namespace: SETTINGS.namespace },
        data: settingsData(DEFAULT_SETTINGS),
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
  };
}

export function parseSettings(data: Record<string, string> | undefined): TestbedSettings {
  return {
    propagateCsvEnv: (data?.propagateCsvEnv ?? 'true') !== 'false',
    recreateDelayMs: Number(data?.recreateDelayMs ?? DEFAULT_SETTINGS.recreateDelayMs),
    staleReadyMs: Number(data?.staleReadyMs ?? DEFAULT_SETTINGS.staleReadyMs),
  };
}
