import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { uploadArtifact } from '../adapters/artifact.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { Git } from '../adapters/git.js';
import { connectToCluster } from '../adapters/kube.js';
import { buildComponents, buildLogFile } from '../build/build.js';
import { parseRegistry } from '../build/stage.js';
import { checkKoBaseImage } from '../build/ko.js';
import { INTERNAL_REGISTRY } from '../cluster/setup.js';
import { defaultCacheDir } from '../plan/as-of.js';
import { parsePositiveInteger } from '../input.js';
import { planFromRequest, planRows } from '../plan/index.js';
import { booleanInput, escapeHtml, optionalInput } from './run-action.js';
import { ensureKo } from './tools.js';

/** build-components: resolve the plan (with dry-run, publish it and stop there), then build and push. */
export async function buildComponentsAction(): Promise<void> {
  const dryRun = booleanInput('dry-run');
  const componentsFile = optionalInput('components-file');
  const asOf = optionalInput('as-of');
  const plan = await planFromRequest({
    components: core.getInput('components', { required: true }),
    ...(componentsFile === undefined ? {} : { componentsFile }),
    ...(asOf === undefined ? {} : { asOf }),
  });
  core.setOutput('plan', JSON.stringify(plan));
  const { header, rows } = planRows(plan);
  await core.summary
    .addHeading(dryRun ? 'streamstress plan (dry run)' : 'streamstress plan', 2)
    .addTable([
      header.map((h) => ({ data: h, header: true })),
      ...rows.map((r) => r.map((cell) => escapeHtml(cell))),
    ])
    .write();
  core.info(
    `Planned ${plan.components.map((c) => `${c.name}@${c.commit.slice(0, 12)}`).join(', ')}`,
  );
  if (dryRun) return;

  await ensureKo();
  const registryInput = optionalInput('registry');
  if (!registryInput) {
    throw new StreamstressError('Input registry is empty: there is nowhere to push.', {
      exitCode: ExitCode.infrastructure,
      hint: 'Pass the registry-route output of setup-cluster as registry.',
    });
  }
  const { host, namespace } = parseRegistry(
    `${registryInput}/${core.getInput('image-namespace') || 'tekton-upstream'}`,
  );
  const token =
    optionalInput('registry-token') ??
    process.env.STREAMSTRESS_REGISTRY_TOKEN ??
    (await connectToCluster()).bearerToken();
  if (!token)
    throw new StreamstressError(
      'No registry token: registry-token is empty and the kubeconfig has no bearer token.',
      { exitCode: ExitCode.infrastructure },
    );
  core.setSecret(token);
  const maxParallel = optionalInput('max-parallel');
  const koBaseImage = optionalInput('ko-base-image');
  if (koBaseImage) checkKoBaseImage(koBaseImage, 'ko-base-image');
  const outputDir = core.getInput('output-dir') || 'test-output';
  const result = await buildComponents({
    git: new Git(),
    plan,
    registry: { host, namespace, internal: INTERNAL_REGISTRY },
    credentials: { username: core.getInput('registry-user') || 'streamstress', token },
    cacheDir: defaultCacheDir(),
    outputDir,
    ...(koBaseImage ? { koBaseImage } : {}),
    ...(maxParallel ? { maxParallel: parsePositiveInteger('max-parallel', maxParallel) } : {}),
    failFast: booleanInput('fail-fast'),
    onProgress: (message) => core.info(message),
  });
  core.setOutput('images', JSON.stringify(result.images));
  core.setOutput('images-file', result.file);
  for (const component of plan.components) {
    const log = await readFile(buildLogFile(outputDir, component.name), 'utf8').catch(() => '');
    if (log) await core.group(`${component.name} build log`, async () => core.info(log));
  }
  const artifact = await uploadArtifact(
    core.getInput('artifact-name') || 'streamstress-images',
    [result.file, ...plan.components.map((c) => buildLogFile(outputDir, c.name))].filter((f) =>
      existsSync(f),
    ),
    outputDir,
  );
  core.setOutput('artifact-id', artifact ? String(artifact.id) : '');
  if (result.failures.length > 0) {
    throw new StreamstressError(
      `${result.failures.length} component(s) did not build; the images of the others are in the images output:`,
      {
        exitCode: ExitCode.infrastructure,
        problems: result.failures.map((f) => f.error),
      },
    );
  }
}
