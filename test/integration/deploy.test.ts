import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/adapters/kube.js';
import { parseImages } from '../../src/build/images.js';
import { builtImages as buildImagesFor } from '../helpers/images.js';
import { deployImages, restoreImages } from '../../src/cluster/deploy.js';
import { OPERATOR } from '../../src/cluster/operator.js';
import { loadComponents, type ComponentRegistry } from '../../src/config/components.js';
import { StreamstressError } from '../../src/errors.js';
import { startControllers } from '../testbed/controllers.js';
import { startConcurrentWriter, startFaultProxy, type FaultProxy } from '../testbed/faults.js';
import { Kube, resourcePath, type KubeObject } from '../testbed/kube.js';
import type { TestbedSettings } from '../testbed/objects.js';
import { CSV_PATH, OPERATOR_DEPLOYMENT_PATH } from '../testbed/release.js';
import { removeTestbedDir, startTestbed, type Testbed } from '../testbed/testbed.js';
import {
  installOperator,
  MANUAL_APPROVAL_GATE_PATH,
  setOpenShiftVersion,
  setOperatorGraceSeconds,
  setSubscriptionEnv,
  setTestbedSettings,
  startOperatorUpgrade,
} from '../testbed/install.js';
import { setupCluster, type SetupStep } from '../../src/cluster/setup.js';
import { recordRunWithoutTests } from '../../src/results/analyse.js';
import { refuseChangedOperator } from '../../src/run/run.js';
import { csvEnv as csvEnvOf, deployAndRestoreAll } from '../helpers/all-components.js';
import { eventually } from '../helpers/eventually.js';

let testbed: Testbed;
let controllers: { stop(): Promise<void> };
let kube: Kube;
let registry: ComponentRegistry;

type Env = { name: string; value?: string }[];
type Csv = KubeObject & {
  status?: { phase?: string };
  spec: {
    install: {
      spec: {
        deployments: {
          name: string;
          spec: { template: { spec: { containers: { name: string; env?: Env }[] } } };
        }[];
      };
    };
  };
};
type Pod = KubeObject & { status: { containerStatuses: { name: string; imageID: string }[] } };
type Deployment = KubeObject & {
  spec: { template: { spec: { containers: { name: string; args?: string[]; env?: Env }[] } } };
};

const csvPath = CSV_PATH;
const SETS_PATH = resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets');
const operatorPath = OPERATOR_DEPLOYMENT_PATH;

const csvEnv = () => csvEnvOf(kube);

const setSettings = (change: Partial<TestbedSettings>) => setTestbedSettings(kube, change);

const builtImages = (seed: string, components?: string[]) =>
  buildImagesFor(registry, seed, components);

async function runningImages(): Promise<Map<string, string>> {
  const pods = await kube.list<Pod>('/api/v1/namespaces/openshift-pipelines/pods');
  return new Map(
    pods
      .filter((p) => !p.metadata.deletionTimestamp)
      .flatMap((p) =>
        p.status.containerStatuses.map((c) => [c.name, c.imageID] as [string, string]),
      ),
  );
}

beforeAll(async () => {
  registry = await loadComponents();
  testbed = await startTestbed();
  kube = testbed.admin;
  controllers = startControllers(kube);
  await installOperator(kube);
}, 600_000);

afterAll(async () => {
  await controllers?.stop();
  await testbed?.stop();
  if (testbed) removeTestbedDir(testbed.dir);
});

