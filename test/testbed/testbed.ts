import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { customResourceDefinitions } from './crds.js';
import { Kube, KubeError, resourcePath } from './kube.js';
import { NODE_NAME } from './node-agent.js';
import {
  baseObjects,
  DEFAULT_OPENSHIFT_VERSION,
  fullVersion,
  type ClusterOptions,
} from './objects.js';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const NODE_AGENT_MAIN = join(HERE, 'node-agent-main.ts');

export interface Testbed {
  dir: string;
  server: string;
  ca: string;
  adminToken: string;
  limitedToken: string;
  adminKubeconfig: string;
  limitedKubeconfig: string;
  admin: Kube;
  pids: number[];
  stop(): Promise<void>;
}

/** Builds (once) or finds the cached directory with kube-apiserver, -controller-manager and -scheduler. */
export async function kubernetesBinaries(): Promise<string> {
  if (process.env.STREAMSTRESS_KUBERNETES_BIN) return process.env.STREAMSTRESS_KUBERNETES_BIN;
  const { stdout } = await run(join(HERE, 'build-kubernetes.sh'), [], { maxBuffer: 64 << 20 });
  return stdout.trim().split('\n').pop() ?? '';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A CA and a serving certificate for 127.0.0.1, so clients verify TLS as they would on a cluster. */
async function makeCertificates(dir: string): Promise<void> {
  const p = (name: string) => join(dir, name);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '30',
    '-subj',
    '/CN=streamstress-testbed-ca',
  ]);
  /** A key and a certificate signed by the testbed CA. */
  const signed = async (name: string, subject: string, extensions?: string) => {
    await run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.csr`),
      '-subj',
      subject,
    ]);
    if (extensions) writeFileSync(p(`${name}.ext`), extensions);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-out',
      p(`${name}.crt`),
      '-days',
      '30',
      ...(extensions ? ['-extfile', p(`${name}.ext`)] : []),
    ]);
  };
  // Served by the API server and the node agent.
  await signed('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  // The API server's client certificate for the node agent's log endpoint (the kubelet API).
  await signed('kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client');
  await run('openssl', ['genrsa', '-out', p('sa.key'), '2048']);
}

function kubeconfig(server: string, ca: string, user: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'testbed',
          cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') },
        },
      ],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: `${user}@testbed`, context: { cluster: 'testbed', user } }],
      'current-context': `${user}@testbed`,
    },
    null,
    2,
  );
}

function startDetached(file: string, args: string[], log: string): number {
  const out = openSync(log, 'a');
  // From the checkout, so that `node --import tsx` finds tsx.
  const child = spawn(file, args, {
    cwd: join(HERE, '..', '..'),
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  return child.pid;
}

/** Whether a process still runs; a zombie (exited, not yet reaped by its parent) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (name) STATE …"
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Stops each process group, politely first. */
export async function stopProcesses(pids: readonly number[]): Promise<void> {
  const alive = isAlive;
  for (const pid of [...pids].reverse()) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export interface TestbedOptions extends ClusterOptions {
  /** Where its files go; a new temporary directory by default. */
  dir?: string;
}

/**
 * Starts etcd, a real kube-apiserver (TLS, token authentication, RBAC), the real
 * kube-controller-manager and kube-scheduler, and the node agent on free loopback ports;
 * installs the OpenShift, OLM and Tekton kinds and the objects an OpenShift cluster starts with;
 * writes an admin and a limited kubeconfig. Returns once the node is Ready.
 */
export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  fullVersion(options.openshiftVersion ?? DEFAULT_OPENSHIFT_VERSION);
  const bin = await kubernetesBinaries();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'streamstress-testbed-'));
  mkdirSync(dir, { recursive: true });
  await makeCertificates(dir);
  const token = () => randomBytes(16).toString('hex');
  const [adminToken, limitedToken, controllerManagerToken, schedulerToken] = [
    token(),
    token(),
    token(),
    token(),
  ];
  // The controller-manager and the scheduler authenticate as the users Kubernetes' bootstrap
  // RBAC policy grants their roles to.
  writeFileSync(
    join(dir, 'tokens.csv'),
    [
      `${adminToken},admin,1,"system:masters"`,
      `${limitedToken},limited,2,`,
      `${controllerManagerToken},system:kube-controller-manager,3,`,
      `${schedulerToken},system:kube-scheduler,4,`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const file = (name: string) => join(dir, name);
  const pids: number[] = [];
  const stop = async () => {
    await stopProcesses(pids);
  };
  const start = (name: string, program: string, args: string[]) =>
    pids.push(startDetached(program, args, file(`${name}.log`)));
  let server = '';
  const writeKubeconfig = (name: string, user: string, secret: string) => {
    writeFileSync(file(name), kubeconfig(server, ca, user, secret), { mode: 0o600 });
    return file(name);
  };
  // TTL-after-finished is alpha in 1.20: off unless both the API server and the controller
  // manager enable it.
  const featureGates = '--feature-gates=TTLAfterFinished=true';
  try {
    let admin: Kube | undefined;
    // A free port can be taken by another process (another testbed starting) before etcd or
    // the API server binds it: then both start again on other ports.
    for (let attempt = 1; !admin; attempt++) {
      const [etcdClient, etcdPeer, apiPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const etcdUrl = `http://127.0.0.1:${etcdClient}`;
      server = `https://127.0.0.1:${apiPort}`;
      start('etcd', 'etcd', [
        '--data-dir',
        file('etcd'),
        '--listen-client-urls',
        etcdUrl,
        '--advertise-client-urls',
        etcdUrl,
        '--listen-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-cluster',
        `default=http://127.0.0.1:${etcdPeer}`,
        '--log-level',
        'warn',
      ]);
      start('apiserver', join(bin, 'kube-apiserver'), [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${file('server.crt')}`,
        `--tls-private-key-file=${file('server.key')}`,
        `--token-auth-file=${file('tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${file('sa.key')}`,
        `--service-account-signing-key-file=${file('sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/24',
        // Pod logs are proxied to the node agent, which verifies this client certificate.
        `--kubelet-client-certificate=${file('kubelet-client.crt')}`,
        `--kubelet-client-key=${file('kubelet-client.key')}`,
        `--kubelet-certificate-authority=${file('ca.crt')}`,
        '--kubelet-preferred-address-types=InternalIP',
        featureGates,
        '--enable-priority-and-fairness=false',
        '--logtostderr=true',
        '--v=0',
      ]);
      const candidate = new Kube({ server, ca, token: adminToken });
      try {
        await waitReady(candidate, dir);
        admin = candidate;
      } catch (error) {
        const logs = ['etcd.log', 'apiserver.log']
          .map((name) => readFileSync(file(name), 'utf8'))
          .join('\n');
        if (attempt >= 3 || !/address already in use/.test(logs)) throw error;
        await stopProcesses(pids.splice(0));
        rmSync(file('etcd'), { recursive: true, force: true });
        for (const name of ['etcd.log', 'apiserver.log']) writeFileSync(file(name), '');
      }
    }
    start('controller-manager', join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${writeKubeconfig('controller-manager.kubeconfig', 'system:kube-controller-manager', controllerManagerToken)}`,
      // Each controller acts as its own ServiceAccount, as on a real cluster.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${file('sa.key')}`,
      `--root-ca-file=${file('ca.crt')}`,
      '--leader-elect=false',
      '--port=0',
      '--secure-port=0',
      featureGates,
      '--logtostderr=true',
      '--v=0',
    ]);
    start('scheduler', join(bin, 'kube-scheduler'), [
      `--kubeconfig=${writeKubeconfig('scheduler.kubeconfig', 'system:kube-scheduler', schedulerToken)}`,
      '--leader-elect=false',
      '--port=0',
      '--secure-port=0',
      '--logtostderr=true',
      '--v=0',
    ]);
    const adminKubeconfig = writeKubeconfig('admin.kubeconfig', 'admin', adminToken);
    const limitedKubeconfig = writeKubeconfig('limited.kubeconfig', 'limited', limitedToken);
    start('node-agent', process.execPath, ['--import', 'tsx', NODE_AGENT_MAIN, dir]);
    await installKinds(admin);
    for (const [path, object] of baseObjects(options)) await createIfMissing(admin, path, object);
    await waitNodeReady(admin, dir);
    writeFileSync(
      file('testbed.json'),
      JSON.stringify({ server, pids, adminKubeconfig, limitedKubeconfig }, null, 2),
    );
    return {
      dir,
      server,
      ca,
      adminToken,
      limitedToken,
      adminKubeconfig,
      limitedKubeconfig,
      admin,
      pids,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitNodeReady(admin: Kube, dir: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const node = await admin.getOrUndefined<{
      status?: { conditions?: { type: string; status: string }[] };
    }>(`/api/v1/nodes/${NODE_NAME}`);
    if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `the node agent did not register a Ready node within 60 s; see ${join(dir, 'node-agent.log')}`,
  );
}

async function waitReady(admin: Kube, dir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await admin.request('GET', '/readyz');
      return;
    } catch (error) {
      // /readyz answers plain text "ok": a JSON parse error means it is ready.
      if (error instanceof SyntaxError) return;
      last = error;
      // A port taken meanwhile ends the wait at once: the caller starts again on other ports.
      for (const name of ['etcd.log', 'apiserver.log'])
        if (readFileSync(join(dir, name), 'utf8').includes('address already in use'))
          throw new Error(`${name}: address already in use`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const log = readFileSync(join(dir, 'apiserver.log'), 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(
    `the API server did not become ready within 60 s (${String(last)}); its log ends:\n${log}`,
  );
}

async function installKinds(admin: Kube): Promise<void> {
  const crds = customResourceDefinitions() as { metadata: { name: string } }[];
  for (const crd of crds)
    await createIfMissing(admin, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  for (const crd of crds) {
    for (let i = 0; ; i++) {
      const current = await admin.get<{
        status?: { conditions?: { type: string; status: string }[] };
      }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        break;
      if (i > 100) throw new Error(`CRD ${crd.metadata.name} was not established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Discovery of new groups lags behind "Established" for a moment.
  for (let i = 0; i < 100; i++) {
    try {
      await admin.list(resourcePath('operator.tekton.dev', 'v1alpha1', 'tektonconfigs'));
      await admin.list(resourcePath('metrics.k8s.io', 'v1beta1', 'nodes'));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Creates an object unless it exists. A create ignores `status` where the kind has a status
 * subresource, so a status given here is then written through it (ClusterVersion, nodes).
 */
export async function createIfMissing(admin: Kube, path: string, object: unknown): Promise<void> {
  try {
    await admin.create(path, object);
  } catch (error) {
    if (!(error instanceof KubeError && error.status === 409)) throw error;
  }
  const { metadata, status } = object as { metadata?: { name?: string }; status?: unknown };
  if (status !== undefined && metadata?.name)
    await admin.mergePatch(`${path}/${metadata.name}/status`, { status });
}

export function removeTestbedDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
