import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { KubeError, type KubeObject } from '../testbed/kube.js';
import { HOST_IMAGE, NODE_NAME } from '../testbed/node-agent.js';
import { removeTestbedDir, startTestbed, type Testbed } from '../testbed/testbed.js';

// The testbed's workloads are Kubernetes' own: the real controller-manager and scheduler, and
// the node agent in the kubelet's place. These pin what the node agent promises.

const run = promisify(execFile);
let testbed: Testbed;
const NS = 'default';

type Condition = { type: string; status: string };
type ContainerStatus = {
  name: string;
  restartCount: number;
  state: { running?: object; terminated?: { exitCode: number; reason: string } };
};
type Pod = KubeObject & {
  spec: { nodeName?: string };
  status?: { phase?: string; containerStatuses?: ContainerStatus[]; conditions?: Condition[] };
};

const kubectl = async (...args: string[]) =>
  (await run('kubectl', ['--kubeconfig', testbed.adminKubeconfig, ...args])).stdout;

function hostJob(name: string, script: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: `${HOST_IMAGE}:any`, command: ['sh', '-c', script] }],
        },
      },
    },
  };
}

async function jobPod(name: string): Promise<Pod> {
  return eventually(async () => {
    const [pod] = await testbed.admin.list<Pod>(
      `/api/v1/namespaces/${NS}/pods`,
      `job-name=${name}`,
    );
    if (!pod) throw new Error(`no pod for job ${name} yet`);
    return pod;
  });
}

const jobs = `/apis/batch/v1/namespaces/${NS}/jobs`;

beforeAll(async () => {
  testbed = await startTestbed();
}, 600_000);

afterAll(async () => {
  await testbed?.stop();
  if (testbed) removeTestbedDir(testbed.dir);
});

describe('the testbed node', () => {
  it('is registered Ready, with its kubelet endpoint, and keeps its lease renewed', async () => {
    const node = await testbed.admin.get<
      KubeObject & {
        status: {
          conditions: Condition[];
          daemonEndpoints: { kubeletEndpoint: { Port: number } };
          allocatable: Record<string, string>;
        };
      }
    >(`/api/v1/nodes/${NODE_NAME}`);
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBeGreaterThan(0);
    expect(node.status.allocatable).toMatchObject({ cpu: '7500m', memory: '30Gi' });
    // The agent writes its Lease right after the node's status: wait for it.
    const lease = await eventually(() =>
      testbed.admin.get<{ spec: { holderIdentity: string; renewTime: string } }>(
        `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_NAME}`,
      ),
    );
    expect(lease.spec.holderIdentity).toBe(NODE_NAME);
    expect(Date.now() - Date.parse(lease.spec.renewTime)).toBeLessThan(30_000);
  });

  it('runs a Deployment through a ReplicaSet the real controller made, on a pod the scheduler bound', async () => {
    await testbed.admin.create(`/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'web', image: 'registry.example/web@sha256:' + 'a'.repeat(64) }],
          },
        },
      },
    });
    const replicaSets = await eventually(async () => {
      const list = await testbed.admin.list<
        KubeObject & { metadata: { ownerReferences?: { kind: string; name: string }[] } }
      >(`/apis/apps/v1/namespaces/${NS}/replicasets`, 'app=web');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(replicaSets[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
    });
    await eventually(async () => {
      const deployment = await testbed.admin.get<{ status?: { availableReplicas?: number } }>(
        `/apis/apps/v1/namespaces/${NS}/deployments/web`,
      );
      expect(deployment.status?.availableReplicas).toBe(2);
    });
    const pods = await testbed.admin.list<
      Pod & { status: { containerStatuses: { imageID: string }[] } }
    >(`/api/v1/namespaces/${NS}/pods`, 'app=web');
    expect(pods.map((p) => p.spec.nodeName)).toEqual([NODE_NAME, NODE_NAME]);
    expect(pods.map((p) => p.status.containerStatuses[0]?.imageID)).toEqual([
      'registry.example/web@sha256:' + 'a'.repeat(64),
      'registry.example/web@sha256:' + 'a'.repeat(64),
    ]);
    expect(pods[0]?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe(
      'True',
    );
  });

  it('runs a StatefulSet’s pods in order, named by ordinal', async () => {
    await testbed.admin.create(`/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'registry.example/db:1' }] },
        },
      },
    });
    await eventually(async () => {
      const set = await testbed.admin.get<{ status?: { readyReplicas?: number } }>(
        `/apis/apps/v1/namespaces/${NS}/statefulsets/db`,
      );
      expect(set.status?.readyReplicas).toBe(2);
    });
    const pods = await testbed.admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, 'app=db');
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1']);
  });

  it('keeps a deleted pod Terminating for its grace period, then removes it', async () => {
    const [pod] = await testbed.admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, 'app=web');
    const path = `/api/v1/namespaces/${NS}/pods/${pod?.metadata.name}`;
    const deletedAt = Date.now();
    await testbed.admin.delete(path, { gracePeriodSeconds: 3 });
    const terminating = await testbed.admin.get<Pod>(path);
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.status?.phase).toBe('Running');
    await eventually(
      async () => expect(await testbed.admin.getOrUndefined(path)).toBeUndefined(),
      20_000,
    );
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(2_900);
  });

  it('garbage-collects a deleted Deployment’s ReplicaSet and pods', async () => {
    await testbed.admin.request(
      'DELETE',
      `/apis/apps/v1/namespaces/${NS}/deployments/web?propagationPolicy=Background&gracePeriodSeconds=0`,
    );
    await eventually(async () => {
      expect(
        await testbed.admin.list(`/apis/apps/v1/namespaces/${NS}/replicasets`, 'app=web'),
      ).toEqual([]);
    });
    // The pods go after their 30 s default grace period, as on a real node.
    await eventually(async () => {
      const pods = await testbed.admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, 'app=web');
      expect(pods.every((p) => p.metadata.deletionTimestamp)).toBe(true);
    });
  });
});

