import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConcurrentWriter, startFaultProxy, type FaultProxy } from '../testbed/faults.js';
import { startControllers } from '../testbed/controllers.js';
import { TESTBED_KINDS } from '../testbed/crds.js';
import { Kube, KubeError, resourcePath, type KubeObject } from '../testbed/kube.js';
import type { TestbedSettings } from '../testbed/objects.js';
import {
  OPERATOR_CONTAINER,
  OPERATOR_NAMESPACE,
  TARGET_NAMESPACE,
  CSV_NAME,
  CSV_PATH,
  OPERATOR_DEPLOYMENT_PATH,
} from '../testbed/release.js';
import { removeTestbedDir, startTestbed, type Testbed } from '../testbed/testbed.js';
import { eventually } from '../helpers/eventually.js';
import { operatorRolloutPending } from '../../src/cluster/deploy.js';
import { OPERATOR_LEASE } from '../testbed/controllers.js';
import {
  MANUAL_APPROVAL_GATE_PATH,
  setOperatorGraceSeconds,
  setSubscriptionEnv,
  setTestbedSettings,
  startOperatorUpgrade,
  SUBSCRIPTION_PATH,
  tektonConfigReady,
} from '../testbed/install.js';

let testbed: Testbed;
let controllers: { stop(): Promise<void> };
let kube: Kube;

type Env = { name: string; value?: string }[];
type Deployment = KubeObject & {
  spec: {
    template: {
      spec: { containers: { name: string; image: string; args?: string[]; env?: Env }[] };
    };
  };
};
type Pod = KubeObject & {
  spec: { containers: { name: string; image: string; args?: string[] }[] };
  status: {
    phase: string;
    containerStatuses: { name: string; image: string; imageID: string; ready: boolean }[];
  };
};
type Csv = KubeObject & {
  spec: { install: { spec: { deployments: { name: string; spec: Deployment['spec'] }[] } } };
  status?: { phase?: string };
};
type Condition = { type: string; status: string };

const csvPath = CSV_PATH;
const operatorPath = OPERATOR_DEPLOYMENT_PATH;
const setsPath = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');

const setSettings = (change: Partial<TestbedSettings>) => setTestbedSettings(kube, change);

const ready = () => tektonConfigReady(kube);

function lifecycleEnv(csv: Csv): Env {
  const operator = csv.spec.install.spec.deployments.find(
    (d) => d.name === 'openshift-pipelines-operator',
  );
  return (
    operator?.spec.template.spec.containers.find((c) => c.name === OPERATOR_CONTAINER)?.env ?? []
  );
}

async function setCsvImage(variable: string, value: string): Promise<void> {
  // A JSON patch on the CSV, as streamstress makes it: replace one env value by index.
  const csv = await kube.get<Csv>(csvPath);
  const deployments = csv.spec.install.spec.deployments;
  const d = deployments.findIndex((x) => x.name === 'openshift-pipelines-operator');
  const containers = deployments[d]?.spec.template.spec.containers ?? [];
  const c = containers.findIndex((x) => x.name === OPERATOR_CONTAINER);
  const e = (containers[c]?.env ?? []).findIndex((x) => x.name === variable);
  await kube.request(
    'PATCH',
    csvPath,
    [
      {
        op: 'replace',
        path: `/spec/install/spec/deployments/${d}/spec/template/spec/containers/${c}/env/${e}/value`,
        value,
      },
    ],
    'application/json-patch+json',
  );
}

