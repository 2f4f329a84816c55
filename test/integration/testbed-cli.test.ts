import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/upstreams.js';
import { isAlive } from '../testbed/testbed.js';

const run = promisify(execFile);
const testbedCli = (command: 'up' | 'down', env: NodeJS.ProcessEnv) =>
  run(process.execPath, ['--import', 'tsx', join(ROOT, 'test/testbed/cli.ts'), command], {
    env,
    cwd: ROOT,
  });

describe('npm run testbed:up / testbed:down', () => {
  it(
    'starts a standalone testbed that kubectl can use, prints the kubeconfig last, and stops every process',
    { timeout: 300_000 },
    async () => {
      // Its own TMPDIR keeps this testbed apart from one a person may have running.
      const env = { ...process.env, TMPDIR: tempDir('standalone') };
      const up = await testbedCli('up', env);
      const kubeconfig = up.stdout.trim().split('\n').pop() ?? '';
      expect(kubeconfig).toMatch(/streamstress-testbed\/admin\.kubeconfig$/);
      const state = JSON.parse(readFileSync(join(kubeconfig, '..', 'testbed.json'), 'utf8')) as {
        pids: number[];
      };
      try {
        const crds = await run('kubectl', [
          '--kubeconfig',
          kubeconfig,
          'get',
          'crds',
          '-o',
          'name',
        ]);
        for (const name of [
          'subscriptions.operators.coreos.com',
          'clusterserviceversions.operators.coreos.com',
          'tektonconfigs.operator.tekton.dev',
          'tektoninstallersets.operator.tekton.dev',
          'routes.route.openshift.io',
          'pods.metrics.k8s.io',
        ]) {
          expect(crds.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${name}`);
        }
        const again = await testbedCli('up', env);
        expect(again.stdout).toContain('already running');
        expect(again.stdout.trim().split('\n').pop()).toBe(kubeconfig);
      } finally {
        const down = await testbedCli('down', env);
        expect(down.stdout).toContain('Stopped the testbed');
      }
      expect(state.pids.filter(isAlive)).toEqual([]);
    },
  );
});
