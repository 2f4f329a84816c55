// Pushes a real, small OCI image to a registry over the distribution API, as the stand-ins of
// ko and podman/docker/buildah do in place of the real tools.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The Basic credentials a Docker-style auth file holds for the host, if any. */
export function authHeaders(authFile, host) {
  let config;
  try {
    config = JSON.parse(readFileSync(authFile, 'utf8'));
  } catch {
    return {};
  }
  const auth = config.auths?.[host]?.auth;
  return auth ? { Authorization: `Basic ${auth}` } : {};
}

/** Pushes one layer holding `content` under every tag; returns the manifest digest. */
export async function pushImage({ host, name, tags, content, labels, headers }) {
  const scheme = /^(localhost|127\.)/.test(host) ? 'http' : 'https';
  async function pushBlob(data) {
    const digest = sha(data);
    const start = await fetch(`${scheme}://${host}/v2/${name}/blobs/uploads/`, {
      method: 'POST',
      headers,
    });
    if (start.status !== 202)
      throw new Error(`POST blob upload: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location'), `${scheme}://${host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...headers, 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${await put.text()}`);
    return { digest, size: data.length };
  }
  const layer = await pushBlob(Buffer.from(content));
  const imageConfig = await pushBlob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: labels },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...imageConfig },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  );
  for (const tag of tags) {
    const put = await fetch(`${scheme}://${host}/v2/${name}/manifests/${tag}`, {
      method: 'PUT',
      headers: { ...headers, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    if (put.status !== 201) throw new Error(`PUT manifest: ${put.status} ${await put.text()}`);
  }
  return sha(manifest);
}