beforeAll(async () => {
  const started = Date.now();
  testbed = await startTestbed();
  console.log(`testbed ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  kube = testbed.admin;
  controllers = startControllers(kube);
}, 600_000);

afterAll(async () => {
  await controllers?.stop();
  await testbed?.stop();
  if (testbed) removeTestbedDir(testbed.dir);
});

describe('the testbed API server', () => {
  it('serves every kind streamstress uses', async () => {
    const crds = await kube.list('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    const names = crds.map((c) => c.metadata.name);
    for (const kind of TESTBED_KINDS) expect(names).toContain(`${kind.plural}.${kind.group}`);
    expect(names).toContain('pods.metrics.k8s.io');
  });

  it('refuses the limited user what it has no role for, over verified TLS', async () => {
    const limited = new Kube({
      server: testbed.server,
      ca: testbed.ca,
      token: testbed.limitedToken,
    });
    expect(
      Array.isArray(
        await limited.list(resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs')),
      ),
    ).toBe(true);
    await expect(
      limited.create(
        resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', OPERATOR_NAMESPACE),
        { metadata: { name: 'x' } },
      ),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      limited.list(`/api/v1/namespaces/${OPERATOR_NAMESPACE}/secrets`),
    ).rejects.toMatchObject({ status: 403 });
    const stranger = new Kube({ server: testbed.server, ca: testbed.ca, token: 'not-a-token' });
    await expect(stranger.list('/api/v1/namespaces')).rejects.toMatchObject({ status: 401 });
  });
});

describe('a Subscription, with no further action', () => {
  it('leads to the CSV, the operator Deployment, Ready=True, installer sets and Running pods with the CSV images', async () => {
    await kube.create(
      resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', OPERATOR_NAMESPACE),
      {
        apiVersion: 'operators.coreos.com/v1alpha1',
        kind: 'Subscription',
        metadata: { name: 'openshift-pipelines-operator', namespace: OPERATOR_NAMESPACE },
        spec: {
          name: 'openshift-pipelines-operator-rh',
          channel: 'latest',
          source: 'redhat-operators',
          sourceNamespace: 'openshift-marketplace',
        },
      },
    );
    const csv = await eventually(async () => {
      const found = await kube.get<Csv>(csvPath);
      expect(found.status?.phase).toBe('Succeeded');
      return found;
    });
    const env = new Map(lifecycleEnv(csv).map((e) => [e.name, e.value ?? '']));
    expect(env.size).toBeGreaterThan(20);
    await eventually(async () => expect(await ready()).toBe(true), 30_000);

    const sets = await kube.list(setsPath);
    const byName = (pattern: RegExp) => sets.filter((s) => pattern.test(s.metadata.name));
    expect(byName(/^pipeline-main-deployment-[a-z0-9]{5}$/)[0]?.metadata.labels).toMatchObject({
      'operator.tekton.dev/created-by': 'TektonPipeline',
      'operator.tekton.dev/type': 'main',
    });
    expect(byName(/^chain-[a-z0-9]{5}$/)[0]?.metadata.labels).toMatchObject({
      'operator.tekton.dev/created-by': 'TektonChain',
      'operator.tekton.dev/type': 'chain',
    });
    expect(byName(/^chain-secret-/)).toHaveLength(1);
    expect(byName(/^result-[a-z0-9]{5}$/)[0]?.metadata.labels).toMatchObject({
      'operator.tekton.dev/created-by': 'TektonResult',
      'operator.tekton.dev/type': 'result',
    });
    expect(byName(/^tekton-config-console-plugin-manifests-/)[0]?.metadata.labels).toMatchObject({
      'operator.tekton.dev/created-by': 'tekton-config-console-plugin-manifests',
      'operator.tekton.dev/type': 'config',
    });

    const pods = await kube.list<Pod>(`/api/v1/namespaces/${TARGET_NAMESPACE}/pods`);
    const controller = pods.find((p) => p.metadata.name.startsWith('tekton-pipelines-controller-'));
    expect(controller?.status.phase).toBe('Running');
    expect(controller?.status.containerStatuses[0]).toMatchObject({
      name: 'tekton-pipelines-controller',
      image: env.get('IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER'),
      imageID: env.get('IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER'),
      ready: true,
    });
    expect(controller?.spec.containers[0]?.args).toEqual(
      expect.arrayContaining([
        '-entrypoint-image',
        env.get('IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE'),
      ]),
    );
    // Chains' signing secrets and configuration have sets of their own types (§9.2).
    expect(byName(/^chain-secret-/)[0]?.metadata.labels?.['operator.tekton.dev/type']).toBe(
      'chain-secret',
    );
    expect(byName(/^chain-config-/)[0]?.metadata.labels?.['operator.tekton.dev/type']).toBe(
      'chain-config',
    );
    expect(
      byName(/^result-[a-z0-9]{5}$/)[0]?.metadata.labels?.['operator.tekton.dev/installType'],
    ).toBe('deployment');
    // Each component's own resource says Ready and what the operator ships of it.
    const pipeline = await kube.get<
      KubeObject & { status: { version: string; conditions: Condition[] } }
    >(resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonpipelines', undefined, 'pipeline'));
    expect(pipeline.status.version).toBe('v1.6.6');
    expect(pipeline.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    // No ManualApprovalGate comes from TektonConfig: no MAG workload without one (§9.4).
    expect(pods.some((p) => p.metadata.name.startsWith('manual-approval-gate-'))).toBe(false);
    expect(await kube.getOrUndefined(MANUAL_APPROVAL_GATE_PATH)).toBeUndefined();
    await kube.create(resourcePath('operator.tekton.dev', 'v1alpha1', 'manualapprovalgates'), {
      apiVersion: 'operator.tekton.dev/v1alpha1',
      kind: 'ManualApprovalGate',
      metadata: { name: 'manual-approval-gate' },
      spec: { targetNamespace: TARGET_NAMESPACE },
    });
    await eventually(async () => {
      const gate = await kube.get<KubeObject & { status?: { conditions?: Condition[] } }>(
        MANUAL_APPROVAL_GATE_PATH,
      );
      expect(gate.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }, 30_000);
    const mag = (await kube.list<Pod>(`/api/v1/namespaces/${TARGET_NAMESPACE}/pods`)).find(
      (p) =>
        p.metadata.name.startsWith('manual-approval-gate-webhook-') &&
        !p.metadata.deletionTimestamp,
    );
    expect(mag?.status.containerStatuses[0]).toMatchObject({
      name: 'manual-approval',
      image: env.get('IMAGE_MAG_MANUAL_APPROVAL'),
    });
    // OpenShift 4.20 (the testbed's default) is below 4.22: the PatternFly 5 build.
    const plugin = pods.find((p) => p.metadata.name.startsWith('pipelines-console-plugin-'));
    expect(plugin?.status.containerStatuses[0]?.image).toBe(
      env.get('IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY'),
    );
    expect(env.get('IMAGE_PIPELINES_CONSOLE_PLUGIN')).not.toBe(
      env.get('IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY'),
    );
  });

  it('carries a CSV env change to the operator Deployment', async () => {
    await setCsvImage(
      'IMAGE_PIPELINES_WEBHOOK',
      'image-registry.openshift-image-registry.svc:5000/tekton-upstream/webhook@sha256:' +
        '1'.repeat(64),
    );
    await eventually(async () => {
      const deployment = await kube.get<Deployment>(operatorPath);
      const env = deployment.spec.template.spec.containers.find(
        (c) => c.name === OPERATOR_CONTAINER,
      )?.env;
      expect(env?.find((e) => e.name === 'IMAGE_PIPELINES_WEBHOOK')?.value).toContain('1111');
    });
  });

  it('with OLM stopped (a fault), carries nothing to the Deployment until it runs again', async () => {
    await setSettings({ olmRunning: false });
    const value = 'quay.io/example/triggers-webhook@sha256:' + '2'.repeat(64);
    await setCsvImage('IMAGE_TRIGGERS_WEBHOOK', value);
    await new Promise((r) => setTimeout(r, 1500));
    const webhook = async () =>
      (await kube.get<Deployment>(operatorPath)).spec.template.spec.containers
        .find((c) => c.name === OPERATOR_CONTAINER)
        ?.env?.find((e) => e.name === 'IMAGE_TRIGGERS_WEBHOOK')?.value;
    expect(await webhook()).not.toBe(value);
    await setSettings({});
    await eventually(async () => expect(await webhook()).toBe(value));
  });

  it('re-creates a deleted installer set with the current images, after a stale Ready window', async () => {
    await setSettings({ recreateDelayMs: 1500, staleReadyMs: 1000 });
    // Once the operator's own rollout is over: the pod that leads has the current env.
    await eventually(
      async () => expect(await operatorRolloutPending(kube, OPERATOR_NAMESPACE)).toBeUndefined(),
      30_000,
    );
    const set = (await kube.list(setsPath)).find((s) =>
      /^pipeline-main-deployment-/.test(s.metadata.name),
    );
    expect(set).toBeDefined();
    await kube.delete(`${setsPath}/${set?.metadata.name}`);
    // Right after the deletion the operator still says Ready.
    expect(await ready()).toBe(true);
    await eventually(async () => expect(await ready()).toBe(false), 10_000, 50);
    await eventually(async () => expect(await ready()).toBe(true), 30_000);
    const sets = (await kube.list(setsPath)).filter((s) =>
      /^pipeline-main-deployment-/.test(s.metadata.name),
    );
    expect(sets.map((s) => s.metadata.name)).not.toContain(set?.metadata.name);
    // The garbage collector deletes the old Deployment's pod, which stays Terminating for its
    // grace period as on a real node; the pod that is not going runs the current image.
    await eventually(async () => {
      const webhooks = (await kube.list<Pod>(`/api/v1/namespaces/${TARGET_NAMESPACE}/pods`)).filter(
        (p) => p.metadata.name.startsWith('tekton-pipelines-webhook-'),
      );
      const staying = webhooks.filter((p) => !p.metadata.deletionTimestamp);
      expect(
        staying.map((p) => p.status.containerStatuses[0]?.imageID),
        JSON.stringify(
          webhooks.map((p) => [
            p.metadata.name,
            p.metadata.deletionTimestamp,
            p.spec.containers[0]?.image,
          ]),
        ),
      ).toEqual([
        'image-registry.openshift-image-registry.svc:5000/tekton-upstream/webhook@sha256:' +
          '1'.repeat(64),
      ]);
      expect(webhooks.length - staying.length).toBeLessThanOrEqual(1);
    });
    await setSettings({});
  });
});

describe('the operator’s main sets (DOMAIN.md §9.2)', () => {
  it('with one of a component’s two main sets deleted, deletes the other too and makes both again', async () => {
    const mains = async () =>
      (
        await kube.list(
          setsPath,
          'operator.tekton.dev/created-by=TektonTrigger,operator.tekton.dev/type=main',
        )
      )
        .filter((s) => !s.metadata.deletionTimestamp)
        .map((s) => s.metadata.name)
        .sort();
    const before = await mains();
    expect(before.map((n) => n.replace(/[a-z0-9]{5}$/, ''))).toEqual([
      'trigger-main-deployment-',
      'trigger-main-static-',
    ]);
    const deployment = before.find((n) => n.startsWith('trigger-main-deployment-'));
    await kube.delete(`${setsPath}/${deployment}`);
    await eventually(async () => {
      const after = await mains();
      expect(after).toHaveLength(2);
      // Both are new: the static set went too.
      expect(after.filter((n) => before.includes(n))).toEqual([]);
    }, 30_000);
  });
});

describe('statefulset-ordinals (DOMAIN.md §9.4)', () => {
  it('runs the pipeline controller, remote resolvers, chains controller and results watcher as StatefulSets, in pipeline-main-statefulset-*', async () => {
    const ordinals = { performance: { 'statefulset-ordinals': true } };
    const configPath = resourcePath(
      'operator.tekton.dev',
      'v1alpha1',
      'tektonconfigs',
      undefined,
      'config',
    );
    await kube.mergePatch(configPath, {
      spec: { pipeline: ordinals, chain: ordinals, result: ordinals },
    });
    const statefulSets = resourcePath('apps', 'v1', 'statefulsets', TARGET_NAMESPACE);
    await eventually(async () => {
      expect((await kube.list(statefulSets)).map((s) => s.metadata.name).sort()).toEqual([
        'tekton-chains-controller',
        'tekton-pipelines-controller',
        'tekton-pipelines-remote-resolvers',
        'tekton-results-watcher',
      ]);
      expect(await ready()).toBe(true);
    }, 60_000);
    const sets = (await kube.list(setsPath)).map((s) => s.metadata);
    expect(sets.some((s) => /^pipeline-main-statefulset-[a-z0-9]{5}$/.test(s.name))).toBe(true);
    expect(sets.some((s) => s.name.startsWith('pipeline-main-deployment-'))).toBe(false);
    expect(
      sets.find((s) => /^chain-[a-z0-9]{5}$/.test(s.name))?.labels?.[
        'operator.tekton.dev/installType'
      ],
    ).toBe('statefulset');
    const pods = await kube.list<Pod>(`/api/v1/namespaces/${TARGET_NAMESPACE}/pods`);
    expect(
      pods.find((p) => p.metadata.name === 'tekton-pipelines-controller-0')?.status.phase,
    ).toBe('Running');
    // And back: Deployments again.
    const off = { performance: { 'statefulset-ordinals': false } };
    await kube.mergePatch(configPath, { spec: { pipeline: off, chain: off, result: off } });
    await eventually(async () => {
      expect(await kube.list(statefulSets)).toEqual([]);
      expect(await ready()).toBe(true);
    }, 60_000);
  });
});

describe('the operator’s own rollout (DOMAIN.md §9.3)', () => {
  it('reconciles with the env of the pod that holds the lease: a set deleted while the old pod still leads comes back with the old images, and stays so', async () => {
    // A longer grace period on the operator pod, through the CSV as OLM carries it.
    await setOperatorGraceSeconds(kube, 12);
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NAMESPACE}/leases/${OPERATOR_LEASE}`;
    const holder = async () =>
      (await kube.get<{ spec: { holderIdentity: string } }>(leasePath)).spec.holderIdentity;
    // The one pod left holds the lease.
    const oldLeader = await eventually(async () => {
      const [pod, ...others] = await kube.list(
        `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`,
        'name=openshift-pipelines-operator',
      );
      expect(others).toEqual([]);
      expect(await holder()).toBe(pod?.metadata.name);
      return pod?.metadata.name;
    });
    const newImage =
      'image-registry.openshift-image-registry.svc:5000/tekton-upstream/controller@sha256:' +
      '7'.repeat(64);
    await setCsvImage('IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER', newImage);
    // The new pod is up; the old one is Terminating and still holds the lease.
    await eventually(async () => {
      const pending = await operatorRolloutPending(kube, OPERATOR_NAMESPACE);
      expect(pending).toContain('still runs');
    }, 30_000);
    expect(await holder()).toBe(oldLeader);
    const set = (await kube.list(setsPath)).find((s) =>
      /^trigger-main-deployment-/.test(s.metadata.name),
    );
    await kube.delete(`${setsPath}/${set?.metadata.name}`);
    const controllerImage = async () =>
      (
        await kube.get<Deployment>(
          `/apis/apps/v1/namespaces/${TARGET_NAMESPACE}/deployments/tekton-triggers-controller`,
        )
      ).spec.template.spec.containers[0]?.image;
    await eventually(async () => {
      const again = (await kube.list(setsPath)).find((s) =>
        /^trigger-main-deployment-/.test(s.metadata.name),
      );
      expect(again?.metadata.name).not.toBe(set?.metadata.name);
      expect(await controllerImage()).toBeDefined();
    }, 30_000);
    expect(await controllerImage()).not.toBe(newImage);
    // The old pod goes, the new one leads, and the set keeps the old images.
    await eventually(
      async () => expect(await operatorRolloutPending(kube, OPERATOR_NAMESPACE)).toBeUndefined(),
      60_000,
    );
    await eventually(async () => expect(await holder()).not.toBe(oldLeader), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await controllerImage()).not.toBe(newImage);
  }, 120_000);
});

