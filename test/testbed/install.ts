import { eventually } from '../helpers/eventually.js';
import { resourcePath, type Kube, type KubeObject } from './kube.js';
import { DEFAULT_SETTINGS, SETTINGS, settingsData, type TestbedSettings } from './objects.js';
import { OPERATOR_NAMESPACE } from './release.js';

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