describe('deploy and restore on the testbed', () => {
  it(
    'swaps exactly the 8 pipeline and 4 triggers images in, through the CSV, and they run',
    { timeout: 120_000 },
    async () => {
      const before = await csvEnv();
      const images = builtImages('night-1');
      const progress: string[] = [];
      const record = await deployImages(images, {
        kube,
        registry,
        timeoutMs: 60_000,
        onProgress: (m) => progress.push(m),
      });
      expect(record.patched).toEqual(['csv']);
      expect(record.changes).toHaveLength(12);
      expect(
        record.installerSets.deleted.some((n) => n.startsWith('pipeline-main-deployment-')),
      ).toBe(true);
      // Deploy deletes only the deployment set; with one main set left the operator deletes the
      // static one too and makes both again. The record says what really went and came.
      const kinds = (names: string[]) => names.map((n) => n.replace(/[a-z0-9]{5}$/, '')).sort();
      expect(kinds(record.installerSets.deleted)).toEqual([
        'pipeline-main-deployment-',
        'pipeline-main-static-',
        'trigger-main-deployment-',
        'trigger-main-static-',
      ]);
      expect(kinds(record.installerSets.created)).toEqual(kinds(record.installerSets.deleted));
      expect(progress.some((m) => m.startsWith('waiting for'))).toBe(true);

      const after = await csvEnv();
      const wanted = new Map(
        images.components.flatMap((c) =>
          c.images.map((i) => [i.env, i.internalRef] as [string, string]),
        ),
      );
      for (const [name, value] of after)
        expect(value, name).toBe(wanted.get(name) ?? before.get(name));
      expect([...after.keys()]).toEqual([...before.keys()]);

      const running = await runningImages();
      expect(running.get('tekton-pipelines-controller')).toBe(
        wanted.get('IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER'),
      );
      expect(running.get('tekton-triggers-core-interceptors')).toBe(
        wanted.get('IMAGE_TRIGGERS_TEKTON_TRIGGERS_CORE_INTERCEPTORS'),
      );
      const controller = await kube.get<Deployment>(
        resourcePath(
          'apps',
          'v1',
          'deployments',
          'openshift-pipelines',
          'tekton-pipelines-controller',
        ),
      );
      expect(controller.spec.template.spec.containers[0]?.args).toEqual(
        expect.arrayContaining([
          '-entrypoint-image',
          wanted.get('IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE'),
        ]),
      );
      expect(record.verified).toHaveLength(12);
      const originals = JSON.parse(
        (await kube.get(csvPath)).metadata.annotations?.[OPERATOR.originalsAnnotation] ?? '{}',
      ) as Record<string, string>;
      expect(Object.keys(originals).sort()).toEqual([...wanted.keys()].sort());
      for (const [name, value] of Object.entries(originals)) expect(value).toBe(before.get(name));
    },
  );

  it(
    'keeps the first originals when a second run deploys over the first, and restore returns every value',
    { timeout: 180_000 },
    async () => {
      const first = JSON.parse(
        (await kube.get(csvPath)).metadata.annotations?.[OPERATOR.originalsAnnotation] ?? '{}',
      ) as Record<string, string>;
      await deployImages(builtImages('night-2'), { kube, registry, timeoutMs: 60_000 });
      const second = JSON.parse(
        (await kube.get(csvPath)).metadata.annotations?.[OPERATOR.originalsAnnotation] ?? '{}',
      ) as Record<string, string>;
      expect(second).toEqual(first);
      const record = await restoreImages({ kube, registry, timeoutMs: 60_000 });
      expect(record.changes).toHaveLength(12);
      const env = await csvEnv();
      for (const [name, value] of Object.entries(first)) expect(env.get(name)).toBe(value);
      expect(
        (await kube.get(csvPath)).metadata.annotations?.[OPERATOR.originalsAnnotation],
      ).toBeUndefined();
      expect((await runningImages()).get('webhook')).toBeDefined();
      expect(
        [...(await runningImages()).values()].every((id) => !id.includes('tekton-upstream')),
      ).toBe(true);
    },
  );

  it(
    'falls back to the Deployment when the CSV change does not arrive (OLM stopped, a fault), and says so',
    { timeout: 180_000 },
    async () => {
      await setSettings({ olmRunning: false });
      try {
        const images = builtImages('night-3');
        const record = await deployImages(images, {
          kube,
          registry,
          timeoutMs: 60_000,
          propagationTimeoutMs: 2000,
        });
        expect(record.patched).toEqual(['csv', 'deployment']);
        expect(record.fallback).toContain('did not reach the Deployment');
        expect(record.changes).toHaveLength(12);
        const running = await runningImages();
        expect(running.get('tekton-pipelines-controller')).toBe(
          images.components[0]?.images[0]?.internalRef,
        );
        expect(running.get('tekton-triggers-controller')).toBe(
          images.components[1]?.images[0]?.internalRef,
        );
        const operator = await kube.get<Deployment>(operatorPath);
        expect(operator.metadata.annotations?.[OPERATOR.originalsAnnotation]).toBeDefined();
        await restoreImages({ kube, registry, timeoutMs: 60_000, propagationTimeoutMs: 2000 });
        expect(
          [...(await runningImages()).values()].every((id) => !id.includes('tekton-upstream')),
        ).toBe(true);
      } finally {
        await setSettings({});
      }
    },
  );
});