describe('OLM details streamstress relies on', () => {
  it('installs nothing for a Subscription in a namespace without an OperatorGroup', async () => {
    await kube.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'no-operatorgroup' },
    });
    await kube.create(
      resourcePath('operators.coreos.com', 'v1alpha1', 'subscriptions', 'no-operatorgroup'),
      {
        apiVersion: 'operators.coreos.com/v1alpha1',
        kind: 'Subscription',
        metadata: { name: 'pipelines', namespace: 'no-operatorgroup' },
        spec: {
          name: 'openshift-pipelines-operator-rh',
          channel: 'latest',
          source: 'redhat-operators',
          sourceNamespace: 'openshift-marketplace',
        },
      },
    );
    const sub = await eventually(async () => {
      const found = await kube.get<
        KubeObject & { status?: { conditions?: (Condition & { reason: string })[] } }
      >(
        resourcePath(
          'operators.coreos.com',
          'v1alpha1',
          'subscriptions',
          'no-operatorgroup',
          'pipelines',
        ),
      );
      expect(found.status?.conditions?.[0]?.reason).toBe('NoOperatorGroup');
      return found;
    });
    expect(sub.status?.conditions?.[0]?.type).toBe('ResolutionFailed');
    // Only copies of the global operator's CSV (olm.copiedFrom) are there: nothing of its own.
    expect(
      (
        await kube.list(
          resourcePath(
            'operators.coreos.com',
            'v1alpha1',
            'clusterserviceversions',
            'no-operatorgroup',
          ),
        )
      ).filter((c) => !c.metadata.labels?.['olm.copiedFrom']),
    ).toEqual([]);
  });

  it('keeps a direct edit of the operator Deployment until the CSV changes', async () => {
    const deployment = await kube.get<Deployment>(operatorPath);
    const containers = deployment.spec.template.spec.containers.map((c) =>
      c.name === OPERATOR_CONTAINER
        ? { ...c, env: [...(c.env ?? []), { name: 'DIRECT_EDIT', value: 'yes' }] }
        : c,
    );
    await kube.mergePatch(operatorPath, { spec: { template: { spec: { containers } } } });
    await new Promise((r) => setTimeout(r, 1000));
    const lifecycle = (d: Deployment) =>
      d.spec.template.spec.containers.find((c) => c.name === OPERATOR_CONTAINER)?.env ?? [];
    expect(
      lifecycle(await kube.get<Deployment>(operatorPath)).some((e) => e.name === 'DIRECT_EDIT'),
    ).toBe(true);
    await setCsvImage(
      'IMAGE_CHAINS_TEKTON_CHAINS_CONTROLLER',
      'quay.io/example/chains@sha256:' + '3'.repeat(64),
    );
    await eventually(async () =>
      expect(
        lifecycle(await kube.get<Deployment>(operatorPath)).some((e) => e.name === 'DIRECT_EDIT'),
      ).toBe(false),
    );
  });

  it('injects the Subscription’s spec.config.env into the operator Deployment, over the CSV', async () => {
    const value = 'quay.io/example/override@sha256:' + '4'.repeat(64);
    const lifecycle = async () =>
      new Map(
        (
          (await kube.get<Deployment>(operatorPath)).spec.template.spec.containers.find(
            (c) => c.name === OPERATOR_CONTAINER,
          )?.env ?? []
        ).map((e) => [e.name, e.value]),
      );
    await setSubscriptionEnv(kube, [{ name: 'IMAGE_RESULTS_API', value }]);
    await eventually(async () => expect((await lifecycle()).get('IMAGE_RESULTS_API')).toBe(value));
    // A CSV change of the same variable does not win.
    await setCsvImage('IMAGE_RESULTS_API', 'quay.io/example/csv@sha256:' + '5'.repeat(64));
    await new Promise((r) => setTimeout(r, 1000));
    expect((await lifecycle()).get('IMAGE_RESULTS_API')).toBe(value);
    await setSubscriptionEnv(kube, null);
    await eventually(async () =>
      expect((await lifecycle()).get('IMAGE_RESULTS_API')).toContain('5555'),
    );
  });

  it('copies the CSV into the other namespaces and overwrites a change to a copy', async () => {
    const copyPath = resourcePath(
      'operators.coreos.com',
      'v1alpha1',
      'clusterserviceversions',
      TARGET_NAMESPACE,
      CSV_NAME,
    );
    const copy = await eventually(() => kube.get<Csv>(copyPath));
    expect(copy.metadata.labels?.['olm.copiedFrom']).toBe(OPERATOR_NAMESPACE);
    await kube.mergePatch(copyPath, { spec: { displayName: 'edited copy' } });
    await eventually(async () =>
      expect(
        ((await kube.get(copyPath)) as KubeObject & { spec: { displayName: string } }).spec
          .displayName,
      ).toBe('Red Hat OpenShift Pipelines'),
    );
  });
});

