import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentRecordSchema } from '../../src/cluster/deploy.js';
import { loadComponents } from '../../src/config/components.js';
import type { Images } from '../../src/build/images.js';
import { runBundle } from '../helpers/cli.js';
import { pushBaseImage, registryFlags, startRegistry } from '../helpers/registry.js';
import { goTools } from '../helpers/tools.js';
import { builtImages } from '../helpers/images.js';
import { startArtifactService } from '../helpers/artifact-service.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { createShippedUpstreams, tempDir } from '../helpers/upstreams.js';
import { useTestbed } from '../testbed/hooks.js';
import type { Testbed } from '../testbed/testbed.js';

const testbedOf = useTestbed();
let testbed: Testbed;
let work: string;
beforeAll(() => {
  testbed = testbedOf();
  work = tempDir('entries');
});

const streamstress = (...args: string[]) => runBundle('cli', args, { HOME: work });
const restoreFrom = (out: string) =>
  streamstress(
    '--kubeconfig',
    testbed.adminKubeconfig,
    'restore',
    '--output-dir',
    out,
    '--timeout',
    '60',
  );

describe('streamstress setup, deploy and restore, as the CLI bundle', () => {
  it('sets up an empty cluster, then finds it set up', { timeout: 180_000 }, async () => {
    const first = await streamstress(
      '--kubeconfig',
      testbed.adminKubeconfig,
      'setup',
      '--timeout',
      '60',
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^done {4}expose the internal registry: route host default-route-openshift-image-registry/m,
    );
    expect(first.stdout).toContain('operator version: 1.21.0');
    const second = await streamstress('--kubeconfig', testbed.adminKubeconfig, 'setup');
    expect(second.stdout.split('\n').filter((l) => l.startsWith('already')).length).toBe(4);
    // manual-approval-gate is installed only with a ManualApprovalGate: setup makes one.
    const mag = await streamstress(
      '--kubeconfig',
      testbed.adminKubeconfig,
      'setup',
      '--components',
      'pipeline, manual-approval-gate',
    );
    expect(mag.code).toBe(0);
    expect(mag.stdout).toMatch(
      /^done {4}create the ManualApprovalGate manual-approval-gate: created, so that the operator installs manual-approval-gate$/m,
    );
  });

  it(
    'deploys an images.json, writes deployment.json, and restores',
    { timeout: 180_000 },
    async () => {
      const images = join(work, 'images.json');
      writeFileSync(
        images,
        JSON.stringify(builtImages(await loadComponents(), 'cli', ['triggers'])),
      );
      const out = join(work, 'out');
      const deploy = await streamstress(
        '--kubeconfig',
        testbed.adminKubeconfig,
        'deploy',
        '--images',
        images,
        '--output-dir',
        out,
        '--timeout',
        '60',
      );
      expect(deploy.code).toBe(0);
      expect(deploy.stdout).toMatch(
        /^Deployed 4 IMAGE_\* values through csv; installer sets re-created: trigger-main-deployment-[a-z0-9]{5}, trigger-main-static-[a-z0-9]{5}; 4 images verified running/,
      );
      expect(deploy.stderr).toMatch(/\d\d:\d\d:\d\d patched 4 IMAGE_\* values in CSV/);
      const record = DeploymentRecordSchema.parse(
        JSON.parse(readFileSync(join(out, 'deployment.json'), 'utf8')),
      );
      expect(record.changes.map((c) => c.env).sort()).toEqual([
        'IMAGE_TRIGGERS_ARG__EL_IMAGE',
        'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER',
        'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CORE_INTERCEPTORS',
        'IMAGE_TRIGGERS_WEBHOOK',
      ]);
      const restore = await restoreFrom(out);
      expect(restore.code).toBe(0);
      expect(restore.stdout).toMatch(/^Restored 4 IMAGE_\* values/);
    },
  );

  it(
    'deploys images looked up in the registry by --registry and --component',
    { timeout: 180_000 },
    async () => {
      const registry = await startRegistry();
      try {
        const { config } = await createShippedUpstreams(work, { triggers: {} });
        const tokenFile = join(work, 'registry-token');
        writeFileSync(tokenFile, registry.token, { mode: 0o600 });
        const out = join(work, 'by-registry');
        const tools = await goTools();
        const withKo = {
          HOME: work,
          PATH: `${tools.bin}:${process.env.PATH}`,
          GOCACHE: tools.goCache,
        };
        const registryArgs = [...registryFlags(registry, tokenFile), '--output-dir', out];
        const build = await runBundle(
          'cli',
          [
            '--config',
            config,
            'build',
            '--component',
            'triggers',
            ...registryArgs,
            '--ko-base-image',
            await pushBaseImage(registry),
          ],
          withKo,
        );
        expect(build.code).toBe(0);
        const built = JSON.parse(readFileSync(join(out, 'images.json'), 'utf8')) as Images;
        const deploy = await streamstress(
          '--kubeconfig',
          testbed.adminKubeconfig,
          '--config',
          config,
          'deploy',
          '--component',
          'triggers',
          ...registryArgs,
          '--timeout',
          '60',
        );
        expect(deploy.stderr).not.toContain(registry.token);
        expect(deploy.code).toBe(0);
        expect(deploy.stdout).toMatch(/^Deployed 4 IMAGE_\* values through csv/);
        const record = DeploymentRecordSchema.parse(
          JSON.parse(readFileSync(join(out, 'deployment.json'), 'utf8')),
        );
        expect(Object.fromEntries(record.changes.map((c) => [c.env, c.to]))).toEqual(
          Object.fromEntries(built.components[0]!.images.map((i) => [i.env, i.internalRef])),
        );
        expect((await restoreFrom(out)).code).toBe(0);
      } finally {
        registry.stop();
      }
    },
  );

  it.each([
    [
      ['deploy'],
      'deploy needs --images FILE, or --registry HOST/NAMESPACE with --component NAMES.',
    ],
    [['deploy', '--registry', 'r.example/ns'], 'deploy needs --images FILE, or --registry'],
    [
      ['deploy', '--images', 'x.json', '--registry', 'r.example/ns', '--component', 'triggers'],
      'Give either --images or --registry with --component, not both.',
    ],
    [
      ['deploy', '--registry', 'https://r.example', '--component', 'triggers'],
      '--registry "https://r.example" is not host/namespace.',
    ],
    [
      ['deploy', '--images', 'x.json', '--strategy', 'sideways'],
      'The strategy "sideways" is not one of auto, csv, deployment.',
    ],
    [
      ['deploy', '--images', 'x.json', '--timeout', '-3'],
      '--timeout is "-3"; it must be a number of seconds above 0.',
    ],
    [
      ['deploy', '--images', '/nonexistent/images.json'],
      'Cannot read the images file /nonexistent/images.json',
    ],
    [
      ['--kubeconfig', '/nonexistent/kubeconfig', 'setup'],
      'The kubeconfig /nonexistent/kubeconfig does not exist.',
    ],
    [['setup', '--components', 'nosuch'], 'unknown component "nosuch"'],
  ])('exits 2 on %j', async (args, message) => {
    const run = await streamstress(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('exits 2 for a user without the rights, saying what is not allowed', async () => {
    const run = await streamstress(
      '--kubeconfig',
      testbed.limitedKubeconfig,
      'restore',
      '--timeout',
      '5',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'Not allowed to list ClusterServiceVersions in openshift-operators',
    );
  });
});

describe('streamstress check', () => {
  /** Stand-ins for ko and gauge, which cannot be installed here: they answer `version` as the real ones do. */
  function toolsDir(): string {
    const dir = tempDir('tools');
    writeFileSync(join(dir, 'ko'), '#!/bin/sh\n[ "$1" = version ] && echo 0.17.1\n', {
      mode: 0o755,
    });
    writeFileSync(
      join(dir, 'gauge'),
      '#!/bin/sh\n[ "$1" = version ] && printf "Gauge version: 1.6.14\\nCommit Hash: 0b7b1b1\\n"\n',
      { mode: 0o755 },
    );
    return dir;
  }
  const check = (kubeconfig: string, path: string) =>
    runBundle('cli', ['--kubeconfig', kubeconfig, 'check'], { HOME: work, PATH: path });

  it(
    'lists tools, the cluster, every permission, the operator, the route and metrics, and exits 0',
    { timeout: 60_000 },
    async () => {
      const run = await check(testbed.adminKubeconfig, `${toolsDir()}:${process.env.PATH}`);
      expect(run.stdout).toMatch(/^ok {7}ko: 0\.17\.1$/m);
      expect(run.stdout).toMatch(/^ok {7}gauge: Gauge version: 1\.6\.14$/m);
      expect(run.stdout).toMatch(
        /^ok {7}cluster: https:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.20\.\d+, authenticated$/m,
      );
      expect(run.stdout).toMatch(
        /^ok {7}may patch clusterserviceversions\.operators\.coreos\.com in openshift-operators: /m,
      );
      expect(run.stdout).toMatch(/^ok {7}may delete tektoninstallersets\.operator\.tekton\.dev: /m);
      expect(run.stdout).toMatch(/^ok {7}metrics API: 1 node\(s\) reporting$/m);
      expect(run.stdout).toContain('All hard prerequisites hold.');
      expect(run.code).toBe(0);
    },
  );

  it(
    'exits 2 when a tool or a permission is missing, saying which',
    { timeout: 60_000 },
    async () => {
      const noKo = await check(testbed.adminKubeconfig, `/usr/bin:/bin`);
      expect(noKo.stdout).toMatch(
        /^missing {2}ko: not on PATH \(needed for building the Go components\)$/m,
      );
      expect(noKo.code).toBe(2);
      const limited = await check(testbed.limitedKubeconfig, `${toolsDir()}:${process.env.PATH}`);
      expect(limited.stdout).toMatch(
        /^missing {2}may patch clusterserviceversions\.operators\.coreos\.com in openshift-operators: deploy changes IMAGE_\* in the CSV$/m,
      );
      expect(limited.stdout).toMatch(
        /^ok {7}may list tektoninstallersets\.operator\.tekton\.dev: /m,
      );
      expect(limited.code).toBe(2);
    },
  );
});

describe('setup-cluster and deploy-upstream, as the Actions runner runs them', () => {
  it(
    'take the kubeconfig as a secret input, mask its token, and set their outputs',
    { timeout: 180_000 },
    async () => {
      const kubeconfig = readFileSync(testbed.adminKubeconfig, 'utf8');
      const setup = runnerEnv({ kubeconfig, timeout: '60' });
      const setupRun = await runBundle('setup-cluster', [], setup.env);
      expect(setupRun.code).toBe(0);
      expect(setupRun.stdout).toContain(`::add-mask::${testbed.adminToken}`);
      expect(readOutputs(setup.output)).toMatchObject({
        'registry-route': 'default-route-openshift-image-registry.apps.testbed.example',
        'operator-version': '1.21.0',
      });

      const images = JSON.stringify(builtImages(await loadComponents(), 'action', ['pipeline']));
      const deploy = runnerEnv({
        kubeconfig,
        images,
        timeout: '60',
        'output-dir': join(work, 'action-out'),
      });
      const deployRun = await runBundle('deploy-upstream', [], deploy.env);
      expect(deployRun.stdout).not.toContain('::error');
      expect(deployRun.code).toBe(0);
      const outputs = readOutputs(deploy.output);
      expect(outputs.patched).toBe('csv');
      expect(
        DeploymentRecordSchema.parse(JSON.parse(outputs.deployment ?? '')).changes,
      ).toHaveLength(8);
      expect(readFileSync(deploy.summary, 'utf8')).toContain(
        'IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE',
      );
      for (const file of [setup.output, setup.summary, deploy.output, deploy.summary])
        expect(readFileSync(file, 'utf8')).not.toContain(testbed.adminToken);

      const restore = runnerEnv({
        kubeconfig,
        restore: 'true',
        timeout: '60',
        'output-dir': join(work, 'action-out'),
      });
      expect((await runBundle('deploy-upstream', [], restore.env)).code).toBe(0);

      // The same through the artifact build-components uploads in an earlier job.
      const artifacts = await startArtifactService();
      try {
        const packed = tempDir('artifact');
        writeFileSync(
          join(packed, 'images.json'),
          JSON.stringify(builtImages(await loadComponents(), 'artifact', ['triggers'])),
        );
        execFileSync('zip', ['-q', 'images.zip', 'images.json'], { cwd: packed });
        artifacts.artifacts.push({
          name: 'streamstress-images',
          workflowRunBackendId: 'run-backend-1',
          body: readFileSync(join(packed, 'images.zip')),
          finalized: true,
        });
        // A build matrix uploads one artifact per component; deploy merges them.
        writeFileSync(
          join(packed, 'images.json'),
          JSON.stringify(builtImages(await loadComponents(), 'artifact', ['chains'])),
        );
        execFileSync('zip', ['-q', 'chains.zip', 'images.json'], { cwd: packed });
        artifacts.artifacts.push({
          name: 'streamstress-images-chains',
          workflowRunBackendId: 'run-backend-1',
          body: readFileSync(join(packed, 'chains.zip')),
          finalized: true,
        });
        const twice = runnerEnv({
          kubeconfig,
          'images-artifact': 'streamstress-images, streamstress-images',
          'output-dir': join(work, 'action-out'),
        });
        const refused = await runBundle('deploy-upstream', [], { ...twice.env, ...artifacts.env });
        expect(refused.code).toBe(2);
        expect(refused.stdout).toContain(
          'component triggers is in both artifact streamstress-images and artifact streamstress-images',
        );
        const fromArtifact = runnerEnv({
          kubeconfig,
          'images-artifact': 'streamstress-images\nstreamstress-images-chains',
          timeout: '60',
          'output-dir': join(work, 'action-out'),
        });
        const run = await runBundle('deploy-upstream', [], {
          ...fromArtifact.env,
          ...artifacts.env,
        });
        expect(run.stdout).not.toContain('::error');
        expect(run.code).toBe(0);
        const record = DeploymentRecordSchema.parse(
          JSON.parse(readOutputs(fromArtifact.output).deployment ?? ''),
        );
        expect(record.changes.map((c) => c.env)).toContain('IMAGE_TRIGGERS_WEBHOOK');
        expect(record.changes.map((c) => c.env)).toContain('IMAGE_CHAINS_TEKTON_CHAINS_CONTROLLER');
        expect((await runBundle('deploy-upstream', [], restore.env)).code).toBe(0);
      } finally {
        await artifacts.stop();
      }
    },
  );

  it.each([
    [{}, '::error::None of images, images-file and images-artifact is set'],
    [
      { images: '{}', 'images-artifact': 'x' },
      '::error::Set only one of images, images-file and images-artifact (given: images, images-artifact).',
    ],
    [
      { 'images-artifact': 'streamstress-images' },
      '::error::Cannot download artifact streamstress-images: this runner provides no artifact service',
    ],
  ])('deploy-upstream refuses the images inputs %j', async (inputs, message) => {
    const step = runnerEnv({
      kubeconfig: readFileSync(testbed.adminKubeconfig, 'utf8'),
      ...inputs,
    });
    const run = await runBundle('deploy-upstream', [], step.env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(message);
  });
  it(
    "logs in with server and token secrets and the cluster's CA, masking both",
    { timeout: 120_000 },
    async () => {
      const login = {
        server: testbed.server,
        token: testbed.adminToken,
        'certificate-authority-data': Buffer.from(testbed.ca).toString('base64'),
      };
      const step = runnerEnv({ ...login, timeout: '60' });
      const run = await runBundle('setup-cluster', [], step.env);
      expect(run.stdout).not.toContain('::error');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`::add-mask::${testbed.adminToken}`);
      expect(run.stdout).toContain(`::add-mask::${testbed.server}`);
      expect(readOutputs(step.output)['operator-version']).toBe('1.21.0');
      for (const file of [step.output, step.summary])
        expect(readFileSync(file, 'utf8')).not.toContain(testbed.adminToken);
      // Nothing is left behind for a post step: the kubeconfig lived only during the step.
      expect(
        readdirSync(step.env.RUNNER_TEMP ?? '').filter((f) => f.startsWith('streamstress-kube-')),
      ).toEqual([]);

      // Without the CA the cluster's self-signed certificate is refused; skipping the check warns.
      const unverified = runnerEnv({ server: login.server, token: login.token, timeout: '30' });
      const refused = await runBundle('setup-cluster', [], unverified.env);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toMatch(/::error::.*certificate/i);
      const insecure = runnerEnv({
        server: login.server,
        token: login.token,
        'insecure-skip-tls-verify': 'true',
        timeout: '60',
      });
      const warned = await runBundle('setup-cluster', [], insecure.env);
      expect(warned.code).toBe(0);
      expect(warned.stdout).toContain('::warning::insecure-skip-tls-verify is on');
    },
  );

  it.each([
    [{ server: 'https://api.example:6443' }, 'server is set but token is not.'],
    [{ token: 'sha256~x' }, 'token is set but server is not.'],
    [
      { server: 'http://api.example:6443', token: 'sha256~x' },
      "server must be an https:// address of the cluster's API.",
    ],
    [
      { server: 'https://api.example:6443', token: 'sha256~x', kubeconfig: 'apiVersion: v1' },
      'Give kubeconfig, or server and token, not both.',
    ],
    [
      {
        server: 'https://api.example:6443',
        token: 'sha256~x',
        'certificate-authority-data': 'bm90IGEgY2VydA==',
      },
      'certificate-authority-data is not a base64-encoded PEM certificate.',
    ],
    [
      { kubeconfig: 'apiVersion: v1', 'insecure-skip-tls-verify': 'true' },
      'insecure-skip-tls-verify goes with server and token; a kubeconfig sets it itself.',
    ],
  ])('setup-cluster refuses the login %j', async (inputs, message) => {
    const run = await runBundle('setup-cluster', [], runnerEnv(inputs).env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`::error::${message}`);
    expect(run.stdout).not.toContain('::error::sha256~x');
  });
});