describe('the operator’s own rollout and the console plugin', () => {
  it(
    'waits for an old operator pod that leads for 20 s after its replacement before recycling: never old images, no timeout',
    { timeout: 180_000 },
    async () => {
      // Only operator pods with a 20 s grace period are left: the one that leads has it.
      await setOperatorGraceSeconds(kube, 20);
      const progress: string[] = [];
      const started = Date.now();
      const images = builtImages('slow-operator', ['triggers']);
      const record = await deployImages(images, {
        kube,
        registry,
        timeoutMs: 90_000,
        onProgress: (m) => progress.push(m),
      });
      expect(progress.some((m) => /old operator pod .* still runs/.test(m))).toBe(true);
      expect(Date.now() - started).toBeGreaterThan(15_000);
      const running = await runningImages();
      for (const built of images.components[0]?.images ?? []) {
        const image = registry.components
          .find((c) => c.name === 'triggers')
          ?.images.find((i) => i.env === built.env);
        if (image?.container)
          expect(running.get(image.container), built.env).toBe(built.internalRef);
      }
      expect(record.verified.length).toBeGreaterThan(0);
      await setOperatorGraceSeconds(kube, 3);
    },
  );

  it(
    'puts the console plugin into the variable the operator reads for the cluster: LEGACY below OpenShift 4.22, the other from 4.22',
    { timeout: 180_000 },
    async () => {
      const before = await csvEnv();
      const progress: string[] = [];
      const legacy = builtImages('console-4.20', ['console-plugin']);
      const record = await deployImages(legacy, {
        kube,
        registry,
        timeoutMs: 60_000,
        onProgress: (m) => progress.push(m),
      });
      const built = legacy.components[0]?.images[0]?.internalRef;
      expect(record.changes.map((c) => c.env)).toEqual(['IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY']);
      expect(record.installerSets.deleted).toEqual([]);
      expect(progress.some((m) => m.includes('older than 4.22'))).toBe(true);
      expect((await runningImages()).get('pipelines-console-plugin')).toBe(built);

      await setOpenShiftVersion(kube, '4.22');
      const current = builtImages('console-4.22', ['console-plugin']);
      const next = await deployImages(current, { kube, registry, timeoutMs: 60_000 });
      expect(next.changes.map((c) => c.env)).toEqual(['IMAGE_PIPELINES_CONSOLE_PLUGIN']);
      expect((await runningImages()).get('pipelines-console-plugin')).toBe(
        current.components[0]?.images[0]?.internalRef,
      );

      await restoreImages({ kube, registry, timeoutMs: 60_000 });
      const after = await csvEnv();
      expect(after.get('IMAGE_PIPELINES_CONSOLE_PLUGIN')).toBe(
        before.get('IMAGE_PIPELINES_CONSOLE_PLUGIN'),
      );
      expect(after.get('IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY')).toBe(
        before.get('IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY'),
      );
      await setOpenShiftVersion(kube, '4.20');
    },
  );
});

