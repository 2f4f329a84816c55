import type { KubeClient } from '../adapters/kube.js';
import type { ImageSpec } from '../config/components.js';

/** The cluster's OpenShift version (ClusterVersion `version`), or undefined off OpenShift. */
export async function openShiftVersion(kube: KubeClient): Promise<string | undefined> {
  const version = await kube
    .getOrUndefined<{ status?: { desired?: { version?: string } } }>(
      '/apis/config.openshift.io/v1/clusterversions/version',
    )
    .catch(() => undefined);
  return version?.status?.desired?.version;
}

/** Whether version `a` (X.Y[.Z]) is older than `b` (X.Y). */
function olderThan(a: string, b: string): boolean {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor < bMajor || (aMajor === bMajor && aMinor < bMinor);
}

/**
 * The variable the operator reads for an image on this cluster, and why when it is not the
 * image's usual one. An unknown version counts as older: OpenShift Pipelines 1.21 supports
 * 4.14–4.21, where the legacy variable is the live one.
 */
export function operatorVariable(
  image: ImageSpec,
  version: string | undefined,
): { env: string; why?: string } {
  const legacy = image.legacy;
  if (!legacy || (version && !olderThan(version, legacy.belowOpenShift))) return { env: image.env };
  return {
    env: legacy.env,
    why: `OpenShift ${version ?? '(version unknown)'} is older than ${legacy.belowOpenShift}: the operator reads ${legacy.env}, not ${image.env}`,
  };
}
