import { createHash } from 'node:crypto';
import { parseImages, type Images } from '../../src/build/images.js';
import type { ComponentRegistry } from '../../src/config/components.js';

/** images.json as build-components would write it for `components`, with digests made from `seed`. */
export function builtImages(
  registry: ComponentRegistry,
  seed: string,
  components = ['pipeline', 'triggers'],
): Images {
  return parseImages(
    {
      schemaVersion: 1,
      registry: {
        external: 'default-route-openshift-image-registry.apps.testbed.example',
        internal: 'image-registry.openshift-image-registry.svc:5000',
        namespace: 'tekton-upstream',
      },
      components: components.map((name) => ({
        name,
        repo: `https://github.com/tektoncd/${name}`,
        ref: 'refs/heads/main',
        commit: 'a'.repeat(40),
        images: (registry.components.find((c) => c.name === name)?.images ?? []).map((image) => {
          const repository = `tekton-upstream/${name}-${(image.importPath ?? '').split('/').pop()}`;
          const digest = createHash('sha256').update(`${seed}/${image.env}`).digest('hex');
          return {
            ...(image.importPath ? { importPath: image.importPath } : {}),
            env: image.env,
            ref: `default-route-openshift-image-registry.apps.testbed.example/${repository}@sha256:${digest}`,
            internalRef: `image-registry.openshift-image-registry.svc:5000/${repository}@sha256:${digest}`,
          };
        }),
      })),
    },
    'test images',
  );
}
