import { createHash } from 'node:crypto';

/**
 * What the testbed's "OpenShift Pipelines 1.21" ships: the workloads each component runs, and
 * the operator CSV whose IMAGE_* variables name their images. The operator stand-in finds an
 * image with the real operator's naming rule (tektoncd/operator transformers.go: component
 * prefix + container name upper-cased, `-` → `_`; a controller flag -x-image → ARG__X_IMAGE),
 * not from streamstress's own components.toml, so the two are checked against each other.
 */
export interface Workload {
  deployment: string;
  containers: { name: string; imageFlags?: string[] }[];
}

export interface ComponentRelease {
  /** The operator custom resource that owns the component. */
  owner:
    | 'TektonPipeline'
    | 'TektonTrigger'
    | 'TektonChain'
    | 'TektonResult'
    | 'ManualApprovalGate'
    | 'TektonConfig';
  prefix: string;
  /**
   * Installer sets: name prefix (a random suffix follows), type label, whether the workloads
   * live in it, the created-by label when it is not the owner's kind, and whether the operator
   * re-creates the set itself when its images change.
   */
  sets: {
    prefix: string;
    type: string;
    workloads: boolean;
    createdBy?: string;
    recreateOnImageChange?: boolean;
  }[];
  workloads: Workload[];
}

export const TARGET_NAMESPACE = 'openshift-pipelines';
export const OPERATOR_NAMESPACE = 'openshift-operators';
export const OPERATOR_VERSION = '1.21.0';
export const CSV_NAME = `openshift-pipelines-operator-rh.v${OPERATOR_VERSION}`;
export const OPERATOR_DEPLOYMENT = 'openshift-pipelines-operator';
export const OPERATOR_CONTAINER = 'openshift-pipelines-operator-lifecycle';
export const CSV_PATH = `/apis/operators.coreos.com/v1alpha1/namespaces/${OPERATOR_NAMESPACE}/clusterserviceversions/${CSV_NAME}`;
export const OPERATOR_DEPLOYMENT_PATH = `/apis/apps/v1/namespaces/${OPERATOR_NAMESPACE}/deployments/${OPERATOR_DEPLOYMENT}`;

export const RELEASE: ComponentRelease[] = [
  {
    owner: 'TektonPipeline',
    prefix: 'IMAGE_PIPELINES_',
    sets: [
      { prefix: 'pipeline-main-static-', type: 'main', workloads: false },
      { prefix: 'pipeline-main-deployment-', type: 'main', workloads: true },
    ],
    workloads: [
      {
        deployment: 'tekton-pipelines-controller',
        containers: [
          {
            name: 'tekton-pipelines-controller',
            imageFlags: [
              '-entrypoint-image',
              '-nop-image',
              '-sidecarlogresults-image',
              '-workingdirinit-image',
              '-shell-image',
            ],
          },
        ],
      },
      { deployment: 'tekton-pipelines-webhook', containers: [{ name: 'webhook' }] },
      {
        deployment: 'tekton-events-controller',
        containers: [{ name: 'tekton-events-controller' }],
      },
      { deployment: 'tekton-pipelines-remote-resolvers', containers: [{ name: 'controller' }] },
    ],
  },
  {
    owner: 'TektonTrigger',
    prefix: 'IMAGE_TRIGGERS_',
    sets: [
      { prefix: 'trigger-main-static-', type: 'main', workloads: false },
      { prefix: 'trigger-main-deployment-', type: 'main', workloads: true },
    ],
    workloads: [
      {
        deployment: 'tekton-triggers-controller',
        containers: [{ name: 'tekton-triggers-controller', imageFlags: ['-el-image'] }],
      },
      { deployment: 'tekton-triggers-webhook', containers: [{ name: 'webhook' }] },
      {
        deployment: 'tekton-triggers-core-interceptors',
        containers: [{ name: 'tekton-triggers-core-interceptors' }],
      },
    ],
  },
  {
    owner: 'TektonChain',
    prefix: 'IMAGE_CHAINS_',
    sets: [
      { prefix: 'chain-', type: 'chain', workloads: true },
      { prefix: 'chain-secret-', type: 'chain', workloads: false },
      { prefix: 'chain-config-', type: 'chain', workloads: false },
    ],
    workloads: [
      {
        deployment: 'tekton-chains-controller',
        containers: [{ name: 'tekton-chains-controller' }],
      },
    ],
  },
  {
    owner: 'TektonResult',
    prefix: 'IMAGE_RESULTS_',
    sets: [
      { prefix: 'result-pre-', type: 'pre', workloads: false },
      { prefix: 'result-', type: 'result', workloads: true },
      { prefix: 'result-post-', type: 'post', workloads: false },
    ],
    workloads: [
      { deployment: 'tekton-results-api', containers: [{ name: 'api' }] },
      { deployment: 'tekton-results-watcher', containers: [{ name: 'watcher' }] },
      {
        deployment: 'tekton-results-retention-policy-agent',
        containers: [{ name: 'retention-policy-agent' }],
      },
    ],
  },
  {
    owner: 'ManualApprovalGate',
    prefix: 'IMAGE_MAG_',
    sets: [
      { prefix: 'manualapprovalgate-main-static-', type: 'main', workloads: false },
      { prefix: 'manualapprovalgate-main-deployment-', type: 'main', workloads: true },
    ],
    workloads: [
      {
        deployment: 'manual-approval-gate-controller',
        containers: [{ name: 'tekton-taskgroup-controller' }],
      },
      { deployment: 'manual-approval-gate-webhook', containers: [{ name: 'manual-approval' }] },
    ],
  },
  {
    owner: 'TektonConfig',
    prefix: 'IMAGE_PIPELINES_',
    sets: [
      // upstream/pkg/reconciler/openshift/tektonconfig/console_plugin_reconciler.go: its own
      // labels, and a hash of the transformed manifests (images included) that makes it
      // re-create its set when the images change, with no deletion from outside.
      {
        prefix: 'tekton-config-console-plugin-manifests-',
        type: 'config',
        createdBy: 'tekton-config-console-plugin-manifests',
        workloads: true,
        recreateOnImageChange: true,
      },
    ],
    workloads: [
      {
        deployment: 'pipelines-console-plugin',
        containers: [{ name: 'pipelines-console-plugin' }],
      },
    ],
  },
];

