import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COMPONENTS_FILE,
  loadComponents,
  parseComponents,
} from '../../src/config/components.js';
import { StreamstressError } from '../../src/errors.js';

// DOMAIN.md §1, checked against the upstream config/*.yaml: import path → IMAGE_* → how it runs.
const EXPECTED_MAP = [
  [
    'pipeline',
    './cmd/controller',
    'IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER',
    'container',
    'tekton-pipelines-controller',
  ],
  ['pipeline', './cmd/webhook', 'IMAGE_PIPELINES_WEBHOOK', 'container', 'webhook'],
  [
    'pipeline',
    './cmd/events',
    'IMAGE_PIPELINES_TEKTON_EVENTS_CONTROLLER',
    'container',
    'tekton-events-controller',
  ],
  ['pipeline', './cmd/resolvers', 'IMAGE_PIPELINES_CONTROLLER', 'container', 'controller'],
  [
    'pipeline',
    './cmd/entrypoint',
    'IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE',
    'argument',
    '-entrypoint-image',
  ],
  ['pipeline', './cmd/nop', 'IMAGE_PIPELINES_ARG__NOP_IMAGE', 'argument', '-nop-image'],
  [
    'pipeline',
    './cmd/sidecarlogresults',
    'IMAGE_PIPELINES_ARG__SIDECARLOGRESULTS_IMAGE',
    'argument',
    '-sidecarlogresults-image',
  ],
  [
    'pipeline',
    './cmd/workingdirinit',
    'IMAGE_PIPELINES_ARG__WORKINGDIRINIT_IMAGE',
    'argument',
    '-workingdirinit-image',
  ],
  [
    'triggers',
    './cmd/controller',
    'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER',
    'container',
    'tekton-triggers-controller',
  ],
  ['triggers', './cmd/webhook', 'IMAGE_TRIGGERS_WEBHOOK', 'container', 'webhook'],
  [
    'triggers',
    './cmd/interceptors',
    'IMAGE_TRIGGERS_TEKTON_TRIGGERS_CORE_INTERCEPTORS',
    'container',
    'tekton-triggers-core-interceptors',
  ],
  ['triggers', './cmd/eventlistenersink', 'IMAGE_TRIGGERS_ARG__EL_IMAGE', 'argument', '-el-image'],
  [
    'chains',
    './cmd/controller',
    'IMAGE_CHAINS_TEKTON_CHAINS_CONTROLLER',
    'container',
    'tekton-chains-controller',
  ],
  ['results', './cmd/api', 'IMAGE_RESULTS_API', 'container', 'api'],
  ['results', './cmd/watcher', 'IMAGE_RESULTS_WATCHER', 'container', 'watcher'],
  [
    'results',
    './cmd/retention-policy-agent',
    'IMAGE_RESULTS_RETENTION_POLICY_AGENT',
    'container',
    'retention-policy-agent',
  ],
  [
    'manual-approval-gate',
    './cmd/controller',
    'IMAGE_MAG_TEKTON_TASKGROUP_CONTROLLER',
    'container',
    'tekton-taskgroup-controller',
  ],
  [
    'manual-approval-gate',
    './cmd/webhook',
    'IMAGE_MAG_MANUAL_APPROVAL',
    'container',
    'manual-approval',
  ],
  [
    'console-plugin',
    undefined,
    'IMAGE_PIPELINES_CONSOLE_PLUGIN',
    'container',
    'pipelines-console-plugin',
  ],
] as const;

