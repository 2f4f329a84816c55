import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { connectToCluster, type KubeClient } from '../adapters/kube.js';

/**
 * Gives `body` the cluster of the `kubeconfig` input when given (a secret: its credentials are
 * masked and it lives in a private temporary file only while `body` runs), else the one
 * kubectl would use (KUBECONFIG). Connecting is left to `body`; `path` is the file to hand to
 * programs that should reach the same cluster.
 */
export async function withKubeconfig<T>(
  body: (cluster: { connect(): Promise<KubeClient>; path?: string }) => Promise<T>,
): Promise<T> {
  const onRetry = (message: string) => core.info(message);
  const content = core.getInput('kubeconfig');
  if (!content.trim()) return body({ connect: () => connectToCluster({ onRetry }) });
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
    return await body({
      connect: () => connectToCluster({ kubeconfig: file, onRetry }),
      path: file,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** {@link withKubeconfig}, connected. */
export function withCluster<T>(body: (kube: KubeClient) => Promise<T>): Promise<T> {
  return withKubeconfig(async (cluster) => body(await cluster.connect()));
}
