/**
 * The OpenShift, OLM and Tekton kinds streamstress reads and writes, as CustomResourceDefinitions
 * for the testbed's API server. Fields streamstress uses are typed as in the real schemas; the
 * rest of each object is kept as it is given.
 */
type Schema = Record<string, unknown>;

const open: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const str: Schema = { type: 'string' };
const conditions: Schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'status'],
    properties: {
      type: str,
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: str,
      message: str,
      lastTransitionTime: str,
    },
    'x-kubernetes-preserve-unknown-fields': true,
  },
};

interface Kind {
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  version: string;
  spec?: Schema;
  status?: Schema;
  /** For kinds whose fields sit at the top level (the metrics API). */
  topLevel?: Record<string, Schema>;
  shortNames?: string[];
}

const KINDS: Kind[] = [
  {
    group: 'operators.coreos.com',
    kind: 'Subscription',
    plural: 'subscriptions',
    scope: 'Namespaced',
    version: 'v1alpha1',
    shortNames: ['sub'],
    spec: {
      type: 'object',
      required: ['name', 'source', 'sourceNamespace'],
      properties: {
        name: str,
        channel: str,
        source: str,
        sourceNamespace: str,
        installPlanApproval: { type: 'string', enum: ['Automatic', 'Manual'] },
        startingCSV: str,
      },
      'x-kubernetes-preserve-unknown-fields': true,
    },
    status: {
      type: 'object',
      properties: { installedCSV: str, currentCSV: str, state: str, conditions },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  {
    group: 'operators.coreos.com',
    kind: 'ClusterServiceVersion',
    plural: 'clusterserviceversions',
    scope: 'Namespaced',
    version: 'v1alpha1',
    shortNames: ['csv'],
    spec: {
      type: 'object',
      required: ['install'],
      properties: {
        version: str,
        displayName: str,
        install: {
          type: 'object',
          required: ['strategy'],
          properties: { strategy: str, spec: open },
        },
      },
      'x-kubernetes-preserve-unknown-fields': true,
    },
    status: {
      type: 'object',
      properties: { phase: str, reason: str, message: str, conditions },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  {
    group: 'operators.coreos.com',
    kind: 'OperatorGroup',
    plural: 'operatorgroups',
    scope: 'Namespaced',
    version: 'v1',
    shortNames: ['og'],
    spec: open,
    status: open,
  },
  {
    group: 'operators.coreos.com',
    kind: 'InstallPlan',
    plural: 'installplans',
    scope: 'Namespaced',
    version: 'v1alpha1',
    shortNames: ['ip'],
    spec: open,
    status: open,
  },
  {
    group: 'operator.tekton.dev',
    kind: 'TektonConfig',
    plural: 'tektonconfigs',
    scope: 'Cluster',
    version: 'v1alpha1',
    spec: open,
    status: {
      type: 'object',
      properties: { conditions, version: str, observedGeneration: { type: 'integer' } },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  {
    group: 'operator.tekton.dev',
    kind: 'TektonInstallerSet',
    plural: 'tektoninstallersets',
    scope: 'Cluster',
    version: 'v1alpha1',
    spec: open,
    status: {
      type: 'object',
      properties: { conditions },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  ...(
    [
      'TektonPipeline',
      'TektonTrigger',
      'TektonChain',
      'TektonResult',
      'ManualApprovalGate',
    ] as const
  ).map((kind): Kind => ({
    group: 'operator.tekton.dev',
    kind,
    plural: `${kind.toLowerCase()}s`,
    scope: 'Cluster',
    version: 'v1alpha1',
    spec: open,
    status: {
      type: 'object',
      properties: { conditions, version: str },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  })),
  {
    group: 'route.openshift.io',
    kind: 'Route',
    plural: 'routes',
    scope: 'Namespaced',
    version: 'v1',
    spec: {
      type: 'object',
      properties: { host: str, to: open, port: open, tls: open },
      'x-kubernetes-preserve-unknown-fields': true,
    },
    status: open,
  },
  {
    group: 'imageregistry.operator.openshift.io',
    kind: 'Config',
    plural: 'configs',
    scope: 'Cluster',
    version: 'v1',
    spec: {
      type: 'object',
      properties: {
        defaultRoute: { type: 'boolean' },
        managementState: { type: 'string', enum: ['Managed', 'Unmanaged', 'Removed'] },
        storage: open,
      },
      'x-kubernetes-preserve-unknown-fields': true,
    },
    status: open,
  },
  {
    group: 'config.openshift.io',
    kind: 'ClusterVersion',
    plural: 'clusterversions',
    scope: 'Cluster',
    version: 'v1',
    spec: open,
    status: {
      type: 'object',
      properties: {
        desired: {
          type: 'object',
          properties: { version: str, image: str },
          'x-kubernetes-preserve-unknown-fields': true,
        },
        history: { type: 'array', items: open },
      },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  {
    group: 'metrics.k8s.io',
    kind: 'PodMetrics',
    plural: 'pods',
    scope: 'Namespaced',
    version: 'v1beta1',
    topLevel: {
      timestamp: str,
      window: str,
      containers: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: str,
            usage: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true } },
          },
        },
      },
    },
  },
  {
    group: 'metrics.k8s.io',
    kind: 'NodeMetrics',
    plural: 'nodes',
    scope: 'Cluster',
    version: 'v1beta1',
    topLevel: {
      timestamp: str,
      window: str,
      usage: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true } },
    },
  },
];

export const TESTBED_KINDS = KINDS.map((k) => ({
  group: k.group,
  kind: k.kind,
  plural: k.plural,
  version: k.version,
  scope: k.scope,
}));

export function customResourceDefinitions(): object[] {
  return KINDS.map((k) => {
    const properties: Record<string, Schema> = k.topLevel ?? {};
    if (k.spec) properties.spec = k.spec;
    if (k.status) properties.status = k.status;
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${k.plural}.${k.group}`,
        // The API server refuses CRDs in *.k8s.io groups without this annotation.
        ...(k.group.endsWith('.k8s.io')
          ? {
              annotations: {
                'api-approved.kubernetes.io': 'unapproved, testbed stand-in for metrics-server',
              },
            }
          : {}),
      },
      spec: {
        group: k.group,
        scope: k.scope,
        names: {
          kind: k.kind,
          plural: k.plural,
          singular: k.kind.toLowerCase(),
          listKind: `${k.kind}List`,
          ...(k.shortNames ? { shortNames: k.shortNames } : {}),
        },
        versions: [
          {
            name: k.version,
            served: true,
            storage: true,
            ...(k.status ? { subresources: { status: {} } } : {}),
            schema: { openAPIV3Schema: { type: 'object', properties } },
          },
        ],
      },
    };
  });
}