export const CONSOLE_PLUGIN_CONTAINER = 'pipelines-console-plugin';

/**
 * The real naming rule: the variable the operator reads for a container or a controller flag.
 * The console plugin's depends on the cluster: below OpenShift 4.22 the operator serves the
 * PatternFly 5 build from IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY
 * (upstream/pkg/reconciler/openshift/tektonconfig/console_plugin_reconciler.go, updateOnce).
 */
export function imageVariable(
  prefix: string,
  container: string,
  flag?: string,
  openshiftMinor = 20,
): string {
  if (flag) return `${prefix}ARG__${flag.replace(/^-+/, '').toUpperCase().replace(/-/g, '_')}`;
  if (container === CONSOLE_PLUGIN_CONTAINER)
    return openshiftMinor < 22
      ? 'IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY'
      : 'IMAGE_PIPELINES_CONSOLE_PLUGIN';
  return `${prefix}${container.toUpperCase().replace(/-/g, '_')}`;
}

function shippedImage(variable: string): string {
  const name = variable
    .replace(/^IMAGE_/, '')
    .toLowerCase()
    .replace(/_+/g, '-');
  return `registry.redhat.io/openshift-pipelines/pipelines-${name}-rhel9@sha256:${createHash('sha256').update(variable).digest('hex')}`;
}

/** Every IMAGE_* variable of the shipped CSV, with its value, plus images the release carries that streamstress never builds. */
export function shippedImageEnv(): { name: string; value: string }[] {
  const names = new Set<string>();
  for (const component of RELEASE) {
    for (const workload of component.workloads) {
      for (const container of workload.containers) {
        names.add(imageVariable(component.prefix, container.name));
        for (const flag of container.imageFlags ?? [])
          names.add(imageVariable(component.prefix, container.name, flag));
      }
    }
  }
  for (const extra of [
    'IMAGE_PIPELINES_CONSOLE_PLUGIN',
    'IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY',
    'IMAGE_PIPELINES_ARG__GIT_IMAGE',
    'IMAGE_PIPELINES_PROXY',
    'IMAGE_PAC_PAC_CONTROLLER',
    'IMAGE_ADDONS_TKN',
    'IMAGE_RESULTS_POSTGRES',
  ])
    names.add(extra);
  return [...names].sort().map((name) => ({ name, value: shippedImage(name) }));
}

/** The CSV; `graceSeconds` is the testbed's knob for how long an old operator pod keeps running. */
export function operatorCsv(graceSeconds?: number): object {
  return {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'ClusterServiceVersion',
    metadata: {
      name: CSV_NAME,
      namespace: OPERATOR_NAMESPACE,
      annotations: { 'olm.skipRange': `>=1.20.0 <${OPERATOR_VERSION}` },
    },
    spec: {
      displayName: 'Red Hat OpenShift Pipelines',
      version: OPERATOR_VERSION,
      install: {
        strategy: 'deployment',
        spec: {
          deployments: [
            {
              name: OPERATOR_DEPLOYMENT,
              spec: {
                replicas: 1,
                selector: { matchLabels: { name: OPERATOR_DEPLOYMENT } },
                template: {
                  metadata: { labels: { name: OPERATOR_DEPLOYMENT, app: OPERATOR_DEPLOYMENT } },
                  spec: {
                    ...(graceSeconds === undefined
                      ? {}
                      : { terminationGracePeriodSeconds: graceSeconds }),
                    containers: [
                      {
                        name: OPERATOR_CONTAINER,
                        image: shippedImage('IMAGE_OPERATOR_LIFECYCLE'),
                        env: [
                          { name: 'OPERATOR_NAME', value: 'openshift-pipelines-operator' },
                          { name: 'VERSION', value: OPERATOR_VERSION },
                          ...shippedImageEnv(),
                        ],
                      },
                      {
                        name: 'openshift-pipelines-operator-cluster-operations',
                        image: shippedImage('IMAGE_OPERATOR_CLUSTER_OPERATIONS'),
                        env: [{ name: 'VERSION', value: OPERATOR_VERSION }],
                      },
                    ],
                  },
                },
              },
            },
            {
              name: 'tekton-operator-webhook',
              spec: {
                replicas: 1,
                selector: { matchLabels: { name: 'tekton-operator-webhook' } },
                template: {
                  metadata: { labels: { name: 'tekton-operator-webhook' } },
                  spec: {
                    containers: [
                      {
                        name: 'tekton-operator-webhook',
                        image: shippedImage('IMAGE_OPERATOR_WEBHOOK'),
                      },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}
