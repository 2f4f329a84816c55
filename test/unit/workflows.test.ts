import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  on: Record<string, { inputs?: Record<string, unknown>; secrets?: Record<string, unknown> }>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const read = (file: string) => load(readFileSync(join(ROOT, file), 'utf8'));
const workflow = read('.github/workflows/streamstress-run.yml') as Workflow;
const steps = Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
  steps.map((step) => ({ job, step })),
);

describe('streamstress-run.yml', () => {
  it.each(
    steps
      .filter(({ step }) => step.uses?.startsWith('./'))
      .map(({ job, step }) => [job, step.uses!, step]),
  )(
    '%s uses %s: an action folder of this repository, with inputs it declares',
    (_job, uses, step) => {
      const file = join(uses.slice(2), 'action.yml');
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      const action = read(file) as { inputs: Record<string, unknown> };
      for (const input of Object.keys(step.with ?? {}))
        expect(Object.keys(action.inputs)).toContain(input);
    },
  );

  it('never interpolates an expression into a script: inputs reach run: steps through env', () => {
    const scripts = steps.filter(({ step }) => step.run !== undefined);
    expect(scripts.length).toBeGreaterThan(0);
    for (const { step } of scripts) expect(step.run).not.toContain('${{');
  });

  it('takes no secret as an input: the cluster login comes from secrets', () => {
    for (const trigger of Object.values(workflow.on))
      for (const name of Object.keys(trigger.inputs ?? {}))
        expect(name).not.toMatch(/token|password|server|kubeconfig|secret/i);
    expect(Object.keys(workflow.on.workflow_call?.secrets ?? {})).toEqual([
      'CLUSTER_SERVER',
      'CLUSTER_TOKEN',
      'CLUSTER_CA',
    ]);
    const logins = steps.filter(({ step }) => step.with?.token !== undefined);
    expect(logins.length).toBeGreaterThan(0);
    for (const { step } of logins) expect(step.with?.token).toBe('${{ secrets.CLUSTER_TOKEN }}');
  });

  it('builds each component in a matrix job that feeds one deploy, and publishes failed tests too', () => {
    const { setup, build, test, publish } = workflow.jobs;
    expect(build?.strategy?.matrix?.include).toBe('${{ fromJSON(needs.setup.outputs.matrix) }}');
    expect(build?.steps.find((s) => s.uses === './build-components')?.with?.['artifact-name']).toBe(
      '${{ matrix.artifact }}',
    );
    expect(test?.needs).toEqual(['setup', 'build']);
    const deploys = Object.values(workflow.jobs)
      .flatMap((j) => j.steps)
      .filter((s) => s.uses === './deploy-upstream');
    expect(deploys).toHaveLength(1);
    expect(deploys[0]?.with?.['images-artifact']).toBe('${{ needs.setup.outputs.artifacts }}');
    expect(publish?.if).toContain('always()');
    expect(setup?.steps.some((s) => s.uses === './setup-cluster')).toBe(true);
  });

  it('gives write access to the publish job only, and persists no credentials in checkouts', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const permissions = (job as Job & { permissions?: Record<string, string> }).permissions;
      if (name === 'publish')
        expect(permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
      else expect(permissions).toBeUndefined();
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout')))
        expect(step.with?.['persist-credentials']).toBe(false);
    }
  });

  it('lets one run at a time deploy onto a cluster', () => {
    expect(workflow.concurrency?.group).toContain('streamstress-cluster-');
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });
});

describe('the component matrix script', () => {
  it('turns the components input into matrix entries, taking the input as data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamstress-matrix-'));
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const run = spawnSync(process.execPath, ['.github/scripts/component-matrix.mjs'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        GITHUB_OUTPUT: output,
        COMPONENTS: 'pipeline:pr/12,\n triggers "$(id)"',
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const lines = Object.fromEntries(
      readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(JSON.parse(lines.matrix ?? '')).toEqual([
      { component: 'pipeline:pr/12', artifact: 'images-0' },
      { component: 'triggers', artifact: 'images-1' },
      { component: '"$(id)"', artifact: 'images-2' },
    ]);
    expect(lines.artifacts).toBe('images-0,images-1,images-2');
    const empty = spawnSync(process.execPath, ['.github/scripts/component-matrix.mjs'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, COMPONENTS: ' , ' },
      encoding: 'utf8',
    });
    expect(empty.status).toBe(2);
    expect(empty.stdout).toContain('::error::The components input is empty');
  });
});

describe('the actions', () => {
  const actions = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'action.yml')));
  it.each(actions)('%s runs its committed bundle on node24', (name) => {
    const action = read(join(name, 'action.yml')) as { runs: { using: string; main: string } };
    expect(action.runs.using).toBe('node24');
    expect(existsSync(join(ROOT, name, action.runs.main))).toBe(true);
  });

  it('every action that talks to the cluster takes the same login inputs', () => {
    const login = [
      'kubeconfig',
      'server',
      'token',
      'certificate-authority-data',
      'insecure-skip-tls-verify',
    ];
    for (const name of ['setup-cluster', 'deploy-upstream', 'run-release-tests']) {
      const inputs = (
        read(join(name, 'action.yml')) as { inputs: Record<string, { default?: string }> }
      ).inputs;
      for (const input of login) expect(Object.keys(inputs), `${name} ${input}`).toContain(input);
      expect(inputs['insecure-skip-tls-verify']?.default).toBe('false');
    }
  });
});
