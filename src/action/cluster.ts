import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { connectToCluster, type KubeClient } from '../adapters/kube.js';

/**
 * Connects with the `kubeconfig` input when given (a secret: its credentials are masked and it
 * lives in a private temporary file only while `body` runs), else as kubectl would (KUBECONFIG).
 */
export async function withCluster<T>(body: (kube: KubeClient) => Promise<T>): Promise<T> {
  const content = core.getInput('kubeconfig');
  if (!content.trim()) return body(await connectToCluster({ onRetry: (m) => core.info(m) }));
  // YAML or JSON: `token: x`, `"token": "x"`.
  const secrets =
    /["']?(?:token|password|client-key-data|client-certificate-data)["']?\s*:\s*["']?([^\s"',}]+)/g;
  for (const match of content.matchAll(secrets)) {
    if (match[1]) core.setSecret(match[1]);
  }
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'streamstress-kube-'));
  const file = join(dir, 'kubeconfig');
  try {
    await writeFile(file, content, { mode: 0o600 });
    return await body(await connectToCluster({ kubeconfig: file, onRetry: (m) => core.info(m) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
