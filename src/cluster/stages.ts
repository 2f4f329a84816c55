import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../adapters/kube.js';
import { loadImages } from '../build/images.js';
import { loadComponents } from '../config/components.js';
import type { Strategy } from '../input.js';
import { deployImages, restoreImages, type DeploymentRecord } from './deploy.js';

export interface DeployStageOptions {
  /** Called once the inputs have been read and checked: bad input never reaches the cluster. */
  connect: () => Promise<KubeClient>;
  /** An images.json file; absent for a restore. */
  imagesFile?: string;
  restore?: boolean;
  componentsFile?: string;
  strategy: Strategy;
  timeoutSeconds: number;
  propagationTimeoutSeconds: number;
  operatorNamespace: string;
  targetNamespace: string;
  allowNewEnv: boolean;
  outputDir: string;
  onProgress: (message: string) => void;
}

/** What `streamstress deploy|restore` and deploy-upstream share: run it, write deployment.json. */
export async function runDeployStage(
  options: DeployStageOptions,
): Promise<{ record: DeploymentRecord; file: string }> {
  const registry = await loadComponents(options.componentsFile);
  const images =
    options.restore || !options.imagesFile ? undefined : await loadImages(options.imagesFile);
  const common = {
    kube: await options.connect(),
    registry,
    strategy: options.strategy,
    operatorNamespace: options.operatorNamespace,
    targetNamespace: options.targetNamespace,
    timeoutMs: options.timeoutSeconds * 1000,
    propagationTimeoutMs: options.propagationTimeoutSeconds * 1000,
    allowNewEnv: options.allowNewEnv,
    onProgress: options.onProgress,
  };
  const record = images ? await deployImages(images, common) : await restoreImages(common);
  await mkdir(options.outputDir, { recursive: true });
  const file = join(options.outputDir, options.restore ? 'restore.json' : 'deployment.json');
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return { record, file };
}
