import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { downloadArtifact } from '../adapters/artifact.js';
import { loadImages, mergeImages } from '../build/images.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { runDeployStage } from '../cluster/stages.js';
import { parseSeconds, parseStrategy } from '../input.js';
import { withCluster } from './cluster.js';
import { booleanInput, escapeHtml, optionalInput } from './run-action.js';

/**
 * The images.json of one artifact, or of several merged (a build matrix uploads one per
 * component): names separated by commas or newlines.
 */
async function downloadImagesArtifacts(names: string, dir: string, imagesFile: string) {
  const list = names.split(/[\s,]+/).filter(Boolean);
  const parts = [];
  for (const [i, name] of list.entries()) {
    const into = join(dir, String(i));
    await downloadArtifact(name, into);
    parts.push({ source: `artifact ${name}`, images: await loadImages(join(into, 'images.json')) });
  }
  const merged = mergeImages(parts);
  await writeFile(imagesFile, `${JSON.stringify(merged, null, 2)}\n`);
  if (list.length > 1)
    core.info(
      `merged the images of ${merged.components.map((c) => c.name).join(', ')} from ${list.length} artifacts`,
    );
}

/** deploy-upstream: swap the images of an images.json in (or restore), output the record. */
export async function deployUpstreamAction(): Promise<void> {
  const restore = booleanInput('restore');
  const strategy = parseStrategy(core.getInput('strategy') || 'auto');
  const timeoutSeconds = parseSeconds('timeout', core.getInput('timeout') || '900');
  const propagationTimeoutSeconds = parseSeconds(
    'propagation-timeout',
    core.getInput('propagation-timeout') || '60',
  );
  const sources = {
    images: optionalInput('images'),
    'images-file': optionalInput('images-file'),
    'images-artifact': optionalInput('images-artifact'),
  };
  const given = Object.entries(sources).filter(([, value]) => value !== undefined);
  if (!restore && given.length !== 1) {
    throw new StreamstressError(
      given.length === 0
        ? 'None of images, images-file and images-artifact is set: there is nothing to deploy.'
        : `Set only one of images, images-file and images-artifact (given: ${given.map(([k]) => k).join(', ')}).`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Pass the images output of build-components as images, the path of its images.json as images-file, or its artifact-name as images-artifact (or set restore: true).',
      },
    );
  }
  let imagesFile = sources['images-file'];
  if (!restore && !imagesFile) {
    const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'streamstress-images-'));
    imagesFile = join(dir, 'images.json');
    if (sources.images) await writeFile(imagesFile, sources.images);
    else if (sources['images-artifact'])
      await downloadImagesArtifacts(sources['images-artifact'], dir, imagesFile);
  }
  const componentsFile = optionalInput('components-file');
  const { record, file } = await withCluster((kube) =>
    runDeployStage({
      connect: async () => kube,
      ...(imagesFile ? { imagesFile } : {}),
      restore,
      ...(componentsFile ? { componentsFile } : {}),
      strategy,
      timeoutSeconds,
      propagationTimeoutSeconds,
      operatorNamespace: core.getInput('operator-namespace') || 'openshift-operators',
      targetNamespace: core.getInput('target-namespace') || 'openshift-pipelines',
      allowNewEnv: booleanInput('allow-new-env'),
      outputDir: core.getInput('output-dir') || 'test-output',
      onProgress: (message) => core.info(message),
    }),
  );
  core.setOutput('deployment', JSON.stringify(record));
  core.setOutput('deployment-file', file);
  core.setOutput('patched', record.patched.join(','));
  core.setOutput('reconcile-seconds', String(record.reconcileSeconds));
  if (record.fallback)
    core.warning(`Patched the operator Deployment directly: ${record.fallback}.`);
  await core.summary
    .addHeading(restore ? 'streamstress restore' : 'streamstress deploy', 2)
    .addRaw(
      `<p>Patched ${escapeHtml(record.patched.join(', then '))}; reconciled in ${record.reconcileSeconds} s.</p>`,
    )
    .addTable([
      [
        { data: 'variable', header: true },
        { data: 'image', header: true },
      ],
      ...record.changes.map((c) => [escapeHtml(c.env), escapeHtml(c.to)]),
    ])
    .write();
}