describe('the registry operator and the metrics API', () => {
  it('exposes the registry route when defaultRoute is set', async () => {
    await kube.mergePatch(
      resourcePath('imageregistry.operator.openshift.io', 'v1', 'configs', undefined, 'cluster'),
      { spec: { defaultRoute: true } },
    );
    const route = await eventually(() =>
      kube.get<KubeObject & { spec: { host: string } }>(
        resourcePath(
          'route.openshift.io',
          'v1',
          'routes',
          'openshift-image-registry',
          'default-route',
        ),
      ),
    );
    expect(route.spec.host).toMatch(/^default-route-openshift-image-registry\./);
  });

  it('serves pod and node metrics at the real paths', async () => {
    const pods = await eventually(async () => {
      const items = await kube.list<
        KubeObject & { containers: { usage: { cpu: string; memory: string } }[] }
      >(`/apis/metrics.k8s.io/v1beta1/namespaces/${TARGET_NAMESPACE}/pods`);
      expect(items.length).toBeGreaterThan(5);
      return items;
    });
    expect(pods[0]?.containers[0]?.usage.cpu).toMatch(/^\d+n$/);
    const node = await kube.get<KubeObject & { usage: { cpu: string } }>(
      '/apis/metrics.k8s.io/v1beta1/nodes/testbed-node',
    );
    expect(node.usage.cpu).toMatch(/^\d+m$/);
    const allocatable = await kube.get<KubeObject & { status: { allocatable: { cpu: string } } }>(
      '/api/v1/nodes/testbed-node',
    );
    expect(allocatable.status.allocatable.cpu).toBe('7500m');
  });

  it('answers a conflicting write with 409, as Kubernetes does', async () => {
    const csv = await kube.get<Csv>(csvPath);
    await kube.mergePatch(csvPath, { metadata: { annotations: { touched: 'yes' } } });
    await expect(kube.request('PUT', csvPath, csv)).rejects.toBeInstanceOf(KubeError);
    await expect(kube.request('PUT', csvPath, csv)).rejects.toMatchObject({ status: 409 });
  });
});

