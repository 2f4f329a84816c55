import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { connectToCluster, type KubeClient } from '../adapters/kube.js';
import { ExitCode, StreamstressError } from '../errors.js';
import { booleanInput, optionalInput } from './run-action.js';

/**
 * The kubeconfig the inputs describe: the `kubeconfig` input (a secret), or `server` and
 * `token` with the cluster's `certificate-authority-data`. TLS verification stays on unless
 * `insecure-skip-tls-verify` says otherwise, which warns. Every credential and the server
 * address are masked before anything is logged. Undefined: use KUBECONFIG.
 */
function kubeconfigFromInputs(): string | undefined {
  const content = core.getInput('kubeconfig');
  const server = optionalInput('server');
  const token = optionalInput('token');
  const ca = optionalInput('certificate-authority-data');
  const insecure = booleanInput('insecure-skip-tls-verify');
  const bad = (message: string) =>
    new StreamstressError(message, {
      exitCode: ExitCode.infrastructure,
      hint: "Log in with a kubeconfig secret (kubeconfig), or with server and token secrets and the cluster's certificate-authority-data.",
    });
  if (token) core.setSecret(token);
  if (server) core.setSecret(server);
  if (content.trim() && (server || token))
    throw bad('Give kubeconfig, or server and token, not both.');
  // A kubeconfig says itself whether it checks the certificate: an input that would be
  // ignored is refused rather than silently dropped.
  if (content.trim() && insecure)
    throw bad('insecure-skip-tls-verify goes with server and token; a kubeconfig sets it itself.');
  if (/insecure-skip-tls-verify["']?\s*:\s*["']?true/.test(content))
    core.warning(
      "The kubeconfig has insecure-skip-tls-verify: the cluster's certificate is not checked, so anyone between the runner and the cluster could read the token.",
    );
  if (!content.trim() && !server && !token) return undefined;
  if (insecure)
    core.warning(
      "insecure-skip-tls-verify is on: the cluster's certificate is not checked, so anyone between the runner and the cluster could read the token. Give certificate-authority-data instead.",
    );
  if (content.trim()) {
    // YAML or JSON: `token: x`, `"token": "x"`, and the server address.
    const secrets =
      /["']?(?:token|password|client-key-data|client-certificate-data|server)["']?\s*:\s*["']?([^\s"',}]+)/g;
    for (const match of content.matchAll(secrets)) if (match[1]) core.setSecret(match[1]);
    return content;
  }
  if (!server || !token)
    throw bad(server ? 'server is set but token is not.' : 'token is set but server is not.');
  if (!/^https:\/\/[^\s/]+/.test(server))
    throw bad(`server must be an https:// address of the cluster's API.`);
  if (ca && !/BEGIN CERTIFICATE/.test(Buffer.from(ca, 'base64').toString('latin1')))
    throw bad('certificate-authority-data is not a base64-encoded PEM certificate.');
  // JSON is YAML: the client reads it as a kubeconfig.
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cluster',
        cluster: {
          server,
          ...(ca ? { 'certificate-authority-data': ca } : {}),
          ...(insecure ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [{ name: 'streamstress', user: { token } }],
    contexts: [{ name: 'streamstress', context: { cluster: 'cluster', user: 'streamstress' } }],
    'current-context': 'streamstress',
  });
}

/**
 * Gives `body` the cluster the login inputs describe; the kubeconfig lives in a private
 * temporary file only while `body` runs (so there is nothing for a post step to clean up), and
 * is handed to programs that should reach the same cluster as `path`. Without login inputs,
 * the cluster kubectl would use (KUBECONFIG).
 */
export async function withKubeconfig<T>(
  body: (cluster: { connect(): Promise<KubeClient>; path?: string }) => Promise<T>,
): Promise<T> {
  const onRetry = (message: string) => core.info(message);
  const content = kubeconfigFromInputs();
  if (content === undefined) return body({ connect: () => connectToCluster({ onRetry }) });
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
