import { ExitCode, StreamstressError } from '../errors.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Registry credentials for ko and podman, in a private temporary Docker config (never argv). */
export async function writeDockerConfig(
  host: string,
  username: string,
  token: string,
): Promise<{ dir: string; file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'streamstress-docker-'));
  const file = join(dir, 'config.json');
  await writeFile(
    file,
    JSON.stringify({
      auths: { [host]: { auth: Buffer.from(`${username}:${token}`).toString('base64') } },
    }),
    { mode: 0o600 },
  );
  return { dir, file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** go-containerregistry's rule: loopback registries speak plain HTTP, everything else HTTPS. */
export function registryBaseUrl(host: string): string {
  const name = host.replace(/:\d+$/, '');
  const loopback = name === 'localhost' || name.startsWith('127.') || name === '[::1]';
  return `${loopback ? 'http' : 'https'}://${host}`;
}

// A registry answers a manifest HEAD with 404 unless it may answer in the manifest's own type.
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

type Credentials = { username: string; token: string };

/** A manifest HEAD for `host/repository` + `separator` + digest or tag. */
async function headManifest(reference: string, separator: '@' | ':', credentials: Credentials) {
  const slash = reference.indexOf('/');
  const at = reference.lastIndexOf(separator);
  const host = reference.slice(0, slash);
  const repository = reference.slice(slash + 1, at);
  const target = reference.slice(at + 1);
  const response = await fetch(`${registryBaseUrl(host)}/v2/${repository}/manifests/${target}`, {
    method: 'HEAD',
    headers: { Accept: MANIFEST_TYPES, Authorization: basicAuth(credentials) },
  });
  return { response, host, repository, target };
}

/** Whether `host/repository@digest` exists in the registry. */
export async function manifestExists(
  reference: string,
  credentials: Credentials,
): Promise<boolean> {
  return (await headManifest(reference, '@', credentials)).response.ok;
}

/** The digest a tag points at (`host/repository:tag`), or undefined when there is no such tag. */
export async function tagDigest(
  reference: string,
  credentials: Credentials,
): Promise<string | undefined> {
  const { response, host, repository, target } = await headManifest(reference, ':', credentials);
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new StreamstressError(
      `The registry ${host} answered ${response.status} for ${repository}:${target}.`,
      {
        exitCode: ExitCode.infrastructure,
        hint:
          response.status === 401 || response.status === 403
            ? 'Check the registry token: it must be allowed to pull from this namespace.'
            : 'Check that the registry is reachable.',
      },
    );
  }
  return response.headers.get('docker-content-digest') ?? undefined;
}

function basicAuth(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.token}`).toString('base64')}`;
}