describe('the fault proxy', () => {
  let proxy: FaultProxy;
  let viaProxy: Kube;

  beforeAll(async () => {
    proxy = await startFaultProxy(
      { server: testbed.server, ca: testbed.ca },
      {
        cert: readFileSync(join(testbed.dir, 'server.crt'), 'utf8'),
        key: readFileSync(join(testbed.dir, 'server.key'), 'utf8'),
      },
    );
    viaProxy = new Kube({ server: proxy.url, ca: testbed.ca, token: testbed.adminToken });
  });
  afterAll(() => proxy?.stop());

  it('forwards requests untouched by default', async () => {
    expect((await viaProxy.list('/api/v1/namespaces')).length).toBeGreaterThan(3);
  });

  it('answers the next requests with 503 and Retry-After, then recovers', async () => {
    proxy.setMode({ status: 503, next: 2, retryAfterSeconds: 1 });
    await expect(viaProxy.list('/api/v1/namespaces')).rejects.toMatchObject({ status: 503 });
    await expect(viaProxy.list('/api/v1/namespaces')).rejects.toMatchObject({ status: 503 });
    expect((await viaProxy.list('/api/v1/namespaces')).length).toBeGreaterThan(3);
  });

  it('answers a share of requests with 429 or 500', async () => {
    proxy.setMode({ status: 429, share: 0.5, retryAfterSeconds: 2 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, () => viaProxy.list('/api/v1/namespaces')),
    );
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as KubeError).status === 429,
    ).length;
    expect(refused).toBeGreaterThan(5);
    expect(refused).toBeLessThan(35);
    proxy.setMode({ status: 500, next: 1 });
    await expect(viaProxy.list('/api/v1/namespaces')).rejects.toMatchObject({ status: 500 });
    proxy.setMode({});
  });

  it('adds latency', async () => {
    proxy.setMode({ latencyMs: 300 });
    const started = Date.now();
    await viaProxy.list('/api/v1/namespaces');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    proxy.setMode({});
  });

  it('cuts watch connections mid-stream; the client resumes and misses nothing', async () => {
    proxy.setMode({ dropWatchesAfterMs: 300 });
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = viaProxy.watch(
      '/api/v1/namespaces',
      { onEvent: (_type, object) => seen.push(object.metadata.name) },
      abort.signal,
    );
    await eventually(() => expect(proxy.stats.droppedWatches).toBeGreaterThanOrEqual(2), 10_000);
    await kube.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'made-after-drops' },
    });
    await eventually(() => expect(seen).toContain('made-after-drops'), 10_000);
    abort.abort();
    await watching;
    proxy.setMode({});
  });

  it('expires watches with 410 Gone; the client re-lists and goes on', async () => {
    proxy.setMode({ expireWatches: 2 });
    const abort = new AbortController();
    let lists = 0;
    const seen: string[] = [];
    const watching = viaProxy.watch(
      '/api/v1/namespaces',
      { onList: () => (lists += 1), onEvent: (_type, object) => seen.push(object.metadata.name) },
      abort.signal,
    );
    await eventually(() => expect(proxy.stats.expiredWatches).toBe(2), 10_000);
    // Created after the third list, so that only the watch can report it (on a busy machine the
    // re-list can come late).
    await eventually(() => expect(lists).toBe(3), 10_000);
    await kube.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'made-after-expiry' },
    });
    await eventually(() => expect(seen).toContain('made-after-expiry'), 10_000);
    expect(lists).toBe(3);
    abort.abort();
    await watching;
    proxy.setMode({});
  });

  it('has a concurrent writer that makes stale updates conflict', async () => {
    const writer = startConcurrentWriter(kube, csvPath, 20);
    const stale = await kube.get<Csv>(csvPath);
    await eventually(() => expect(writer.writes()).toBeGreaterThan(2));
    await expect(kube.request('PUT', csvPath, stale)).rejects.toMatchObject({ status: 409 });
    await writer.stop();
  });
});

// Last: after the upgrade the testbed's 1.21.0 CSV is gone.
describe('an operator upgrade (DOMAIN.md §9.5)', () => {
  it('upgrades: the new CSV takes over the Deployment, the old one stays Replacing for a while, then goes', async () => {
    await setSettings({ replacedCsvMs: 4000 });
    const next = await startOperatorUpgrade(kube, '1.21.1');
    const sub = () =>
      kube.get<KubeObject & { status?: { installedCSV?: string } }>(SUBSCRIPTION_PATH);
    await eventually(async () => {
      expect((await sub()).status?.installedCSV).toBe(next);
      expect((await kube.get<Csv>(csvPath)).status?.phase).toBe('Replacing');
    });
    const version = async () =>
      (await kube.get<Deployment>(operatorPath)).spec.template.spec.containers
        .find((c) => c.name === OPERATOR_CONTAINER)
        ?.env?.find((e) => e.name === 'VERSION')?.value;
    await eventually(async () => expect(await version()).toBe('1.21.1'));
    await eventually(
      async () => expect(await kube.getOrUndefined(csvPath)).toBeUndefined(),
      15_000,
    );
    await setSettings({});
  });
});