describe('all six components, as the operator runs them', () => {
  it(
    'manual-approval-gate: refused while no ManualApprovalGate exists, nothing changed; setup creates one, as a reported step, then it deploys',
    { timeout: 180_000 },
    async () => {
      expect(await kube.getOrUndefined(MANUAL_APPROVAL_GATE_PATH)).toBeUndefined();
      const before = await csvEnv();
      const images = builtImages('mag-1', ['manual-approval-gate']);
      const refused = await deployImages(images, { kube, registry, timeoutMs: 30_000 }).catch(
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StreamstressError);
      expect((refused as StreamstressError).message).toMatch(
        /installs manual-approval-gate only when its resource exists.*ManualApprovalGate manual-approval-gate/,
      );
      expect((refused as StreamstressError).hint).toContain(
        'streamstress setup --components manual-approval-gate',
      );
      expect(await csvEnv()).toEqual(before);

      const mag = registry.components.filter((c) => c.name === 'manual-approval-gate');
      const steps: SetupStep[] = [];
      await setupCluster({ kube, components: mag, onStep: (step) => steps.push(step) });
      expect(
        (await kube.get(CSV_PATH)).metadata.annotations?.[OPERATOR.originalsAnnotation],
      ).toBeUndefined();
      expect(steps.at(-1)).toMatchObject({
        step: 'create the ManualApprovalGate manual-approval-gate',
        status: 'done',
      });
      const again: SetupStep[] = [];
      await setupCluster({ kube, components: mag, onStep: (step) => again.push(step) });
      expect(again.at(-1)?.status).toBe('already');

      const record = await deployImages(images, { kube, registry, timeoutMs: 60_000 });
      expect(record.verified).toHaveLength(2);
      expect(record.payload).toEqual({ 'manual-approval-gate': 'v0.7.0' });
      expect(record.recycledAgain).toBeUndefined();
      const running = await runningImages();
      expect(running.get('manual-approval')).toBe(
        images.components[0]?.images.find((i) => i.env === 'IMAGE_MAG_MANUAL_APPROVAL')
          ?.internalRef,
      );
      await restoreImages({ kube, registry, timeoutMs: 60_000 });
    },
  );

  it(
    'deploys and restores all six components (19 variables) on OpenShift 4.20, then on 4.22',
    { timeout: 600_000 },
    async () => {
      await deployAndRestoreAll(
        kube,
        registry,
        'all-4.20',
        'IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY',
      );
      await setOpenShiftVersion(kube, '4.22');
      try {
        await deployAndRestoreAll(kube, registry, 'all-4.22', 'IMAGE_PIPELINES_CONSOLE_PLUGIN');
      } finally {
        await setOpenShiftVersion(kube, '4.20');
      }
    },
  );

  it(
    'recycles once more when the operator re-creates a set with old images, and says so',
    { timeout: 180_000 },
    async () => {
      await setSettings({ staleImagesOnce: true });
      try {
        const images = builtImages('stale-once', ['triggers']);
        const progress: string[] = [];
        const record = await deployImages(images, {
          kube,
          registry,
          timeoutMs: 90_000,
          onProgress: (m) => progress.push(m),
        });
        if (!record.recycledAgain) console.log(progress.join('\n'));
        expect(record.recycledAgain).toMatch(/re-created workload still named an old image/);
        expect(progress.some((m) => m.includes('recycling the installer sets once more'))).toBe(
          true,
        );
        const running = await runningImages();
        expect(running.get('tekton-triggers-controller')).toBe(
          images.components[0]?.images[0]?.internalRef,
        );
      } finally {
        await setSettings({});
      }
      await restoreImages({ kube, registry, timeoutMs: 60_000 });
    },
  );

  it('refuses an image the Subscription overrides, naming it, and changes nothing', async () => {
    const before = await csvEnv();
    const setsBefore = (await kube.list(SETS_PATH)).map((x) => x.metadata.name).sort();
    // Any entry of the Subscription's env may name it, not only the first.
    await setSubscriptionEnv(kube, [
      { name: 'HTTP_PROXY', value: 'http://proxy.example:3128' },
      { name: 'IMAGE_TRIGGERS_WEBHOOK', value: 'quay.io/example/webhook@sha256:' + '6'.repeat(64) },
    ]);
    try {
      const refused = await deployImages(builtImages('overridden', ['triggers']), {
        kube,
        registry,
        timeoutMs: 30_000,
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StreamstressError);
      expect((refused as StreamstressError).message).toMatch(
        /Subscription openshift-operators\/openshift-pipelines-operator sets IMAGE_TRIGGERS_WEBHOOK in spec.config.env/,
      );
      expect(await csvEnv()).toEqual(before);
      expect(
        (await kube.get(CSV_PATH)).metadata.annotations?.[OPERATOR.originalsAnnotation],
      ).toBeUndefined();
      expect((await kube.list(SETS_PATH)).map((x) => x.metadata.name).sort()).toEqual(setsBefore);
    } finally {
      await setSubscriptionEnv(kube, null);
    }
  });

  it(
    'restores a component whose ManualApprovalGate has gone: its values go back, nothing waits for it',
    { timeout: 180_000 },
    async () => {
      const before = await csvEnv();
      await deployImages(builtImages('mag-gone', ['manual-approval-gate']), {
        kube,
        registry,
        timeoutMs: 60_000,
      });
      await kube.delete(MANUAL_APPROVAL_GATE_PATH);
      try {
        await restoreImages({ kube, registry, timeoutMs: 60_000 });
        expect(await csvEnv()).toEqual(before);
      } finally {
        await setupCluster({
          kube,
          components: registry.components.filter((c) => c.name === 'manual-approval-gate'),
        });
      }
    },
  );

  it(
    'restores the CSV even when the Subscription has come to override a variable, and says so',
    { timeout: 180_000 },
    async () => {
      const before = await csvEnv();
      await deployImages(builtImages('override-later', ['triggers']), {
        kube,
        registry,
        timeoutMs: 60_000,
      });
      const overriding = 'quay.io/example/webhook@sha256:' + '7'.repeat(64);
      await setSubscriptionEnv(kube, [{ name: 'IMAGE_TRIGGERS_WEBHOOK', value: overriding }]);
      try {
        const progress: string[] = [];
        await restoreImages({
          kube,
          registry,
          timeoutMs: 60_000,
          onProgress: (m) => progress.push(m),
        });
        expect(await csvEnv()).toEqual(before);
        expect(progress.some((m) => /Subscription sets IMAGE_TRIGGERS_WEBHOOK/.test(m))).toBe(true);
      } finally {
        await setSubscriptionEnv(kube, null);
      }
    },
  );
});

describe('an operator that rewrites registries', () => {
  it(
    'deploys, warning that TEKTON_REGISTRY_OVERRIDE would pull the images from elsewhere',
    { timeout: 120_000 },
    async () => {
      const csv = await kube.get<Csv>(csvPath);
      const d = csv.spec.install.spec.deployments.findIndex((x) => x.name === OPERATOR.deployment);
      const containers = csv.spec.install.spec.deployments[d]?.spec.template.spec.containers ?? [];
      const c = containers.findIndex((x) => x.name === OPERATOR.container);
      const envPath = `/spec/install/spec/deployments/${d}/spec/template/spec/containers/${c}/env`;
      await kube.jsonPatch(csvPath, [
        {
          op: 'add',
          path: `${envPath}/-`,
          value: { name: 'TEKTON_REGISTRY_OVERRIDE', value: 'mirror.example/tekton' },
        },
      ]);
      try {
        const progress: string[] = [];
        await deployImages(builtImages('override', ['triggers']), {
          kube,
          registry,
          timeoutMs: 60_000,
          onProgress: (m) => progress.push(m),
        });
        expect(progress).toContainEqual(
          expect.stringMatching(
            /^warning: the operator has TEKTON_REGISTRY_OVERRIDE=mirror\.example\/tekton: it rewrites the registry of every IMAGE_\* value/,
          ),
        );
      } finally {
        const env = [...(await csvEnv()).keys()].indexOf('TEKTON_REGISTRY_OVERRIDE');
        await kube.jsonPatch(csvPath, [{ op: 'remove', path: `${envPath}/${env}` }]);
      }
    },
  );
});

describe('the stale Ready window', () => {
  it(
    'does not end the wait while TektonConfig still reports the old Ready',
    { timeout: 120_000 },
    async () => {
      await setSettings({ recreateDelayMs: 2500, staleReadyMs: 2000 });
      try {
        const images = builtImages('stale', ['triggers']);
        const record = await deployImages(images, { kube, registry, timeoutMs: 60_000 });
        expect(record.reconcileSeconds).toBeGreaterThanOrEqual(2.5);
        expect((await runningImages()).get('tekton-triggers-controller')).toBe(
          images.components[0]?.images[0]?.internalRef,
        );
        await restoreImages({ kube, registry, timeoutMs: 60_000 });
      } finally {
        await setSettings({});
      }
    },
  );
});

describe('a rollout that does not finish', () => {
  it(
    'times out naming what is still wrong, and can be restored',
    { timeout: 120_000 },
    async () => {
      // Long against the 2 s timeout, short against the restore's 60 s: the re-creation
      // already scheduled keeps this delay, and the restore waits for it.
      await setSettings({ recreateDelayMs: 15_000 });
      try {
        const failure = await deployImages(builtImages('slow', ['triggers']), {
          kube,
          registry,
          timeoutMs: 2_000,
        }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(StreamstressError);
        expect((failure as StreamstressError).message).toBe(
          'The operator did not finish rolling out within 2 s. Still wrong:',
        );
        // The triggers deployment set deploy deleted, and the static set the operator deleted.
        expect((failure as StreamstressError).problems[0]).toMatch(
          /^installer sets re-created: 0 of 2$/,
        );
        expect((failure as StreamstressError).hint).toContain('streamstress restore');
      } finally {
        await setSettings({});
      }
      await restoreImages({ kube, registry, timeoutMs: 60_000 });
    },
  );
});

describe('deploy refuses, and leaves the cluster as it was', () => {
  it('an IMAGE_* variable the CSV does not have, naming it', async () => {
    const before = await csvEnv();
    const custom = {
      ...registry,
      components: registry.components.map((c) =>
        c.name === 'chains'
          ? { ...c, images: [{ ...c.images[0]!, env: 'IMAGE_CHAINS_NO_SUCH_THING' }] }
          : c,
      ),
    };
    const images = builtImages('x', ['pipeline']);
    images.components.push({
      name: 'chains',
      repo: 'r',
      ref: 'main',
      commit: 'a'.repeat(40),
      images: [
        {
          env: 'IMAGE_CHAINS_NO_SUCH_THING',
          ref: images.components[0]!.images[0]!.ref,
          internalRef: images.components[0]!.images[0]!.internalRef,
        },
      ],
    });
    await expect(
      deployImages(images, { kube, registry: custom, timeoutMs: 10_000 }),
    ).rejects.toThrow(/has no IMAGE_CHAINS_NO_SUCH_THING/);
    expect(await csvEnv()).toEqual(before);
  });

  it('an images file whose digests are malformed', () => {
    const images = builtImages('y', ['triggers']) as unknown as {
      components: { images: { internalRef: string }[] }[];
    };
    images.components[0]!.images[0]!.internalRef =
      'image-registry.openshift-image-registry.svc:5000/tekton-upstream/controller:latest';
    expect(() => parseImages(images, 'images.json')).toThrow(StreamstressError);
    try {
      parseImages(images, 'images.json');
    } catch (error) {
      expect((error as StreamstressError).problems[0]).toMatch(
        /components\.0\.images\.0\.internalRef: must be an image reference pinned by digest/,
      );
    }
  });

  it('a user without the permissions', async () => {
    const limited = new Kube({
      server: testbed.server,
      ca: testbed.ca,
      token: testbed.limitedToken,
    });
    await expect(
      deployImages(builtImages('z'), { kube: limited, registry, timeoutMs: 10_000 }),
    ).rejects.toThrow(/Not allowed to list ClusterServiceVersions in openshift-operators/);
  });

  it('no operator installed', async () => {
    await expect(
      deployImages(builtImages('z'), {
        kube,
        registry,
        operatorNamespace: 'kube-public',
        timeoutMs: 10_000,
      }),
    ).rejects.toThrow(/No OpenShift Pipelines operator CSV in namespace kube-public/);
  });

  it('a namespace with only a copied CSV, naming the namespace of the operator', async () => {
    const refused = await deployImages(builtImages('z'), {
      kube,
      registry,
      operatorNamespace: 'openshift-marketplace',
      timeoutMs: 10_000,
    }).catch((error: unknown) => error);
    expect((refused as StreamstressError).message).toMatch(
      /in openshift-marketplace is a copy OLM keeps of the one in openshift-operators \(label olm.copiedFrom\)/,
    );
    expect((refused as StreamstressError).hint).toContain(
      '--operator-namespace openshift-operators',
    );
  });
});

describe('deploy survives a flaky API server', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(
      { server: testbed.server, ca: testbed.ca },
      {
        cert: readFileSync(join(testbed.dir, 'server.crt'), 'utf8'),
        key: readFileSync(join(testbed.dir, 'server.key'), 'utf8'),
      },
    );
  });
  afterAll(() => proxy?.stop());

  it(
    'bursts of 503/429 with Retry-After, dropped watches and a concurrent CSV writer',
    { timeout: 180_000 },
    async () => {
      const retries: string[] = [];
      const flaky = new KubeClient(
        proxy.url,
        { ca: testbed.ca },
        { Authorization: `Bearer ${testbed.adminToken}` },
        { attempts: 8, baseDelayMs: 20, maxDelayMs: 200 },
        (m) => retries.push(m),
      );
      proxy.setMode({ status: 503, share: 0.2, retryAfterSeconds: 0, dropWatchesAfterMs: 700 });
      const writer = startConcurrentWriter(kube, csvPath, 30);
      try {
        const record = await deployImages(builtImages('flaky', ['triggers']), {
          kube: flaky,
          registry,
          timeoutMs: 90_000,
        });
        expect(record.changes).toHaveLength(4);
      } finally {
        await writer.stop();
        proxy.setMode({});
      }
      expect(retries.length).toBeGreaterThan(0);
      expect(proxy.stats.droppedWatches).toBeGreaterThan(0);
      await restoreImages({ kube, registry, timeoutMs: 60_000 });
    },
  );

  it('gives up after a bound with a clear error', async () => {
    const flaky = new KubeClient(
      proxy.url,
      { ca: testbed.ca },
      { Authorization: `Bearer ${testbed.adminToken}` },
      { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    );
    proxy.setMode({ status: 500, share: 1 });
    try {
      await expect(
        deployImages(builtImages('down'), { kube: flaky, registry, timeoutMs: 5_000 }),
      ).rejects.toThrow(/500/);
    } finally {
      proxy.setMode({});
    }
  });
});