describe('a testbed.local/host container', () => {
  it('runs for real through the Job controller, with its ServiceAccount token, and its logs are followed through the API server', async () => {
    // The process calls the API server with the token the real token controller made for it.
    const script = [
      'echo started',
      'sleep 2',
      'SA=$TESTBED_ROOT/var/run/secrets/kubernetes.io/serviceaccount',
      'echo "namespace $(cat $SA/namespace)"',
      `node -e 'const https=require("https");const fs=require("fs");const sa=process.env.TESTBED_ROOT+"/var/run/secrets/kubernetes.io/serviceaccount/";https.get({host:process.env.KUBERNETES_SERVICE_HOST,port:process.env.KUBERNETES_SERVICE_PORT,path:"/api/v1/namespaces/default/pods",ca:fs.readFileSync(sa+"ca.crt"),headers:{Authorization:"Bearer "+fs.readFileSync(sa+"token")}},r=>{r.resume();console.log("api answered "+r.statusCode)})'`,
      'sleep 1',
      'echo done',
    ].join('\n');
    await testbed.admin.create(jobs, hostJob('hello', script, { ttlSecondsAfterFinished: 2 }));
    const pod = await jobPod('hello');
    await eventually(async () => {
      const current = await testbed.admin.get<Pod>(
        `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`,
      );
      expect(current.status?.phase).toBe('Running');
    });
    // kubectl logs -f: the first line arrives while the container still runs, the stream ends with it.
    const follow = spawn('kubectl', [
      '--kubeconfig',
      testbed.adminKubeconfig,
      '-n',
      NS,
      'logs',
      '-f',
      pod.metadata.name,
    ]);
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await eventually(() => expect(followed).toContain('started'), 10_000, 20);
    const whileFollowing = await testbed.admin.get<Pod>(
      `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`,
    );
    expect(whileFollowing.status?.phase).toBe('Running');
    const code = await new Promise<number | null>((resolve) => follow.on('close', resolve));
    expect(code).toBe(0);
    // An API call from a default ServiceAccount without a role is refused: 403 proves the token
    // authenticated (an unknown token would be 401).
    expect(followed).toBe('started\nnamespace default\napi answered 403\ndone\n');
    await eventually(async () => {
      const job = await testbed.admin.getOrUndefined<{ status?: { succeeded?: number } }>(
        `${jobs}/hello`,
      );
      // Succeeded, then deleted by the TTL-after-finished controller.
      expect(job).toBeUndefined();
    }, 30_000);
  });

  it('reports its exit code, and kubectl logs reads what it printed', async () => {
    await testbed.admin.create(jobs, hostJob('fails', 'echo "going down"; exit 3'));
    const pod = await jobPod('fails');
    const failed = await eventually(async () => {
      const current = await testbed.admin.get<Pod>(
        `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`,
      );
      expect(current.status?.phase).toBe('Failed');
      return current;
    });
    expect(failed.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
    expect(await kubectl('-n', NS, 'logs', pod.metadata.name)).toBe('going down\n');
    await eventually(async () => {
      const job = await testbed.admin.get<{
        status?: { failed?: number; conditions?: Condition[] };
      }>(`${jobs}/fails`);
      expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.status).toBe('True');
    });
  });

  it('is stopped with SIGTERM when its pod is deleted, and exits within the grace period', async () => {
    await testbed.admin.create(
      jobs,
      hostJob(
        'stoppable',
        "trap 'echo terminated; exit 0' TERM; echo up; while :; do sleep 0.1; done",
      ),
    );
    const pod = await jobPod('stoppable');
    const path = `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`;
    await eventually(async () =>
      expect(await kubectl('-n', NS, 'logs', pod.metadata.name)).toBe('up\n'),
    );
    const deletedAt = Date.now();
    await testbed.admin.delete(path, { gracePeriodSeconds: 30 });
    await eventually(async () => {
      try {
        await testbed.admin.get(path);
        throw new Error('still there');
      } catch (error) {
        if (!(error instanceof KubeError && error.status === 404)) throw error;
      }
    });
    // Gone long before the 30 s: the process ended on SIGTERM.
    expect(Date.now() - deletedAt).toBeLessThan(20_000);
  });

  it('is restarted under restartPolicy Always, its previous run kept for kubectl logs --previous', async () => {
    await testbed.admin.create(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crashes', namespace: NS },
      spec: {
        containers: [
          {
            name: 'main',
            image: HOST_IMAGE,
            command: ['sh', '-c', 'echo "run at $(date +%s%N)"; exit 1'],
          },
        ],
      },
    });
    const status = await eventually(async () => {
      const pod = await testbed.admin.get<Pod>(`/api/v1/namespaces/${NS}/pods/crashes`);
      const container = pod.status?.containerStatuses?.[0];
      expect(container?.restartCount).toBeGreaterThanOrEqual(1);
      expect(pod.status?.phase).toBe('Running');
      return container as ContainerStatus & { lastState: ContainerStatus['state'] };
    });
    expect(status.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const previous = await kubectl('-n', NS, 'logs', '--previous', 'crashes');
    expect(previous).toMatch(/^run at \d+\n$/);
  });

  it('writes no volume outside its own directory, whatever the mountPath says', async () => {
    await testbed.admin.create(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'escapes', namespace: NS },
      spec: {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: HOST_IMAGE,
            command: ['true'],
            volumeMounts: [{ name: 'scratch', mountPath: '/../../../../escaped' }],
          },
        ],
      },
    });
    await eventually(async () => {
      const pod = await testbed.admin.get<
        Pod & { status: { containerStatuses: { state: { waiting?: { message?: string } } }[] } }
      >(`/api/v1/namespaces/${NS}/pods/escapes`);
      expect(pod.status.containerStatuses[0]?.state.waiting?.message).toContain(
        'leads outside the container',
      );
    });
  });
});