describe('the shipped components file', () => {
  it('holds the six components of the seed', async () => {
    const registry = await loadComponents();
    expect(registry.source).toBe(DEFAULT_COMPONENTS_FILE);
    expect(registry.components.map((c) => c.name)).toEqual([
      'pipeline',
      'triggers',
      'chains',
      'results',
      'manual-approval-gate',
      'console-plugin',
    ]);
    expect(registry.components.find((c) => c.name === 'console-plugin')?.build).toBe('docker');
  });

  it('maps each of the 19 images to its IMAGE_* variable exactly once', async () => {
    const registry = await loadComponents();
    const actual = registry.components.flatMap((c) =>
      c.images.map((i) => [
        c.name,
        i.importPath,
        i.env,
        i.container ? 'container' : 'argument',
        i.container ?? i.argument,
      ]),
    );
    expect(actual).toHaveLength(19);
    expect(new Set(actual.map((row) => row[2])).size).toBe(19);
    expect(actual).toEqual(EXPECTED_MAP.map((row) => [...row]));
  });

  it('leaves the base shell image alone and selects installer sets by label', async () => {
    const registry = await loadComponents();
    const envs = registry.components.flatMap((c) => c.images.map((i) => i.env));
    expect(envs).not.toContain('IMAGE_PIPELINES_ARG__SHELL_IMAGE');
    for (const c of registry.components)
      expect(c.installerSets.recycle.every((s) => s.includes('operator.tekton.dev/'))).toBe(true);
    expect(registry.components.find((c) => c.name === 'chains')?.installerSets.protect).toContain(
      'chain-secret-*',
    );
  });
});

const VALID = `schema-version = 1
[components.demo]
repo = "https://example.test/demo"
build = "ko"
installer-sets = { recycle = ["operator.tekton.dev/created-by=TektonDemo"] }
images = [{ import-path = "./cmd/controller", env = "IMAGE_DEMO_CONTROLLER", container = "controller" }]
`;

function problemsOf(text: string): string[] {
  try {
    parseComponents(text, 'test.toml');
  } catch (error) {
    expect(error).toBeInstanceOf(StreamstressError);
    const e = error as StreamstressError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('test.toml');
    return [...e.problems];
  }
  throw new Error('the file was accepted');
}

