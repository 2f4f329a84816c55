import { eventually } from '../helpers/eventually.js';
import { resourcePath, type Kube, type KubeObject } from './kube.js';
import {
  DEFAULT_SETTINGS,
  fullVersion,
  SETTINGS,
  settingsData,
  type TestbedSettings,
} from './objects.js';
import {
  CSV_PATH,
  csvName,
  OPERATOR_DEPLOYMENT,
  OPERATOR_NAMESPACE,
  OPERATOR_VERSION,
  operatorCsv,
} from './release.js';

/** Where a ManualApprovalGate lives, as release-tests' specs/olm.spec names it. */
export const MANUAL_APPROVAL_GATE_PATH = resourcePath(
  'operator.tekton.dev',
  'v1alpha1',
  'manualapprovalgates',
  undefined,
  'manual-approval-gate',
);

export const SUBSCRIPTION_PATH = resourcePath(
  'operators.coreos.com',
  'v1alpha1',
  'subscriptions',
  OPERATOR_NAMESPACE,
  'openshift-pipelines-operator',
);

/** Whether TektonConfig `config` says Ready=True. */
export async function tektonConfigReady(kube: Kube): Promise<boolean> {
  const config = await kube.getOrUndefined<
    KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
  >(resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs', undefined, 'config'));
  return config?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** Subscribes to the operator as a person would with `oc apply`, and waits for TektonConfig Ready. */
export async function installOperator(kube: Kube, namespace = OPERATOR_NAMESPACE): Promise<void> {
  await kube.create(resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', namespace), {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'Subscription',
    metadata: { name: 'openshift-pipelines-operator', namespace },
    spec: {
      name: 'openshift-pipelines-operator-rh',
      channel: 'latest',
      source: 'redhat-operators',
      sourceNamespace: 'openshift-marketplace',
    },
  });
  await eventually(async () => {
    if (!(await tektonConfigReady(kube))) throw new Error('TektonConfig is not Ready yet');
  }, 60_000);
}

/** Sets the testbed's switches: the defaults, changed by `change`. */
export async function setTestbedSettings(
  kube: Kube,
  change: Partial<TestbedSettings>,
): Promise<void> {
  await kube.mergePatch(`/api/v1/namespaces/${SETTINGS.namespace}/configmaps/${SETTINGS.name}`, {
    data: settingsData({ ...DEFAULT_SETTINGS, ...change }),
  });
}

/**
 * Sets the operator pod's termination grace period in the CSV, as an operator build with a
 * slower shutdown would have it; OLM carries it to the Deployment, which rolls a new pod.
 */
export async function setOperatorGraceSeconds(kube: Kube, seconds: number): Promise<void> {
  await patchOperatorGraceSeconds(kube, seconds);
  // Done when only pods with the new grace period are left.
  await eventually(async () => {
    const pods = await kube.list<KubeObject & { spec: { terminationGracePeriodSeconds?: number } }>(
      `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`,
      `name=${OPERATOR_DEPLOYMENT}`,
    );
    if (pods.length === 0 || pods.some((p) => p.spec.terminationGracePeriodSeconds !== seconds))
      throw new Error(`operator pods still without a ${seconds} s grace period`);
  }, 120_000);
}

async function patchOperatorGraceSeconds(kube: Kube, seconds: number): Promise<void> {
  const csv = await kube.get<{
    spec: { install: { spec: { deployments: { name: string }[] } } };
  }>(CSV_PATH);
  const d = csv.spec.install.spec.deployments.findIndex((x) => x.name === OPERATOR_DEPLOYMENT);
  await kube.jsonPatch(CSV_PATH, [
    {
      op: 'add',
      path: `/spec/install/spec/deployments/${d}/spec/template/spec/terminationGracePeriodSeconds`,
      value: seconds,
    },
  ]);
}

/** Sets the OpenShift version ClusterVersion reports (operator processes read it when they start). */
export async function setOpenShiftVersion(kube: Kube, version: string): Promise<void> {
  const full = fullVersion(version);
  await kube.mergePatch('/apis/config.openshift.io/v1/clusterversions/version/status', {
    status: { desired: { version: full }, history: [{ state: 'Completed', version: full }] },
  });
}

/**
 * Sets the Subscription's `spec.config.env` (null removes it), as a cluster admin overriding
 * the operator's env through OLM would.
 */
export async function setSubscriptionEnv(
  kube: Kube,
  env: { name: string; value: string }[] | null,
): Promise<void> {
  await kube.mergePatch(SUBSCRIPTION_PATH, { spec: { config: env ? { env } : null } });
}

/**
 * Starts an operator upgrade as a catalog update does: a CSV of `version` that replaces the
 * installed one. OLM installs it and keeps the old CSV (phase Replacing) for the testbed's
 * `replacedCsvMs`. Returns the new CSV's name.
 */
export async function startOperatorUpgrade(
  kube: Kube,
  version: string,
  from = OPERATOR_VERSION,
): Promise<string> {
  const grace = (
    await kube.get<{
      spec: {
        install: {
          spec: {
            deployments: {
              spec: { template: { spec: { terminationGracePeriodSeconds?: number } } };
            }[];
          };
        };
      };
    }>(
      resourcePath(
        'operators.coreos.com',
        'v1alpha1',
        'clusterserviceversions',
        OPERATOR_NAMESPACE,
        csvName(from),
      ),
    )
  ).spec.install.spec.deployments[0]?.spec.template.spec.terminationGracePeriodSeconds;
  await kube.create(
    resourcePath('operators.coreos.com', 'v1alpha1', 'clusterserviceversions', OPERATOR_NAMESPACE),
    operatorCsv(grace, version, csvName(from)),
  );
  return csvName(version);
}
