import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadComponents, type ComponentRegistry } from '../../src/config/components.js';
import { setupCluster } from '../../src/cluster/setup.js';
import { deployAndRestoreAll } from '../helpers/all-components.js';
import { startControllers } from '../testbed/controllers.js';
import { installOperator, setOpenShiftVersion } from '../testbed/install.js';
import { resourcePath, type Kube } from '../testbed/kube.js';
import { TARGET_NAMESPACE } from '../testbed/release.js';
import { removeTestbedDir, startTestbed, type Testbed } from '../testbed/testbed.js';

// A cluster installed the way release-tests installs it: statefulset-ordinals on for pipeline,
// chains and results, so four controllers run as StatefulSets (DOMAIN.md §9.4).
let testbed: Testbed;
let controllers: { stop(): Promise<void> };
let kube: Kube;
let registry: ComponentRegistry;

beforeAll(async () => {
  registry = await loadComponents();
  testbed = await startTestbed({ statefulsetOrdinals: true });
  kube = testbed.admin;
  controllers = startControllers(kube);
  await installOperator(kube);
  await setupCluster({
    kube,
    components: registry.components.filter((c) => c.name === 'manual-approval-gate'),
  });
}, 600_000);

afterAll(async () => {
  await controllers?.stop();
  await testbed?.stop();
  if (testbed) removeTestbedDir(testbed.dir);
});

it(
  'with statefulset-ordinals, deploys and restores all six components (19 variables), the StatefulSets included, on OpenShift 4.20 and 4.22',
  { timeout: 600_000 },
  async () => {
    const statefulSets = await kube.list(
      resourcePath('apps', 'v1', 'statefulsets', TARGET_NAMESPACE),
    );
    expect(statefulSets.map((s) => s.metadata.name).sort()).toEqual([
      'tekton-chains-controller',
      'tekton-pipelines-controller',
      'tekton-pipelines-remote-resolvers',
      'tekton-results-watcher',
    ]);
    const record = await deployAndRestoreAll(
      kube,
      registry,
      'ordinals-4.20',
      'IMAGE_PIPELINES_CONSOLE_PLUGIN_LEGACY',
    );
    expect(
      record.installerSets.deleted.some((n) => n.startsWith('pipeline-main-statefulset-')),
    ).toBe(true);
    await setOpenShiftVersion(kube, '4.22');
    await deployAndRestoreAll(kube, registry, 'ordinals-4.22', 'IMAGE_PIPELINES_CONSOLE_PLUGIN');
  },
);