describe('components file validation', () => {
  it('accepts a minimal valid file and fills defaults', () => {
    const registry = parseComponents(VALID, 'test.toml');
    expect(registry.components[0]).toMatchObject({
      name: 'demo',
      defaultRef: 'HEAD',
      installerSets: { protect: [] },
    });
  });

  it.each([
    ['broken TOML', 'schema-version = 1\n[components.demo\n', /not valid TOML \(line 2/],
    [
      'a wrong schema version',
      VALID.replace('schema-version = 1', 'schema-version = 2'),
      /^schema-version: must be 1/,
    ],
    [
      'a legacy-env without the version it applies below',
      VALID.replace(
        'container = "controller" }',
        'container = "controller", legacy-env = "IMAGE_DEMO_OLD" }',
      ),
      /^components\.demo\.images\[0\]\.legacy-env: legacy-env and legacy-below-openshift go together/,
    ],
    [
      'a legacy-below-openshift that is no X.Y version',
      VALID.replace(
        'container = "controller" }',
        'container = "controller", legacy-env = "IMAGE_DEMO_OLD", legacy-below-openshift = "4.x" }',
      ),
      /legacy-below-openshift: must be an OpenShift version X\.Y/,
    ],
    [
      'a legacy-env that another image uses',
      VALID.replace(
        'container = "controller" }',
        'container = "controller", legacy-env = "IMAGE_DEMO_CONTROLLER", legacy-below-openshift = "4.22" }',
      ),
      /legacy-env: IMAGE_DEMO_CONTROLLER is already used by components\.demo\.images\[0\]\.env/,
    ],
    [
      'an unknown key',
      VALID.replace('build = "ko"', 'build = "ko"\nbuidl = "ko"'),
      /^components\.demo: unknown key buidl/,
    ],
    [
      'a missing repo',
      VALID.replace('repo = "https://example.test/demo"\n', ''),
      /^components\.demo\.repo: required/,
    ],
    [
      'a repo that looks like an option',
      VALID.replace('https://example.test/demo', '--upload-pack=evil'),
      /^components\.demo\.repo: must not start with "-"/,
    ],
    [
      'an unknown build kind',
      VALID.replace('build = "ko"', 'build = "bazel"'),
      /^components\.demo\.build: /,
    ],
    ['a wrong type', VALID.replace('build = "ko"', 'build = 3'), /^components\.demo\.build: /],
    [
      'a bad IMAGE_* name',
      VALID.replace('IMAGE_DEMO_CONTROLLER', 'image-demo'),
      /^components\.demo\.images\[0\]\.env: must be an IMAGE_\* variable/,
    ],
    [
      'an unknown image key',
      VALID.replace('container = "controller"', 'container = "controller", kontainer = "x"'),
      /^components\.demo\.images\[0\]: unknown key kontainer/,
    ],
    [
      'both container and argument',
      VALID.replace('container = "controller"', 'container = "controller", argument = "-x-image"'),
      /^components\.demo\.images\[0\]: give exactly one of container/,
    ],
    [
      'neither container nor argument',
      VALID.replace(', container = "controller"', ''),
      /^components\.demo\.images\[0\]: give exactly one of container/,
    ],
    [
      'a ko image without import path',
      VALID.replace('import-path = "./cmd/controller", ', ''),
      /^components\.demo\.images\[0\]\.import-path: required for a ko build/,
    ],
    [
      'no images',
      VALID.replace(/images = .*/, 'images = []'),
      /^components\.demo\.images: lists no image/,
    ],
    [
      'a bad default ref',
      VALID.replace('build = "ko"', 'build = "ko"\ndefault-ref = "main;reboot"'),
      /^components\.demo\.default-ref: .*contains ";"/,
    ],
    [
      'a bad label selector',
      VALID.replace('operator.tekton.dev/created-by=TektonDemo', 'created by demo'),
      /^components\.demo\.installer-sets\.recycle\[0\]: must be a label selector/,
    ],
    [
      'a base image that is no image reference',
      VALID.replace(
        'import-path = "./cmd/controller", ',
        'import-path = "./cmd/controller", base-image = "a b", ',
      ),
      /^components\.demo\.images\[0\]\.base-image: must be an image reference/,
    ],
    [
      'a bad component name',
      VALID.replace('[components.demo]', '[components.Demo]'),
      /^components\.Demo: component names are lower case/,
    ],
  ])('reports %s with the key that is wrong', (_what, text, expected) => {
    const problems = problemsOf(text);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('refuses a docker component with an import path or more than one image', () => {
    const docker = VALID.replace('build = "ko"', 'build = "docker"');
    expect(problemsOf(docker)).toContain(
      'components.demo.images[0].import-path: a docker build has no import path',
    );
    expect(
      problemsOf(
        docker.replace('import-path = "./cmd/controller", ', 'base-image = "x.example/b", '),
      ),
    ).toContain(
      "components.demo.images[0].base-image: a docker build's base image is in its Dockerfile",
    );
  });

  it("takes a ko image's own base image", () => {
    const registry = parseComponents(
      VALID.replace(
        'import-path = "./cmd/controller", ',
        'import-path = "./cmd/controller", base-image = "ghcr.io/tektoncd/plumbing/tini-git:latest", ',
      ),
      'test.toml',
    );
    expect(registry.components[0]?.images[0]?.baseImage).toBe(
      'ghcr.io/tektoncd/plumbing/tini-git:latest',
    );
  });

  it('refuses one IMAGE_* variable used twice, naming both places', () => {
    const twice = `${VALID}
[components.other]
repo = "https://example.test/other"
build = "ko"
installer-sets = { recycle = ["a=b"] }
images = [{ import-path = "./cmd/x", env = "IMAGE_DEMO_CONTROLLER", container = "x" }]
`;
    expect(problemsOf(twice)).toEqual([
      'components.other.images[0].env: IMAGE_DEMO_CONTROLLER is already used by components.demo.images[0].env',
    ]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(
      VALID.replace('build = "ko"', 'build = "bazel"')
        .replace('IMAGE_DEMO_CONTROLLER', 'nope')
        .replace('repo = "https://example.test/demo"\n', ''),
    );
    expect(problems).toHaveLength(3);
  });

  it('names a components file that cannot be read, and what to do', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'streamstress-')), 'nope.toml');
    await expect(loadComponents(missing)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`Cannot read the components file ${missing}: ENOENT`),
      hint: expect.stringContaining('--config'),
    });
  });
});
