import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { createServer, type Server } from 'node:https';
import { constants, hostname } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Kube, KubeError, type KubeObject } from './kube.js';

/**
 * The kubelet's part of the testbed: it registers a Node, keeps its Lease renewed (or the real
 * node lifecycle controller marks it NotReady and evicts its pods), runs the pods the real
 * scheduler binds to it and reports their status, and serves their logs to the API server's
 * pod-log proxy.
 *
 * A container whose image is `testbed.local/host` (any tag) runs for real, as a local process:
 * its `command` + `args`, the pod's env plus the testbed's PATH, a working directory of its own,
 * and its volumes (the ServiceAccount token Secret among them) written as files under a
 * directory of its own named by `TESTBED_ROOT`: the token a pod reads from
 * `/var/run/secrets/kubernetes.io/serviceaccount/token` is at
 * `$TESTBED_ROOT/var/run/secrets/kubernetes.io/serviceaccount/token`. Its exit code becomes the
 * container's. Any other image is reported Running and never exits, as an idle server would.
 *
 * Rules followed from the kubelet (kubernetes 1.20, pkg/kubelet): restartPolicy Always /
 * OnFailure / Never, the first restart at once and then a doubling back-off from 10 s (kuberuntime_manager.go); the pod phase
 * from its containers (kubelet_pods.go getPhase); on deletion, SIGTERM and then SIGKILL when the
 * termination grace period ends, the pod object removed only then (pod_workers.go, killPod);
 * exit code 128 + signal number for a killed process.
 */

export const NODE_NAME = 'testbed-node';
export const HOST_IMAGE = 'testbed.local/host';
const LEASE_SECONDS = 40;
const RENEW_MS = 10_000;
const STATUS_MS = 60_000;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string };
  emptyDir?: object;
}
export type Pod = KubeObject & {
  spec: {
    nodeName?: string;
    restartPolicy?: 'Always' | 'OnFailure' | 'Never';
    terminationGracePeriodSeconds?: number;
    containers: Container[];
    volumes?: Volume[];
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
};

type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        reason: string;
        startedAt: string;
        finishedAt: string;
        message?: string;
      };
    };

interface ContainerRun {
  spec: Container;
  state: ContainerState;
  lastState?: ContainerState;
  restartCount: number;
  process?: ChildProcess;
  log: string;
  /** The open log stream of the running process, closed when it exits. */
  logStream?: WriteStream;
  restartTimer?: NodeJS.Timeout;
}

interface PodRun {
  pod: Pod;
  dir: string;
  containers: ContainerRun[];
  podIP: string;
  startTime: string;
  /** Set once the pod is being deleted: when its grace period ends. */
  killAt?: number;
  killTimer?: NodeJS.Timeout;
  finished: boolean;
}

export interface NodeAgentOptions {
  kube: Kube;
  /** Where pods' working directories and logs go. */
  dir: string;
  /** TLS for the log server: its certificate for 127.0.0.1 and the CA its clients must present. */
  tls: { cert: string; key: string; ca: string };
  /** The API server's address as pods see it (KUBERNETES_SERVICE_HOST / _PORT). */
  apiServer: URL;
}

export interface NodeAgent {
  port: number;
  stop(): Promise<void>;
}

const now = () => new Date().toISOString();
const isHost = (image: string) => image === HOST_IMAGE || image.startsWith(`${HOST_IMAGE}:`);

