import * as core from '@actions/core';
import { setupCluster } from '../cluster/setup.js';
import { componentsNamed } from '../plan/index.js';
import { parseSeconds } from '../input.js';
import { withCluster } from './cluster.js';
import { escapeHtml } from './run-action.js';

/** setup-cluster: prepare the cluster, report each step, output where the registry is. */
export async function setupClusterAction(): Promise<void> {
  const timeoutMs = parseSeconds('timeout', core.getInput('timeout') || '600') * 1000;
  const list = core.getInput('components');
  const componentsFile = core.getInput('components-file');
  const components = list ? await componentsNamed(list, componentsFile || undefined) : [];
  const result = await withCluster((kube) =>
    setupCluster({
      kube,
      components,
      imageNamespace: core.getInput('image-namespace') || 'tekton-upstream',
      operatorNamespace: core.getInput('operator-namespace') || 'openshift-operators',
      channel: core.getInput('channel') || 'latest',
      catalogSource: core.getInput('catalog-source') || 'redhat-operators',
      catalogSourceNamespace: core.getInput('catalog-source-namespace') || 'openshift-marketplace',
      timeoutMs,
      onStep: (step) => core.info(`${step.status.padEnd(8)}${step.step}: ${step.detail}`),
    }),
  );
  core.setOutput('registry-route', result.registryRoute);
  core.setOutput('internal-registry', result.internalRegistry);
  core.setOutput('operator-version', result.operatorVersion ?? '');
  await core.summary
    .addHeading('streamstress cluster setup', 2)
    .addTable([
      [
        { data: 'step', header: true },
        { data: 'result', header: true },
        { data: 'detail', header: true },
      ],
      ...result.steps.map((s) => [escapeHtml(s.step), s.status, escapeHtml(s.detail)]),
    ])
    .write();
}