// Last: after an upgrade the testbed's 1.21.0 CSV is gone.
describe('an operator upgrade (DOMAIN.md §9.5)', () => {
  it(
    'with two CSVs during an upgrade, patches the one the Subscription installed',
    { timeout: 180_000 },
    async () => {
      await setSettings({ replacedCsvMs: 600_000 });
      const next = await startOperatorUpgrade(kube, '1.21.1');
      const nextPath = CSV_PATH.replace(/v1\.21\.0$/, 'v1.21.1');
      await eventually(async () => {
        expect((await kube.get<Csv>(CSV_PATH)).status?.phase).toBe('Replacing');
        expect((await kube.get<Csv>(nextPath)).status?.phase).toBe('Succeeded');
      });
      const oldEnv = await csvEnv();
      const images = builtImages('upgraded');
      const record = await deployImages(images, { kube, registry, timeoutMs: 90_000 });
      expect(record.operator.csv).toBe(next);
      expect(record.patched).toEqual(['csv']);
      expect(await csvEnv()).toEqual(oldEnv);
      await restoreImages({ kube, registry, timeoutMs: 60_000 });
      await setSettings({});
      await eventually(async () => expect(await kube.getOrUndefined(CSV_PATH)).toBeUndefined());
    },
  );

  it(
    'says the deploy is invalid when an upgrade replaces the CSV during it',
    { timeout: 180_000 },
    async () => {
      let upgrade: Promise<string> | undefined;
      const refused = await deployImages(builtImages('mid-upgrade'), {
        kube,
        registry,
        timeoutMs: 90_000,
        onProgress: (message) => {
          if (message.startsWith('deleted installer sets') && !upgrade)
            upgrade = startOperatorUpgrade(kube, '1.21.2', '1.21.1');
        },
      }).catch((error: unknown) => error);
      await upgrade;
      expect(refused).toBeInstanceOf(StreamstressError);
      expect((refused as StreamstressError).message).toMatch(
        /The operator changed during the deploy: the images were patched into openshift-pipelines-operator-rh.v1.21.1.*this deploy is invalid/,
      );
    },
  );

  it('marks a run invalid when the CSV it deployed into was replaced before its tests ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamstress-upgraded-run-'));
    try {
      const tested = await recordRunWithoutTests(dir, {
        run: { id: 'upgraded', startedAt: new Date().toISOString() },
        components: [],
        phases: {},
      });
      const same = await refuseChangedOperator(tested, dir, () => Promise.resolve(kube), {
        namespace: 'openshift-operators',
        csv: 'openshift-pipelines-operator-rh.v1.21.2',
      });
      expect(same).toBe(tested);
      expect(same.results.warnings).toEqual([]);
      const changed = await refuseChangedOperator(tested, dir, () => Promise.resolve(kube), {
        namespace: 'openshift-operators',
        csv: 'openshift-pipelines-operator-rh.v1.21.1',
      });
      expect(changed.results.exitCode).toBe(2);
      const written = JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')) as {
        warnings: string[];
      };
      expect(written.warnings.at(-1)).toMatch(
        /deployed into openshift-pipelines-operator-rh.v1.21.1, and now the installed CSV is openshift-pipelines-operator-rh.v1.21.2\..*this run is invalid/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
