import { beforeAll, describe, expect, it } from 'vitest';
import { setupCluster, type SetupStep } from '../../src/cluster/setup.js';
import { StreamstressError } from '../../src/errors.js';
import { Kube, resourcePath } from '../testbed/kube.js';
import { useTestbed } from '../testbed/hooks.js';
import type { Testbed } from '../testbed/testbed.js';

const testbedOf = useTestbed();
let testbed: Testbed;
beforeAll(() => {
  testbed = testbedOf();
});

describe('cluster setup on the testbed', () => {
  it('refuses a user without the rights, naming the step and what is missing', async () => {
    const limited = new Kube({
      server: testbed.server,
      ca: testbed.ca,
      token: testbed.limitedToken,
    });
    const steps: SetupStep[] = [];
    const failure = await setupCluster({
      kube: limited,
      timeoutMs: 5_000,
      onStep: (s) => steps.push(s),
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StreamstressError);
    expect((failure as StreamstressError).message).toBe(
      'Cluster setup failed at "expose the internal registry".',
    );
    expect(steps[0]).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('Not allowed to expose the internal registry'),
    });
  });

  it(
    'takes an empty cluster to a running operator, then finds everything done the second time',
    { timeout: 180_000 },
    async () => {
      const first = await setupCluster({ kube: testbed.admin, timeoutMs: 60_000 });
      expect(first.steps.map((s) => [s.step, s.status])).toEqual([
        ['expose the internal registry', 'done'],
        ['create the image namespace tekton-upstream', 'done'],
        ['let every namespace pull from tekton-upstream', 'done'],
        ['install the OpenShift Pipelines operator', 'done'],
      ]);
      expect(first.registryRoute).toBe(
        'default-route-openshift-image-registry.apps.testbed.example',
      );
      expect(first.internalRegistry).toBe('image-registry.openshift-image-registry.svc:5000');
      expect(first.operatorVersion).toBe('1.21.0');
      const binding = await testbed.admin.get<{
        roleRef: { name: string };
        subjects: { name: string }[];
      }>(
        resourcePath(
          'rbac.authorization.k8s.io',
          'v1',
          'rolebindings',
          'tekton-upstream',
          'streamstress-image-pullers',
        ),
      );
      expect(binding.roleRef.name).toBe('system:image-puller');
      expect(binding.subjects[0]?.name).toBe('system:serviceaccounts');

      const second = await setupCluster({ kube: testbed.admin, timeoutMs: 60_000 });
      expect(second.steps.map((s) => s.status)).toEqual([
        'already',
        'already',
        'already',
        'already',
      ]);
      expect(second.operatorVersion).toBe('1.21.0');
    },
  );
});
