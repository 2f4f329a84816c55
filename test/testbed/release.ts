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
  /**
   * Runs as a StatefulSet when TektonConfig turns on `statefulset-ordinals` for its component
   * (DOMAIN.md §9.4; tektoncd/operator ConvertDeploymentToStatefulSet).
   */
  ordinals?: boolean;
}

/** Where a component's `statefulset-ordinals` switch lives in TektonConfig's spec. */
export type OrdinalsSection = 'pipeline' | 'chain' | 'result';

export interface ComponentRelease {
  /** The operator custom resource that owns the component. */
  owner:
    | 'TektonPipeline'
    | 'TektonTrigger'
    | 'TektonChain'
    | 'TektonResult'
    | 'ManualApprovalGate'
    | 'TektonConfig';
  /** The name of the owner's custom resource. */
  crName: string;
  /** What the operator ships of the component (OSP 1.21 / operator v0.78, DOMAIN.md §9.6). */
  payloadVersion?: string;
  /** The TektonConfig section whose `performance.statefulset-ordinals` applies, if any. */
  ordinals?: OrdinalsSection;
  prefix: string;
  /**
   * Installer sets: name prefix (a random suffix follows), type label, whether the workloads
   * live in it, the created-by label when it is not the owner's kind, and whether the operator
   * re-creates the set itself when its images change. `statefulPrefix` names the workload set
   * when statefulset-ordinals is on; `installType` sets carry `operator.tekton.dev/installType`.
   */
  sets: {
    prefix: string;
    type: string;
    workloads: boolean;
    createdBy?: string;
    recreateOnImageChange?: boolean;
    statefulPrefix?: string;
    installType?: boolean;
  }[];
  workloads: Workload[];
}

export const TARGET_NAMESPACE = 'openshift-pipelines';
export const OPERATOR_NAMESPACE = 'openshift-operators';
export const OPERATOR_VERSION = '1.21.0';
export function csvName(version: string): string {
  return `openshift-pipelines-operator-rh.v${version}`;
}
export const CSV_NAME = csvName(OPERATOR_VERSION);
export const OPERATOR_DEPLOYMENT = 'openshift-pipelines-operator';
export const OPERATOR_CONTAINER = 'openshift-pipelines-operator-lifecycle';
export const CSV_PATH = `/apis/operators.coreos.com/v1alpha1/namespaces/${OPERATOR_NAMESPACE}/clusterserviceversions/${CSV_NAME}`;
export const OPERATOR_DEPLOYMENT_PATH = `/apis/apps/v1/namespaces/${OPERATOR_NAMESPACE}/deployments/${OPERATOR_DEPLOYMENT}`;

export const RELEASE: ComponentRelease[] = [
  {
    owner: 'TektonPipeline',
    crName: 'pipeline',
    payloadVersion: 'v1.6.6',
    ordinals: 'pipeline',
    prefix: 'IMAGE_PIPELINES_',
    // upstream/pkg/reconciler/kubernetes/tektoninstallerset/client/create.go: the workload set
    // is <kind>-main-deployment- or, with statefulset-ordinals, <kind>-main-statefulset-.
    sets: [
      { prefix: 'pipeline-main-static-', type: 'main', workloads: false },
      {
        prefix: 'pipeline-main-deployment-',
        statefulPrefix: 'pipeline-main-statefulset-',
        type: 'main',
        workloads: true,
      },
    ],
    workloads: [
      {
        deployment: 'tekton-pipelines-controller',
        ordinals: true,
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
      {
        deployment: 'tekton-pipelines-remote-resolvers',
        ordinals: true,
        containers: [{ name: 'controller' }],
      },
    ],
  },
  {
    owner: 'TektonTrigger',
    crName: 'trigger',
    payloadVersion: 'v0.34.0',
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
    crName: 'chain',
    payloadVersion: 'v0.26.9',
    ordinals: 'chain',
    prefix: 'IMAGE_CHAINS_',
    // upstream/pkg/reconciler/kubernetes/tektonchain/installerset.go: the signing secrets and
    // the user's configuration have sets of their own types.
    sets: [
      { prefix: 'chain-', type: 'chain', workloads: true, installType: true },
      { prefix: 'chain-secret-', type: 'chain-secret', workloads: false },
      { prefix: 'chain-config-', type: 'chain-config', workloads: false },
    ],
    workloads: [
      {
        deployment: 'tekton-chains-controller',
        ordinals: true,
        containers: [{ name: 'tekton-chains-controller' }],
      },
    ],
  },
  {
    owner: 'TektonResult',
    crName: 'result',
    payloadVersion: 'v0.17.2',
    ordinals: 'result',
    prefix: 'IMAGE_RESULTS_',
    sets: [
      { prefix: 'result-pre-', type: 'pre', workloads: false },
      { prefix: 'result-', type: 'result', workloads: true, installType: true },
      { prefix: 'result-post-', type: 'post', workloads: false },
    ],
    workloads: [
      { deployment: 'tekton-results-api', containers: [{ name: 'api' }] },
      { deployment: 'tekton-results-watcher', ordinals: true, containers: [{ name: 'watcher' }] },
      {
        deployment: 'tekton-results-retention-policy-agent',
        containers: [{ name: 'retention-policy-agent' }],
      },
    ],
  },
  {
    owner: 'ManualApprovalGate',
    crName: 'manual-approval-gate',
    payloadVersion: 'v0.7.0',
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
    crName: 'config',
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

/**
 * The CSV of an operator version; `graceSeconds` is the testbed's knob for how long an old
 * operator pod keeps running; `replaces` names the CSV an upgrade replaces.
 */
export function operatorCsv(
  graceSeconds?: number,
  version = OPERATOR_VERSION,
  replaces?: string,
): object {
  return {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'ClusterServiceVersion',
    metadata: {
      name: csvName(version),
      namespace: OPERATOR_NAMESPACE,
      annotations: { 'olm.skipRange': `>=1.20.0 <${version}` },
    },
    spec: {
      displayName: 'Red Hat OpenShift Pipelines',
      version,
      ...(replaces ? { replaces } : {}),
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
                          { name: 'VERSION', value: version },
                          ...shippedImageEnv(),
                        ],
                      },
                      {
                        name: 'openshift-pipelines-operator-cluster-operations',
                        image: shippedImage('IMAGE_OPERATOR_CLUSTER_OPERATIONS'),
                        env: [{ name: 'VERSION', value: version }],
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
