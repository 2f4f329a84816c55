import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../adapters/kube.js';
import { loadImages } from '../build/images.js';
import { imagesFromRegistry } from '../build/lookup.js';
import { INTERNAL_REGISTRY } from './setup.js';
import { loadComponents } from '../config/components.js';
import type { Strategy } from '../input.js';
import { deployImages, restoreImages, type DeploymentRecord } from './deploy.js';

export interface DeployStageOptions {
  /** Called once the inputs have been read and checked: bad input never reaches the cluster. */
  connect: () => Promise<KubeClient>;
  /** An images.json file; absent for a restore. */
  imagesFile?: string;
  /** Or images looked up by tag in the registry (`deploy --registry … --component …`). */
  lookup?: {
    registry: { host: string; namespace: string };
    components: string;
    credentials: () => Promise<{ username: string; token: string }>;
  };
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
  const images = options.restore
    ? undefined
    : options.imagesFile
      ? await loadImages(options.imagesFile)
      : options.lookup
        ? await imagesFromRegistry({
            components: options.lookup.components,
            registry: { ...options.lookup.registry, internal: INTERNAL_REGISTRY },
            config: registry,
            credentials: await options.lookup.credentials(),
          })
        : undefined;
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