/** The digest a registry would report for an image reference: its own when pinned, else a stable one. */
export function imageId(image: string): string {
  if (image.includes('@sha256:')) return image;
  const repository = image.replace(/:[^/:]+$/, '');
  return `${repository}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const { kube } = options;
  const pods = new Map<string, PodRun>();
  const abort = new AbortController();
  let nextIP = 10;
  let stopping = false;

  const podPath = (pod: Pod) =>
    `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;

  // ------------------------------------------------------------------ status

  const phase = (run: PodRun): string => {
    const policy = run.pod.spec.restartPolicy ?? 'Always';
    const states = run.containers.map((c) => c.state);
    if (states.some((s) => 'running' in s)) return 'Running';
    const waitingToRestart = run.containers.some((c) => c.restartTimer);
    if (states.every((s) => 'terminated' in s) && !waitingToRestart) {
      if (policy === 'Always') return 'Running';
      const failed = states.some((s) => 'terminated' in s && s.terminated.exitCode !== 0);
      return failed && policy === 'Never' ? 'Failed' : failed ? 'Running' : 'Succeeded';
    }
    return run.containers.some((c) => c.restartCount > 0) ? 'Running' : 'Pending';
  };

  const reportStatus = async (run: PodRun): Promise<void> => {
    if (run.finished) return;
    const ready = run.containers.every((c) => 'running' in c.state);
    const at = now();
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastTransitionTime: at,
    });
    const scheduled = run.pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const status = {
      phase: phase(run),
      hostIP: '127.0.0.1',
      podIP: run.podIP,
      podIPs: [{ ip: run.podIP }],
      startTime: run.startTime,
      conditions: [
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        scheduled ?? condition('PodScheduled', true),
      ],
      containerStatuses: run.containers.map((c) => ({
        name: c.spec.name,
        image: c.spec.image,
        imageID: isHost(c.spec.image)
          ? `${HOST_IMAGE}@sha256:${'0'.repeat(64)}`
          : imageId(c.spec.image),
        containerID: `testbed://${run.pod.metadata.uid}/${c.spec.name}/${c.restartCount}`,
        ready: 'running' in c.state,
        started: 'running' in c.state,
        restartCount: c.restartCount,
        state: c.state,
        ...(c.lastState ? { lastState: c.lastState } : {}),
      })),
    };
    try {
      await kube.mergePatch(`${podPath(run.pod)}/status`, { status });
    } catch (error) {
      if (!(error instanceof KubeError && error.status === 404)) throw error;
    }
  };

  // A pod's status is written after each change; writes of one pod are kept in order.
  const reporting = new Map<string, Promise<void>>();
  const report = (run: PodRun) => {
    const uid = run.pod.metadata.uid ?? '';
    const previous = reporting.get(uid) ?? Promise.resolve();
    const next = previous.then(() => reportStatus(run)).catch(debug);
    reporting.set(uid, next);
    return next;
  };

  // ------------------------------------------------------------------ containers

  const resolveEnv = async (pod: Pod, vars: EnvVar[] = []): Promise<Record<string, string>> => {
    const env: Record<string, string> = {};
    for (const v of vars) {
      if (v.value !== undefined) env[v.name] = expand(v.value, env);
      const from = v.valueFrom;
      if (from?.fieldRef) env[v.name] = fieldValue(pod, from.fieldRef.fieldPath);
      const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
      if (ref) {
        const kind = from?.secretKeyRef ? 'secrets' : 'configmaps';
        const object = await kube.getOrUndefined<{
          data?: Record<string, string>;
        }>(`/api/v1/namespaces/${pod.metadata.namespace}/${kind}/${ref.name}`);
        const value = object?.data?.[ref.key];
        if (value !== undefined)
          env[v.name] = kind === 'secrets' ? Buffer.from(value, 'base64').toString() : value;
      }
    }
    return env;
  };

  /** Writes each mounted volume's files under the container's root. */
  const mountVolumes = async (run: PodRun, container: Container, root: string) => {
    for (const mount of container.volumeMounts ?? []) {
      const volume = run.pod.spec.volumes?.find((v) => v.name === mount.name);
      const target = within(root, mount.mountPath);
      mkdirSync(target, { recursive: true });
      let data: Record<string, string> = {};
      if (volume?.secret) {
        const secret = await kube.get<{ data?: Record<string, string> }>(
          `/api/v1/namespaces/${run.pod.metadata.namespace}/secrets/${volume.secret.secretName}`,
        );
        data = Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v, 'base64').toString(),
          ]),
        );
      } else if (volume?.configMap) {
        const map = await kube.get<{ data?: Record<string, string> }>(
          `/api/v1/namespaces/${run.pod.metadata.namespace}/configmaps/${volume.configMap.name}`,
        );
        data = map.data ?? {};
      }
      for (const [key, value] of Object.entries(data))
        writeFileSync(join(target, key), value, { mode: 0o600 });
    }
  };

  const startContainer = async (run: PodRun, c: ContainerRun): Promise<void> => {
    c.restartTimer = undefined;
    if (stopping || run.killAt !== undefined) return;
    const startedAt = now();
    if (!isHost(c.spec.image)) {
      c.state = { running: { startedAt } };
      await report(run);
      return;
    }
    const argv = [...(c.spec.command ?? []), ...(c.spec.args ?? [])];
    if (argv.length === 0) {
      c.state = {
        waiting: {
          reason: 'CreateContainerError',
          message: `${HOST_IMAGE} has no entrypoint: give the container a command`,
        },
      };
      await report(run);
      return;
    }
    const root = join(run.dir, c.spec.name, 'root');
    let env: Record<string, string>;
    let work: string;
    try {
      work = c.spec.workingDir
        ? within(root, c.spec.workingDir)
        : join(run.dir, c.spec.name, 'work');
      mkdirSync(work, { recursive: true });
      await mountVolumes(run, c.spec, root);
      env = await resolveEnv(run.pod, c.spec.env);
    } catch (error) {
      // As the kubelet does with a Secret it cannot read yet: say why, and try again.
      c.state = {
        waiting: {
          reason: 'CreateContainerConfigError',
          message: error instanceof Error ? error.message : String(error),
        },
      };
      c.restartTimer = setTimeout(() => void startContainer(run, c).catch(debug), 1000);
      await report(run);
      return;
    }
    if (existsSync(c.log) && c.restartCount > 0) renameSync(c.log, `${c.log}.previous`);
    const logStream = createWriteStream(c.log, { flags: 'w' });
    await new Promise((resolve) => logStream.once('open', resolve));
    const processEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      HOSTNAME: run.pod.metadata.name,
      TESTBED_ROOT: root,
      KUBERNETES_SERVICE_HOST: options.apiServer.hostname,
      KUBERNETES_SERVICE_PORT: options.apiServer.port,
      ...env,
    };
    // The pod may have been deleted (or the agent stopped) while its files were written.
    if (stopping || run.killAt !== undefined || run.finished) {
      logStream.end();
      return;
    }
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: work,
      env: processEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.process = child;
    c.logStream = logStream;
    child.stdout.pipe(logStream, { end: false });
    child.stderr.pipe(logStream, { end: false });
    c.state = { running: { startedAt } };
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    child.once('close', (code, signal) => {
      logStream.end();
      c.logStream = undefined;
      c.process = undefined;
      const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
      c.state = {
        terminated: {
          exitCode: spawnError ? 128 : exitCode,
          reason: spawnError ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
          startedAt,
          finishedAt: now(),
          ...(spawnError ? { message: spawnError.message } : {}),
        },
      };
      afterExit(run, c, exitCode);
    });
    await report(run);
  };

  const afterExit = (run: PodRun, c: ContainerRun, exitCode: number) => {
    const policy = run.pod.spec.restartPolicy ?? 'Always';
    const restart =
      !stopping &&
      run.killAt === undefined &&
      (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (restart) {
      // The first restart is at once; each later one waits twice as long (from 10 s).
      const delay =
        c.restartCount === 0
          ? 0
          : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (c.restartCount - 1));
      c.lastState = c.state;
      c.restartCount += 1;
      c.restartTimer = setTimeout(() => void startContainer(run, c).catch(debug), delay);
    }
    void report(run);
    if (run.killAt !== undefined && run.containers.every((x) => !x.process) && allHost(run))
      void finish(run);
  };

  const allHost = (run: PodRun) => run.containers.every((c) => isHost(c.spec.image));

  // ------------------------------------------------------------------ pods

  const startPod = async (pod: Pod): Promise<void> => {
    const uid = pod.metadata.uid ?? '';
    const dir = join(options.dir, 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${uid}`);
    mkdirSync(dir, { recursive: true });
    const run: PodRun = {
      pod,
      dir,
      podIP: `10.128.${Math.floor(nextIP / 250)}.${(nextIP++ % 250) + 2}`,
      startTime: now(),
      finished: false,
      containers: pod.spec.containers.map((spec) => ({
        spec,
        state: { waiting: { reason: 'ContainerCreating' } },
        restartCount: 0,
        log: join(dir, `${spec.name}.log`),
      })),
    };
    pods.set(uid, run);
    await report(run);
    for (const c of run.containers) await startContainer(run, c);
  };

  /** Deletion: SIGTERM now, SIGKILL when the grace period ends, then the pod object goes. */
  const terminate = (run: PodRun, pod: Pod) => {
    if (run.killAt !== undefined) return;
    const grace =
      (pod.metadata as { deletionGracePeriodSeconds?: number }).deletionGracePeriodSeconds ??
      pod.spec.terminationGracePeriodSeconds ??
      30;
    run.killAt = Date.now() + grace * 1000;
    for (const c of run.containers) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      c.process?.kill('SIGTERM');
    }
    if (run.containers.every((c) => !c.process) && (allHost(run) || grace === 0)) {
      void finish(run);
      return;
    }
    run.killTimer = setTimeout(() => void finish(run), grace * 1000);
  };

  const finish = async (run: PodRun): Promise<void> => {
    if (run.finished) return;
    clearTimeout(run.killTimer);
    for (const c of run.containers) {
      clearTimeout(c.restartTimer);
      c.process?.kill('SIGKILL');
    }
    await Promise.all(
      run.containers.map((c) =>
        c.process ? new Promise((r) => c.process?.once('close', r)) : undefined,
      ),
    );
    run.finished = true;
    try {
      // The kubelet's final delete, with the pod's UID so a new pod of the same name is safe.
      await kube.request('DELETE', `${podPath(run.pod)}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: run.pod.metadata.uid },
      });
    } catch (error) {
      if (!(error instanceof KubeError && (error.status === 404 || error.status === 409)))
        debug(error);
    }
    pods.delete(run.pod.metadata.uid ?? '');
  };

  const sync = (pod: Pod, type: 'ADDED' | 'MODIFIED' | 'DELETED') => {
    if (pod.spec.nodeName !== NODE_NAME) return;
    const uid = pod.metadata.uid ?? '';
    const run = pods.get(uid);
    if (type === 'DELETED') {
      if (run) {
        run.finished = true;
        for (const c of run.containers) {
          clearTimeout(c.restartTimer);
          c.process?.kill('SIGKILL');
        }
        clearTimeout(run.killTimer);
        pods.delete(uid);
      }
      return;
    }
    if (run) run.pod = { ...pod, spec: run.pod.spec };
    if (pod.metadata.deletionTimestamp) {
      if (run) terminate(run, pod);
      else if (!pods.has(uid))
        // Never started here (or the agent restarted): nothing runs, so it goes at once.
        void finish({
          pod,
          dir: '',
          containers: [],
          podIP: '',
          startTime: '',
          finished: false,
        }).catch(debug);
      return;
    }
    if (!run && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')
      void startPod(pod).catch(debug);
  };

  // ------------------------------------------------------------------ node, lease, logs

  const server = serveLogs(options.tls, (namespace, name) =>
    [...pods.values()].find(
      (r) => r.pod.metadata.namespace === namespace && r.pod.metadata.name === name,
    ),
  );
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );

  const nodeStatus = () => {
    const at = now();
    const condition = (type: string, status: string, reason: string) => ({
      type,
      status,
      reason,
      lastHeartbeatTime: at,
      lastTransitionTime: at,
    });
    return {
      capacity: { cpu: '8', memory: '32Gi', pods: '250' },
      allocatable: { cpu: '7500m', memory: '30Gi', pods: '250' },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady'),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: NODE_NAME },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: `testbed node agent on ${hostname()}`,
        containerRuntimeVersion: 'testbed://1',
        kubeletVersion: 'v1.20.2',
        kubeProxyVersion: 'v1.20.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  };
  const nodePath = `/api/v1/nodes/${NODE_NAME}`;
  if (!(await kube.getOrUndefined(nodePath)))
    await kube.create('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        labels: {
          'kubernetes.io/hostname': NODE_NAME,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/worker': '',
        },
      },
    });
  await kube.mergePatch(`${nodePath}/status`, { status: nodeStatus() });

  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_NAME}`;
  const renewLease = async () => {
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    const spec = { holderIdentity: NODE_NAME, leaseDurationSeconds: LEASE_SECONDS, renewTime };
    if (await kube.getOrUndefined(leasePath)) await kube.mergePatch(leasePath, { spec });
    else
      await kube.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: NODE_NAME, namespace: 'kube-node-lease' },
        spec,
      });
  };
  await renewLease().catch(debug);
  const timers = [
    setInterval(() => void renewLease().catch(debug), RENEW_MS),
    setInterval(
      () => void kube.mergePatch(`${nodePath}/status`, { status: nodeStatus() }).catch(debug),
      STATUS_MS,
    ),
  ];

  const watching = kube.watch(
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${NODE_NAME}`)}`,
    {
      onEvent: (type, object) => sync(object as Pod, type),
      onList: (items) => {
        for (const item of items) sync(item as Pod, 'ADDED');
      },
    },
    abort.signal,
  );

  return {
    port,
    async stop() {
      stopping = true;
      abort.abort();
      for (const timer of timers) clearInterval(timer);
      for (const run of pods.values()) {
        clearTimeout(run.killTimer);
        for (const c of run.containers) {
          clearTimeout(c.restartTimer);
          c.process?.kill('SIGKILL');
        }
      }
      await watching;
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * GET /containerLogs/NAMESPACE/POD/CONTAINER[?follow=true&tailLines=N&previous=true], the
 * kubelet endpoint the API server's pod-log proxy calls, over TLS with client certificates
 * verified both ways.
 */
function serveLogs(
  tls: NodeAgentOptions['tls'],
  find: (namespace: string, name: string) => PodRun | undefined,
): Server {
  return createServer(
    { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://node');
      const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const run = match ? find(match[1] ?? '', match[2] ?? '') : undefined;
      const container = run?.containers.find((c) => c.spec.name === match?.[3]);
      if (!match || !run || !container) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      const file =
        url.searchParams.get('previous') === 'true' ? `${container.log}.previous` : container.log;
      if (!existsSync(file)) {
        const waiting =
          'waiting' in container.state ? container.state.waiting.reason : 'not started';
        res
          .writeHead(400, { 'Content-Type': 'text/plain' })
          .end(
            `container "${container.spec.name}" in pod "${match[2]}" is waiting to start: ${waiting}\n`,
          );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const tail = Number(url.searchParams.get('tailLines') ?? NaN);
      let offset = Number.isInteger(tail) && tail >= 0 ? tailOffset(file, tail) : 0;
      offset = copyFrom(file, offset, (chunk) => res.write(chunk));
      if (url.searchParams.get('follow') !== 'true') {
        res.end();
        return;
      }
      // Follow until the container stops writing (it exited) or the client goes away.
      const timer = setInterval(() => {
        offset = copyFrom(file, offset, (chunk) => res.write(chunk));
        if (!container.logStream || container.log !== file) {
          offset = copyFrom(file, offset, (chunk) => res.write(chunk));
          clearInterval(timer);
          res.end();
        }
      }, 200);
      req.once('close', () => clearInterval(timer));
    },
  );
}

function copyFrom(file: string, offset: number, write: (chunk: Buffer) => void): number {
  const size = statSync(file).size;
  if (size <= offset) return offset;
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(size - offset);
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    write(buffer.subarray(0, read));
    return offset + read;
  } finally {
    closeSync(fd);
  }
}

/** The byte offset where the last `lines` lines of the file begin. */
function tailOffset(file: string, lines: number): number {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buffer = Buffer.alloc(size);
    readSync(fd, buffer, 0, size, 0);
    let seen = 0;
    for (let i = size - 1; i >= 0; i--) {
      // A final newline ends the last line; it does not start another.
      if (buffer[i] === 0x0a && i !== size - 1 && ++seen === lines) return i + 1;
    }
    return lines === 0 ? size : 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * `path` (a mountPath or workingDir, absolute in the container) under `root`. The API server
 * accepts `..` there, which would write a Secret's files outside the container's directory.
 */
function within(root: string, path: string): string {
  const target = resolve(root, `.${sep}${path}`);
  if (target !== root && !target.startsWith(`${root}${sep}`))
    throw new Error(`${path} leads outside the container's root`);
  return target;
}

function fieldValue(pod: Pod, path: string): string {
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName,
    'spec.serviceAccountName': (pod.spec as { serviceAccountName?: string }).serviceAccountName,
    'status.hostIP': '127.0.0.1',
  };
  return values[path] ?? '';
}

/** $(VAR) references to variables defined earlier, as the kubelet expands them. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) =>
    name in env ? (env[name] ?? '') : whole,
  );
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

function debug(error: unknown): void {
  if (process.env.TESTBED_DEBUG) console.error(error);
}
