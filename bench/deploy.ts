// npm run bench (second part): on the testbed, the time from the last change the operator and
// kubelet make to deployImages returning — how long streamstress takes to notice it is done.
// A poller every 10 s would average 5 s here.
import { deployImages } from '../src/cluster/deploy.js';
import { loadComponents } from '../src/config/components.js';
import { builtImages } from '../test/helpers/images.js';
import { startControllers } from '../test/testbed/controllers.js';
import { resourcePath } from '../test/testbed/kube.js';
import { removeTestbedDir, startTestbed } from '../test/testbed/testbed.js';
import { installOperator } from '../test/testbed/install.js';

const RUNS = 7;
const testbed = await startTestbed();
const controllers = startControllers(testbed.admin);
const kube = testbed.admin;
try {
  await installOperator(kube);
  const registry = await loadComponents();
  // Every change the cluster side makes, as a separate observer sees it.
  let lastChange = 0;
  const abort = new AbortController();
  const paths = [
    resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs'),
    resourcePath('operator.tekton.dev', 'v1alpha1', 'tektoninstallersets'),
    '/api/v1/namespaces/openshift-pipelines/pods',
    resourcePath('apps', 'v1', 'deployments', 'openshift-pipelines'),
  ];
  for (const path of paths)
    void kube.watch(path, { onEvent: () => (lastChange = Date.now()) }, abort.signal);
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await deployImages(builtImages(registry, `bench-${i}`), { kube, registry, timeoutMs: 120_000 });
    latencies.push(Date.now() - lastChange);
  }
  abort.abort();
  latencies.sort((a, b) => a - b);
  console.log(
    `deploy of pipeline + triggers on the testbed, ${RUNS} runs: last cluster change → deploy returns, median ${latencies[Math.floor(RUNS / 2)]} ms (min ${latencies[0]}, max ${latencies[RUNS - 1]})`,
  );
} finally {
  await controllers.stop();
  await testbed.stop();
  removeTestbedDir(testbed.dir);
}
