import { expect } from 'vitest';
import { StreamstressError } from '../../src/errors.js';
import { deployImages, restoreImages, type DeploymentRecord } from '../../src/cluster/deploy.js';
import { OPERATOR } from '../../src/cluster/operator.js';
import type { ComponentRegistry } from '../../src/config/components.js';
import type { Kube, KubeObject } from '../testbed/kube.js';
import { CSV_PATH, TARGET_NAMESPACE } from '../testbed/release.js';
import { builtImages } from './images.js';

type Csv = KubeObject & {
  spec: {
    install: {
      spec: {
        deployments: {
          name: string;
          spec: {
            template: {
              spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] };
            };
          };
        }[];
      };
    };
  };
};
type Pod = KubeObject & {
  spec: { containers: { name: string; args?: string[] }[] };
  status: { containerStatuses?: { name: string; imageID: string }[] };
};

export async function csvEnv(kube: Kube, path = CSV_PATH): Promise<Map<string, string>> {
  const csv = await kube.get<Csv>(path);
  const env =
    csv.spec.install.spec.deployments
      .find((d) => d.name === OPERATOR.deployment)
      ?.spec.template.spec.containers.find((c) => c.name === OPERATOR.container)?.env ?? [];
  return new Map(env.map((e) => [e.name, e.value ?? '']));
}

/** What the pods of the target namespace that are not going run, by `workload/container` (their `app` label). */
async function running(kube: Kube): Promise<{ images: Map<string, string>; args: string[] }> {
  const pods = (await kube.list<Pod>(`/api/v1/namespaces/${TARGET_NAMESPACE}/pods`)).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  return {
    images: new Map(
      pods.flatMap((p) =>
        (p.status.containerStatuses ?? []).map(
          (c) => [`${p.metadata.labels?.app ?? ''}/${c.name}`, c.imageID] as [string, string],
        ),
      ),
    ),
    args: pods.flatMap((p) => p.spec.containers.flatMap((c) => c.args ?? [])),
  };
}

/**
 * Deploys every image of all six components (19 variables), checks that each runs (a container
 * image in its pod, an argument image in its controller's arguments) and that the record says
 * so, restores, and checks that the CSV and the pods are back as they were.
 */
export async function deployAndRestoreAll(
  kube: Kube,
  registry: ComponentRegistry,
  seed: string,
  consoleVariable: string,
): Promise<DeploymentRecord> {
  const before = await csvEnv(kube);
  const images = builtImages(
    registry,
    seed,
    registry.components.map((c) => c.name),
  );
  const record = await deployImages(images, { kube, registry, timeoutMs: 120_000 }).catch(
    (error: unknown) => {
      if (error instanceof StreamstressError) console.error(error.describe());
      throw error;
    },
  );
  const wanted = new Map(
    images.components.flatMap((c) =>
      c.images.map((i) => {
        const spec = registry.components
          .find((s) => s.name === c.name)
          ?.images.find((s) => s.env === i.env);
        return [
          i.env === 'IMAGE_PIPELINES_CONSOLE_PLUGIN' ? consoleVariable : i.env,
          { ref: i.internalRef, spec },
        ] as const;
      }),
    ),
  );
  expect(wanted.size).toBe(19);
  expect(record.changes.map((c) => c.env).sort()).toEqual([...wanted.keys()].sort());
  expect(record.verified).toHaveLength(19);
  expect(record.recycledAgain).toBeUndefined();
  // A main set deleted costs its static partner too (§9.2): the record names both.
  const kinds = record.installerSets.deleted.map((n) => n.replace(/[a-z0-9]{5}$/, ''));
  for (const staticSet of [
    'pipeline-main-static-',
    'trigger-main-static-',
    'manualapprovalgate-main-static-',
  ])
    expect(kinds).toContain(staticSet);
  const now = await running(kube);
  for (const [env, { ref, spec }] of wanted) {
    if (spec?.container)
      expect(now.images.get(`${spec.deployment ?? ''}/${spec.container}`), env).toBe(ref);
    else expect(now.args, env).toEqual(expect.arrayContaining([spec?.argument, ref]));
  }
  expect(record.payload).toEqual({
    pipeline: 'v1.6.6',
    triggers: 'v0.34.0',
    chains: 'v0.26.9',
    results: 'v0.17.2',
    'manual-approval-gate': 'v0.7.0',
  });

  await restoreImages({ kube, registry, timeoutMs: 120_000 });
  expect(await csvEnv(kube)).toEqual(before);
  expect(
    (await kube.get(CSV_PATH)).metadata.annotations?.[OPERATOR.originalsAnnotation],
  ).toBeUndefined();
  const restored = await running(kube);
  for (const [env, { spec }] of wanted)
    if (spec?.argument)
      expect(restored.args, env).toEqual(expect.arrayContaining([spec.argument, before.get(env)]));
    else if (spec?.container)
      expect(restored.images.get(`${spec.deployment ?? ''}/${spec.container}`), env).toBe(
        before.get(env),
      );
  return record;
}
